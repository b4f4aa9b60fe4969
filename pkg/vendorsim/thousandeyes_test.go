package vendorsim

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

const tePath = "/v7/audit-user-events"

func teHdr() string { return "Authorization: Bearer " + ThousandEyesToken }

type tePage struct {
	AuditEvents []json.RawMessage `json:"auditEvents"`
	StartDate   string            `json:"startDate"`
	EndDate     string            `json:"endDate"`
	Links       struct {
		Self struct{ Href string }  `json:"self"`
		Next *struct{ Href string } `json:"next"`
	} `json:"_links"`
}

// teAll follows _links.next.href verbatim to the end.
func teAll(t *testing.T, first string) ([]json.RawMessage, int) {
	t.Helper()
	var all []json.RawMessage
	u, n := first, 0
	for {
		r := get(t, u, teHdr())
		n++
		if r.status != 200 {
			t.Fatalf("%s: %d %s", u, r.status, r.body)
		}
		var p tePage
		r.json(t, &p)
		all = append(all, p.AuditEvents...)
		if p.Links.Next == nil {
			return all, n
		}
		if !strings.HasPrefix(p.Links.Next.Href, "http://127.0.0.1:") || !strings.Contains(p.Links.Next.Href, "cursor=") {
			t.Fatalf("next must be an absolute URL with a cursor: %s", p.Links.Next.Href)
		}
		u = p.Links.Next.Href
	}
}

func teRange(from, to time.Time) string {
	return "startDate=" + url.QueryEscape(from.Format(time.RFC3339)) + "&endDate=" + url.QueryEscape(to.Format(time.RFC3339))
}

func TestThousandEyesAuth(t *testing.T) {
	_, srv := newServer(t, testConfig(100))
	for _, h := range []string{"", "Authorization: Bearer wrong", "Authorization: Basic " + ThousandEyesToken, "X-Token: " + ThousandEyesToken} {
		r := get(t, srv.URL+tePath, h)
		var e map[string]string
		r.json(t, &e)
		if r.status != 401 || e["error"] != "invalid_token" || e["error_description"] == "" {
			t.Errorf("%q: %d %s", h, r.status, r.body)
		}
	}
}

