// Package frames turns normalised events into Grafana data frames: a table,
// event-count time series and log lines.
package frames

import (
	"encoding/json"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
)

// Column names of the table frame (the normalised event).
var columns = []string{"provider", "user", "email", "userId", "action", "event", "objectType", "objectId",
	"objectName", "ipAddress", "userAgent", "scope", "status", "message"}

func column(e *events.Event, i int) string {
	switch i {
	case 0:
		return e.Provider
	case 1:
		return e.User
	case 2:
		return e.Email
	case 3:
		return e.UserID
	case 4:
		return e.Action
	case 5:
		return e.Event
	case 6:
		return e.ObjectType
	case 7:
		return e.ObjectID
	case 8:
		return e.ObjectName
	case 9:
		return e.IPAddress
	case 10:
		return e.UserAgent
	case 11:
		return e.Scope
	case 12:
		return e.Status
	default:
		return e.Message
	}
}

// Table returns one frame of events (already newest first) with the
// normalised columns and the vendor's raw record as a JSON field.
func Table(name string, evs events.List) *data.Frame {
	n := evs.Len()
	times := make([]time.Time, 0, n)
	for e := range evs.All() {
		times = append(times, e.Time)
	}
	f := data.NewFrame(name, data.NewField("time", nil, times))
	// The SDK copies a column's values into its own vector, so one scratch
	// column serves every string column in turn: a million rows never hold
	// two copies of all fourteen.
	scratch := make([]string, n)
	for c, colName := range columns {
		r := 0
		for e := range evs.All() {
			scratch[r] = column(e, c)
			r++
		}
		f.Fields = append(f.Fields, data.NewField(colName, nil, scratch))
	}
	raws := make([]json.RawMessage, 0, n)
	for e := range evs.All() {
		raws = append(raws, e.Raw) // shared, not copied: a JSON field
	}
	f.Fields = append(f.Fields, data.NewField("raw", nil, raws))
	f.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return f
}
