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

// sizedField is a field of n zero values, to be filled in place through
// PointerAt: given a slice, the SDK would copy it, holding every column
// twice while a frame is built.
func sizedField(name string, t data.FieldType, n int) *data.Field {
	f := data.NewFieldFromFieldType(t, n)
	f.Name = name
	return f
}

// Table returns one frame of events (already newest first) with the
// normalised columns and the vendor's raw record as a JSON field.
// The fields are filled in place in one pass over the events (a million
// rows would otherwise hold 220 MB of columns twice).
func Table(name string, evs events.List) *data.Frame {
	n := evs.Len()
	times := sizedField("time", data.FieldTypeTime, n)
	strs := make([]*data.Field, len(columns))
	for c, name := range columns {
		strs[c] = sizedField(name, data.FieldTypeString, n)
	}
	raws := sizedField("raw", data.FieldTypeJSON, n)
	r := 0
	for chunk := range evs.Chunks() {
		for i := range chunk {
			e := &chunk[i]
			*times.PointerAt(r).(*time.Time) = e.Time
			for c, f := range strs {
				*f.PointerAt(r).(*string) = columnOf[c](e)
			}
			*raws.PointerAt(r).(*json.RawMessage) = e.Raw // shared, not copied
			r++
		}
	}
	f := data.NewFrame(name, append(append([]*data.Field{times}, strs...), raws)...)
	f.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeTable}
	return f
}
