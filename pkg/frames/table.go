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

// tableScratchBytes bounds the columns Table fills before the SDK copies
// them.
var tableScratchBytes = 64 << 20 // a variable for tests

// columnOf reads each column's value of an event (in the order of columns).
var columnOf = [...]func(e *events.Event) string{
	func(e *events.Event) string { return e.Provider },
	func(e *events.Event) string { return e.User },
	func(e *events.Event) string { return e.Email },
	func(e *events.Event) string { return e.UserID },
	func(e *events.Event) string { return e.Action },
	func(e *events.Event) string { return e.Event },
	func(e *events.Event) string { return e.ObjectType },
	func(e *events.Event) string { return e.ObjectID },
	func(e *events.Event) string { return e.ObjectName },
	func(e *events.Event) string { return e.IPAddress },
	func(e *events.Event) string { return e.UserAgent },
	func(e *events.Event) string { return e.Scope },
	func(e *events.Event) string { return e.Status },
	func(e *events.Event) string { return e.Message },
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
	// The SDK copies a column's values into its own vector, so scratch
	// columns serve every string column in turn: as many at once as fit
	// in tableScratchBytes (all fourteen up to ~300,000 rows, read in one
	// pass over the events), so a million rows never hold two copies of
	// every column.
	group := max(1, min(len(columns), tableScratchBytes/(16*max(n, 1))))
	scratch := make([][]string, group)
	for g := range scratch {
		scratch[g] = make([]string, n)
	}
	for first := 0; first < len(columns); first += group {
		cols := scratch[:min(group, len(columns)-first)]
		get := columnOf[first : first+len(cols)]
		r := 0
		for chunk := range evs.Chunks() {
			for i := range chunk {
				for g, col := range cols {
					col[r] = get[g](&chunk[i])
				}
				r++
			}
		}
		for g, col := range cols {
			f.Fields = append(f.Fields, data.NewField(columns[first+g], nil, col))
		}
	}
	raws := make([]json.RawMessage, 0, n)
	for e := range evs.All() {
		raws = append(raws, e.Raw) // shared, not copied: a JSON field
	}
	f.Fields = append(f.Fields, data.NewField("raw", nil, raws))
	f.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return f
}
