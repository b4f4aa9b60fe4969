package vendorsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// A fixed week so that runs are repeatable.
var (
	testEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	testStart = testEnd.Add(-7 * 24 * time.Hour)
)

func testConfig(events int) Config {
	c := DefaultConfig()
	c.Start, c.End, c.Events = testStart, testEnd, events
	c.Now = func() time.Time { return testEnd }
	return c
}

func newServer(t *testing.T, cfg Config) (*Sim, *httptest.Server) {
	t.Helper()
	s := New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("not JSON (%v): %.300s", err, r.body)
	}
}

// do sends a request; hdr is "Name: value" pairs.
func do(t *testing.T, method, url string, body io.Reader, hdr ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ": ")
		if k == "Host" {
			req.Host = v
			continue
		}
		if k != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{res.StatusCode, res.Header, b}
}

func get(t *testing.T, url string, hdr ...string) resp { return do(t, "GET", url, nil, hdr...) }

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// ---- an independent reading of the records, per docs/vendors.md and the
// mapping rules: the ground truth must equal what a parser reads back. ----

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func arr(v any) []any          { a, _ := v.([]any); return a }

func readBack(t *testing.T, provider string, raw []byte, cfg Config) events.Event {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s record is not a JSON object: %v: %s", provider, err, raw)
	}
	e := events.Event{Provider: provider, Raw: raw}
	num := func(v any) int64 {
		n, err := v.(json.Number).Int64()
		if err != nil {
			t.Fatalf("not an integer: %v", v)
		}
		return n
	}
	switch provider {
	case events.Domo, events.DomoPlatform:
		e.User, e.UserID, e.Action, e.Event, e.ObjectType = str(m["userName"]), str(m["userId"]), str(m["actionType"]), str(m["eventText"]), str(m["objectType"])
		e.Message = str(m["additionalComment"])
		if e.Message == "" {
			e.Message = e.Event
		}
		switch tv := m["time"].(type) {
		case json.Number:
			e.Time = time.UnixMilli(num(tv)).UTC()
		case string:
			var err error
			if e.Time, err = time.Parse("2006-01-02 03:04:05 PM", tv); err != nil {
				if e.Time, err = time.Parse(time.RFC3339Nano, tv); err != nil {
					t.Fatalf("time %q: %v", tv, err)
				}
			}
			e.Time = e.Time.UTC()
		default:
			t.Fatalf("time %T", tv)
		}
		if provider == events.Domo {
			e.Scope = cfg.DomoInstance
		} else {
			e.ObjectID, e.ObjectName, e.IPAddress, e.UserAgent = str(m["objectId"]), str(m["objectName"]), str(m["ipAddress"]), str(m["browserDetails"])
			if _, ok := m["actorId"].(json.Number); !ok {
				t.Fatalf("actorId must be a number: %s", raw)
			}
			if _, ok := m["userId"].(string); !ok {
				t.Fatalf("userId must be a string: %s", raw)
			}
		}
	case events.Domino:
		e.Time = time.UnixMilli(num(m["timestamp"])).UTC()
		actor := obj(m["actor"])
		e.User, e.UserID = str(actor["name"]), str(actor["id"])
		e.Action = str(obj(m["action"])["eventName"])
		e.Event = e.Action
		in := obj(m["in"])
		e.Scope = str(in["name"])
		msg := e.Event
		for i, tv := range arr(m["targets"]) {
			tg := obj(tv)
			ent := obj(tg["entity"])
			if i == 0 {
				e.ObjectType, e.ObjectID, e.ObjectName = str(ent["entityType"]), str(ent["id"]), str(ent["name"])
			} else {
				msg += ","
			}
			msg += " " + str(ent["entityType"]) + ` "` + str(ent["name"]) + `"`
			if fcs := arr(tg["fieldChanges"]); len(fcs) > 0 {
				var parts []string
				for _, fv := range fcs {
					fc := obj(fv)
					p := str(fc["fieldName"]) + ":"
					if _, ok := fc["before"]; ok {
						p += " " + str(fc["before"]) + " -> " + str(fc["after"])
					}
					for _, a := range arr(fc["added"]) {
						p += " +" + str(obj(a)["name"])
					}
					for _, a := range arr(fc["removed"]) {
						p += " -" + str(obj(a)["name"])
					}
					parts = append(parts, p)
				}
				msg += " (" + strings.Join(parts, "; ") + ")"
			}
		}
		if e.Scope != "" {
			msg += ` in project "` + e.Scope + `"`
		}
		e.Message = msg
		if str(m["id"]) == "" {
			t.Fatalf("domino record without id: %s", raw)
		}
	case events.Datafold:
		ts := str(m["timestamp"])
		if !strings.HasSuffix(ts, "Z") && !strings.HasSuffix(ts, "+00:00") {
			ts += "Z"
		}
		var err error
		if e.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Fatalf("timestamp %q: %v", ts, err)
		}
		e.Time = e.Time.UTC()
		e.User, e.Email, e.UserID = str(m["user_email"]), str(m["user_email"]), str(m["user_id"])
		e.Action = str(m["action"])
		if m["action"] == nil {
			e.Action = str(m["request_type"]) + " " + str(m["url"])
		}
		e.Event = e.Action
		e.ObjectType, e.ObjectID = str(m["object_type"]), str(m["object_id"])
		e.IPAddress, e.UserAgent, e.Status = str(m["client_ip"]), str(m["user_agent"]), str(m["status"])
		e.Message = str(m["log_entry"])
		if m["log_entry"] == nil {
			e.Message = e.Event
		}
		for _, k := range []string{"timestamp", "event_uuid", "client_ip", "url", "action", "is_support_user", "log_entry",
			"object_id", "object_type", "payload", "referer", "request_type", "source", "status", "user_agent", "user_email", "user_id"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("datafold record lacks %s: %s", k, raw)
			}
		}
		if _, ok := m["payload"].(map[string]any); !ok {
			t.Fatalf("payload must be an object: %s", raw)
		}
	case events.ThousandEyes:
		var err error
		if e.Time, err = time.Parse(time.RFC3339, str(m["date"])); err != nil {
			t.Fatal(err)
		}
		e.Time = e.Time.UTC()
		u := str(m["user"])
		i := strings.LastIndex(u, " (")
		e.User, e.Email = u[:i], strings.TrimSuffix(u[i+2:], ")")
		e.UserID, e.Action, e.Event = str(m["uid"]), str(m["event"]), str(m["event"])
		e.IPAddress, e.Scope = str(m["ipAddress"]), str(m["accountGroupName"])
		e.Message = e.Event
		var parts []string
		for k, rv := range arr(m["resources"]) {
			r := obj(rv)
			if k == 0 {
				e.ObjectType, e.ObjectName = str(r["type"]), str(r["name"])
			}
			parts = append(parts, str(r["type"])+": "+str(r["name"]))
		}
		if len(parts) > 0 {
			e.Message += " " + strings.Join(parts, "; ")
		}
	}
	return e
}

// sameEvent compares two events field by field.
func sameEvent(a, b events.Event) bool {
	a.Raw, b.Raw = nil, nil
	return a.Time.Equal(b.Time) && fmt.Sprintf("%+v", withoutTime(a)) == fmt.Sprintf("%+v", withoutTime(b))
}

func withoutTime(e events.Event) events.Event { e.Time = time.Time{}; return e }

// rawsOf returns the JSON records of an array (kept byte-exact).
func rawsOf(t *testing.T, body []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("not a JSON array: %v: %.200s", err, body)
	}
	return out
}

// checkSame asserts that the records served are exactly the truth, in order.
func checkSame(t *testing.T, what string, got []json.RawMessage, truth []events.Event) {
	t.Helper()
	if len(got) != len(truth) {
		t.Fatalf("%s: %d records served, the truth has %d", what, len(got), len(truth))
	}
	for i := range got {
		if string(got[i]) != string(truth[i].Raw) {
			t.Fatalf("%s: record %d differs\n got: %s\nwant: %s", what, i, got[i], truth[i].Raw)
		}
	}
}
