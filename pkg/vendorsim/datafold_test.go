package vendorsim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

const datafoldPath = "/api/v1/audit_logs"

func datafoldHdr() string { return "Authorization: Key " + DatafoldAPIKey }

func datafoldGet(t *testing.T, base, body string, hdr ...string) resp {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	if rd == nil {
		return do(t, "GET", base+datafoldPath, nil, hdr...)
	}
	return do(t, "GET", base+datafoldPath, rd, append(hdr, "Content-Type: application/json")...)
}

func logsOf(t *testing.T, r resp) []json.RawMessage {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var env struct {
		Logs []json.RawMessage `json:"logs"`
	}
	r.json(t, &env)
	if env.Logs == nil {
		t.Fatalf("no logs array: %.200s", r.body)
	}
	return env.Logs
}

func TestDatafoldAuth(t *testing.T) {
	_, srv := newServer(t, testConfig(100))
	for _, h := range []string{"", "Authorization: Key wrong", "Authorization: " + DatafoldAPIKey, "Authorization: Bearer " + DatafoldAPIKey} {
		r := datafoldGet(t, srv.URL, "", h)
		if r.status != 401 || string(r.body) != `{"detail":"Invalid API key"}` {
			t.Errorf("%q: %d %s", h, r.status, r.body)
		}
	}
	if r := datafoldGet(t, srv.URL, "", datafoldHdr()); r.status != 200 {
		t.Fatal(r.status)
	}
}

func TestDatafoldValidation(t *testing.T) {
	_, srv := newServer(t, testConfig(100))
	for body, loc := range map[string]string{
		`{"start_date": "yesterday"}`:                    "start_date",
		`{"start_date": null, "end_date": "2024-13-01"}`: "end_date",
		`{"start_date": true}`:                           "start_date",
		`{"start_date": `:                                "",
		`[1, 2]`:                                         "",
	} {
		r := datafoldGet(t, srv.URL, body, datafoldHdr())
		var v struct {
			Detail []struct {
				Loc  []any
				Msg  string
				Type string
			}
		}
		r.json(t, &v)
		if r.status != 422 || len(v.Detail) == 0 || v.Detail[0].Loc[0] != "body" || v.Detail[0].Msg == "" || v.Detail[0].Type == "" {
			t.Fatalf("%s: %d %s", body, r.status, r.body)
		}
		if loc != "" && v.Detail[0].Loc[1] != loc {
			t.Fatalf("%s: loc %v", body, v.Detail[0].Loc)
		}
	}
}

func TestDatafoldRangesAndTruth(t *testing.T) {
	cfg := testConfig(3000)
	cfg.Start = testEnd.Add(-10 * 24 * time.Hour) // more than the default window
	s, srv := newServer(t, cfg)
	truth := s.Truth(events.Datafold)

	// No body: the last seven days before now (the clock is End).
	checkSame(t, "no body", logsOf(t, datafoldGet(t, srv.URL, "", datafoldHdr())),
		s.TruthRange(events.Datafold, testEnd.Add(-7*24*time.Hour), testEnd.Add(time.Microsecond)))

	// Both bounds inclusive, to the microsecond.
	a, b := truth[500], truth[100]
	body := `{"start_date":"` + a.Time.Format(time.RFC3339Nano) + `","end_date":"` + b.Time.Format(time.RFC3339Nano) + `"}`
	checkSame(t, "inclusive", logsOf(t, datafoldGet(t, srv.URL, body, datafoldHdr())), truth[100:501])

	// Zone-less, offset and date-only inputs.
	day := testEnd.Add(-24 * time.Hour)
	want := s.TruthRange(events.Datafold, day, testEnd)
	for _, body := range []string{
		`{"start_date":"` + day.Format("2006-01-02T15:04:05") + `","end_date":"` + testEnd.Add(-time.Microsecond).Format("2006-01-02T15:04:05.999999") + `"}`,
		`{"start_date":"` + day.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05-07:00") + `","end_date":"` + testEnd.Add(-time.Microsecond).Format(time.RFC3339Nano) + `"}`,
		`{"start_date":"` + day.Format("2006-01-02") + `","end_date":"` + testEnd.Add(-time.Microsecond).Format(time.RFC3339Nano) + `"}`,
	} {
		checkSame(t, body, logsOf(t, datafoldGet(t, srv.URL, body, datafoldHdr())), want)
	}
	// The whole range in one response: no paging.
	body = `{"start_date":"2000-01-01T00:00:00Z","end_date":null}`
	checkSame(t, "all", logsOf(t, datafoldGet(t, srv.URL, body, datafoldHdr())), truth)
}

func TestDatafoldTimestampFormats(t *testing.T) {
	for f, suffix := range map[string]string{DatafoldISOZ: "Z", DatafoldISONaive: "", DatafoldISOOffset: "+00:00"} {
		cfg := testConfig(1500)
		cfg.DatafoldTimestampFormat = f
		s, srv := newServer(t, cfg)
		truth := s.Truth(events.Datafold)
		logs := logsOf(t, datafoldGet(t, srv.URL, `{"start_date":"2000-01-01T00:00:00"}`, datafoldHdr()))
		checkSame(t, f, logs, truth)
		whole := 0
		for i, raw := range logs {
			var rec struct{ Timestamp string }
			_ = json.Unmarshal(raw, &rec)
			ts := rec.Timestamp
			if suffix != "" && !strings.HasSuffix(ts, suffix) || suffix == "" && (strings.HasSuffix(ts, "Z") || strings.Contains(ts[10:], "+")) {
				t.Fatalf("%s: timestamp %q", f, ts)
			}
			if !strings.Contains(ts, ".") {
				whole++
			} else if len(strings.TrimSuffix(strings.TrimSuffix(ts, "Z"), "+00:00"))-strings.Index(ts, ".") != 7 {
				t.Fatalf("%s: %q should carry microseconds", f, ts)
			}
			got, ok := parseISO(ts)
			if !ok || !got.Equal(truth[i].Time) {
				t.Fatalf("%s: %q reads as %s, truth %s", f, ts, got, truth[i].Time)
			}
		}
		if whole == 0 {
			t.Errorf("%s: no whole-second timestamp (Python drops .000000)", f)
		}
	}
}

func TestDatafoldNullables(t *testing.T) {
	s := shared(t)
	seen := map[string]bool{}
	for _, e := range s.Truth(events.Datafold) {
		raw := string(e.Raw)
		for _, k := range []string{"action", "log_entry", "object_id", "object_type", "referer", "user_id", "is_support_user"} {
			if strings.Contains(raw, `"`+k+`":null`) {
				seen[k] = true
			}
		}
		if strings.Contains(raw, `"status":"failure"`) {
			seen["failure"] = true
		}
	}
	for _, k := range []string{"action", "log_entry", "object_id", "object_type", "referer", "user_id", "is_support_user", "failure"} {
		if !seen[k] {
			t.Errorf("no record with %s null/failure", k)
		}
	}
}
