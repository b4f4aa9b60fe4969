package frames

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
)

// Logs returns a log-lines frame for Explore: timestamp, body, severity,
// id and labels.
func Logs(name string, evs events.List) *data.Frame {
	n := evs.Len()
	ts := sizedField("timestamp", data.FieldTypeTime, n)
	bodies := sizedField("body", data.FieldTypeString, n)
	sev := sizedField("severity", data.FieldTypeString, n)
	ids := sizedField("id", data.FieldTypeString, n)
	labels := sizedField("labels", data.FieldTypeJSON, n)
	labelBuf := labelArena{}
	severities := map[[3]string]string{} // Severity per event, action and status seen
	seen := map[string]int{}             // ids given so far: identical records get #2, #3...
	i := -1
	for e := range evs.All() {
		i++
		*ts.PointerAt(i).(*time.Time) = e.Time
		*bodies.PointerAt(i).(*string) = body(e)
		k := [3]string{e.Event, e.Action, e.Status}
		s, ok := severities[k]
		if !ok {
			s = Severity(e)
			severities[k] = s
		}
		*sev.PointerAt(i).(*string) = s
		id := e.Provider + ":" + events.RecordID(e)
		if n := seen[id]; n > 0 {
			seen[id] = n + 1
			id += "#" + strconv.Itoa(n+1)
		} else {
			seen[id] = 1
		}
		*ids.PointerAt(i).(*string) = id
		*labels.PointerAt(i).(*json.RawMessage) = labelBuf.labels(e)
	}
	f := data.NewFrame(name, ts, bodies, sev, ids, labels)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeLogLines, TypeVersion: data.FrameTypeVersion{0, 0},
		PreferredVisualization: data.VisTypeLogs}
	return f
}

func body(e *events.Event) string {
	who := e.User
	if who == "" {
		who = e.UserID
	}
	if who == "" {
		return e.Message
	}
	return who + ": " + e.Message
}

// Severity classifies an event for the logs view: failures are errors,
// removals and deletions warnings, the rest info.
func Severity(e *events.Event) string {
	s := strings.ToLower(e.Event + " " + e.Action + " " + e.Status)
	switch {
	case strings.Contains(s, "fail") || strings.Contains(s, "denied") || strings.Contains(s, "error"):
		return "error"
	case strings.Contains(s, "delet") || strings.Contains(s, "remov") || strings.Contains(s, "disabl") || strings.Contains(s, "revok"):
		return "warning"
	}
	return "info"
}

// labelArena writes the labels of many events into shared blocks, one
// allocation per block instead of a map and an encoding per event.
type labelArena struct{ block []byte }

const labelBlock = 64 << 10

// labels returns e's labels as a JSON object with the keys in order (the
// bytes json.Marshal makes of the same map of non-empty values).
func (a *labelArena) labels(e *events.Event) json.RawMessage {
	if cap(a.block)-len(a.block) < 1024 {
		a.block = make([]byte, 0, labelBlock)
	}
	start := len(a.block)
	b := append(a.block, '{')
	for _, l := range [...]struct{ key, value string }{
		{"action", e.Action}, {"email", e.Email}, {"event", e.Event}, {"ipAddress", e.IPAddress},
		{"objectId", e.ObjectID}, {"objectName", e.ObjectName}, {"objectType", e.ObjectType},
		{"provider", e.Provider}, {"scope", e.Scope}, {"status", e.Status}, {"user", e.User}, {"userId", e.UserID},
	} {
		if l.value == "" && l.key != "provider" {
			continue
		}
		if len(b) > start+1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, l.key...)
		b = append(b, '"', ':')
		b = appendJSONString(b, l.value)
	}
	b = append(b, '}')
	if cap(b) != cap(a.block) {
		// Outgrew the block (a huge value): the labels have their own array.
		a.block = a.block[:0:0]
		return b[start:]
	}
	a.block = b
	return b[start:len(b):len(b)]
}

// appendJSONString appends s as a JSON string, as json.Marshal writes it
// (which it does itself for anything but plain printable ASCII).
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
