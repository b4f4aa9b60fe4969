package frames

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
)

// Logs returns a log-lines frame for Explore: timestamp, body, severity,
// id and labels.
func Logs(name string, evs events.List) *data.Frame {
	n := evs.Len()
	ts := make([]time.Time, n)
	bodies := make([]string, n)
	sev := make([]string, n)
	ids := make([]string, n)
	labels := make([]json.RawMessage, n)
	i := -1
	for e := range evs.All() {
		i++
		ts[i] = e.Time
		bodies[i] = body(e)
		sev[i] = Severity(e)
		ids[i] = e.Provider + ":" + e.Key
		labels[i] = logLabels(e)
	}
	f := data.NewFrame(name,
		data.NewField("timestamp", nil, ts),
		data.NewField("body", nil, bodies),
		data.NewField("severity", nil, sev),
		data.NewField("id", nil, ids),
		data.NewField("labels", nil, labels),
	)
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

func logLabels(e *events.Event) json.RawMessage {
	m := map[string]string{"provider": e.Provider}
	add := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	add("user", e.User)
	add("email", e.Email)
	add("userId", e.UserID)
	add("event", e.Event)
	add("action", e.Action)
	add("objectType", e.ObjectType)
	add("objectId", e.ObjectID)
	add("objectName", e.ObjectName)
	add("ipAddress", e.IPAddress)
	add("scope", e.Scope)
	add("status", e.Status)
	b, _ := json.Marshal(m)
	return b
}