func TestThousandEyesParams(t *testing.T) {
	_, srv := newServer(t, testConfig(500))
	for _, q := range []string{"window=1d&startDate=2026-10-30T00:00:00Z", "window=1y", "window=-5", "startDate=yesterday",
		"startDate=2026-10-30T00:00:00Z&endDate=2026-10-29T00:00:00Z", "endDate=2026-10-30T00:00:00Z", "useAllPermittedAids=maybe", "cursor=garbage"} {
		r := get(t, srv.URL+tePath+"?"+q, teHdr())
		var p struct {
			Type, Title, Detail, Instance string
			Status                        int
			Errors                        []struct{ Code, Field, Message string }
		}
		r.json(t, &p)
		if r.status != 400 || r.header.Get("Content-Type") != "application/problem+json" || p.Status != 400 || p.Title == "" ||
			p.Instance != tePath || len(p.Errors) == 0 || p.Errors[0].Field == "" || p.Errors[0].Message == "" {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	for _, q := range []string{"window=3600", "window=60m", "window=2h", "window=1d", "window=1w", "startDate=2026-10-30T00:00:00Z"} {
		if r := get(t, srv.URL+tePath+"?"+q, teHdr()); r.status != 200 {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	if r := get(t, srv.URL+tePath+"?aid=4321", teHdr()); r.status != 403 {
		t.Errorf("unknown aid: %d", r.status)
	}
}

func TestThousandEyesPagingReturnsTheTruth(t *testing.T) {
	cfg := testConfig(2600)
	cfg.ThousandEyesPageSize = 400
	s, srv := newServer(t, cfg)
	truth := s.Truth(events.ThousandEyes)

	// All account groups, the whole range, next links followed verbatim.
	got, n := teAll(t, srv.URL+tePath+"?useAllPermittedAids=true&"+teRange(testStart, testEnd))
	checkSame(t, "all groups", got, truth)
	if n != (len(truth)+399)/400 {
		t.Errorf("%d requests for %d events at 400 a page", n, len(truth))
	}

	// Without aid: only the default account group; with aid: that group.
	for aid, name := range map[string]string{"": "Acme Corp", "1234": "Acme Corp", "5678": "Acme Corp - Staging", "9012": "Acme Corp - EU Monitoring"} {
		var want []events.Event
		for _, e := range truth {
			if e.Scope == name {
				want = append(want, e)
			}
		}
		q := teRange(testStart, testEnd)
		if aid != "" {
			q += "&aid=" + aid
		}
		got, _ := teAll(t, srv.URL+tePath+"?"+q)
		checkSame(t, "aid="+aid, got, want)
	}

	// A window ending now (the clock is End); endDate defaults to now.
	got, _ = teAll(t, srv.URL+tePath+"?window=2d&useAllPermittedAids=true")
	checkSame(t, "window=2d", got, s.TruthRange(events.ThousandEyes, testEnd.Add(-48*time.Hour), testEnd.Add(time.Second)))
	got, _ = teAll(t, srv.URL+tePath+"?useAllPermittedAids=true&startDate="+url.QueryEscape(testEnd.Add(-48*time.Hour).Format(time.RFC3339)))
	checkSame(t, "startDate only", got, s.TruthRange(events.ThousandEyes, testEnd.Add(-48*time.Hour), testEnd.Add(time.Second)))

	// The envelope.
	r := get(t, srv.URL+tePath+"?useAllPermittedAids=true&"+teRange(testStart, testEnd), teHdr())
	var p tePage
	r.json(t, &p)
	if p.StartDate != testStart.Format(time.RFC3339) || p.EndDate != testEnd.Format(time.RFC3339) || !strings.HasPrefix(p.Links.Self.Href, srv.URL+tePath+"?") {
		t.Fatalf("envelope: %s %s %s", p.StartDate, p.EndDate, p.Links.Self.Href)
	}
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "json") {
		t.Fatalf("content type %q", ct)
	}
}

func TestThousandEyesNextUsesTheRequestHost(t *testing.T) {
	cfg := testConfig(300)
	cfg.ThousandEyesPageSize = 50
	_, srv := newServer(t, cfg)
	r := get(t, srv.URL+tePath+"?useAllPermittedAids=true&"+teRange(testStart, testEnd), teHdr(), "Host: audit.example.test")
	var p tePage
	r.json(t, &p)
	if p.Links.Next == nil || !strings.HasPrefix(p.Links.Next.Href, "http://audit.example.test/v7/audit-user-events?") {
		t.Fatalf("next %+v", p.Links.Next)
	}
}

func TestThousandEyesRateLimit(t *testing.T) {
	cfg := testConfig(100)
	cfg.ThousandEyesRateLimit = 5
	var now atomic.Int64
	now.Store(testEnd.Add(10 * time.Second).Unix())
	cfg.Now = func() time.Time { return time.Unix(now.Load(), 0).UTC() }
	_, srv := newServer(t, cfg)
	reset := strconv.FormatInt(testEnd.Add(time.Minute).Unix(), 10)
	for i := 1; i <= 7; i++ {
		r := get(t, srv.URL+tePath+"?window=1h", teHdr())
		h := r.header
		if h.Get("X-Organization-Rate-Limit-Limit") != "5" || h.Get("X-Organization-Rate-Limit-Reset") != reset {
			t.Fatalf("request %d: headers %v", i, h)
		}
		rem, _ := strconv.Atoi(h.Get("X-Organization-Rate-Limit-Remaining"))
		if i <= 5 {
			if r.status != 200 || rem != 5-i {
				t.Fatalf("request %d: %d remaining %d", i, r.status, rem)
			}
			continue
		}
		var p map[string]any
		r.json(t, &p)
		if r.status != 429 || h.Get("Content-Type") != "application/problem+json" || h.Get("Retry-After") != "" || rem != 0 ||
			p["status"] != 429.0 || p["title"] == nil || p["detail"] == nil || p["type"] == nil || p["instance"] == nil {
			t.Fatalf("request %d: %d %v %s", i, r.status, h, r.body)
		}
	}
	// The next minute window starts afresh.
	now.Store(testEnd.Add(time.Minute).Unix())
	if r := get(t, srv.URL+tePath+"?window=1h", teHdr()); r.status != 200 || r.header.Get("X-Organization-Rate-Limit-Remaining") != "4" {
		t.Fatalf("new window: %d %v", r.status, r.header)
	}
	// Disabled.
	cfg.ThousandEyesRateLimit = -1
	_, srv2 := newServer(t, cfg)
	for i := 0; i < 8; i++ {
		if r := get(t, srv2.URL+tePath+"?window=1h", teHdr()); r.status != 200 {
			t.Fatal(r.status)
		}
	}
}

func TestThousandEyesRecords(t *testing.T) {
	s := shared(t)
	without, two := 0, 0
	for _, e := range s.Truth(events.ThousandEyes) {
		var rec map[string]json.RawMessage
		_ = json.Unmarshal(e.Raw, &rec)
		if _, ok := rec["resources"]; !ok {
			without++
		}
		if strings.Contains(e.Message, "; ") {
			two++
		}
		if !strings.HasSuffix(e.Event, ".") || !strings.HasSuffix(string(rec["date"]), `Z"`) {
			t.Fatalf("record %s", e.Raw)
		}
		if _, err := strconv.Atoi(strings.Trim(string(rec["aid"]), `"`)); err != nil || rec["aid"][0] != '"' {
			t.Fatalf("aid must be a string of digits: %s", rec["aid"])
		}
	}
	if without == 0 || two == 0 {
		t.Fatalf("records without resources: %d, with two: %d", without, two)
	}
}
