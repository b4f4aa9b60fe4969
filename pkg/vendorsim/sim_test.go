package vendorsim

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// One shared simulator for the read-only tests.
var (
	sharedOnce sync.Once
	sharedS    *Sim
)

const sharedEvents = 6000

func shared(t *testing.T) *Sim {
	sharedOnce.Do(func() { sharedS = New(testConfig(sharedEvents)) })
	return sharedS
}

func TestTruthIsWhatAParserReadsBack(t *testing.T) {
	s := shared(t)
	for _, p := range events.ProviderIDs {
		t.Run(p, func(t *testing.T) {
			truth := s.Truth(p)
			if len(truth) != sharedEvents {
				t.Fatalf("%d events, want %d", len(truth), sharedEvents)
			}
			seen := map[string]bool{}
			for i, e := range truth {
				if e.Provider != p || e.Key != "" {
					t.Fatalf("provider %q key %q", e.Provider, e.Key)
				}
				if e.Time.Before(testStart) || !e.Time.Before(testEnd) {
					t.Fatalf("event %d at %s is outside [Start, End)", i, e.Time)
				}
				if i > 0 && e.Time.After(truth[i-1].Time) {
					t.Fatalf("truth is not newest first at %d", i)
				}
				if seen[string(e.Raw)] {
					t.Fatalf("duplicate record %s", e.Raw)
				}
				seen[string(e.Raw)] = true
				if got := readBack(t, p, e.Raw, s.Config()); !sameEvent(got, e) {
					t.Fatalf("event %d\ntruth: %+v\n read: %+v", i, withoutRaw(e), withoutRaw(got))
				}
				if !json.Valid(e.Raw) || bytes.ContainsAny(e.Raw, "\n<>&") {
					t.Fatalf("raw must be compact JSON without HTML characters: %s", e.Raw)
				}
			}
		})
	}
}

func withoutRaw(e events.Event) events.Event { e.Raw = nil; return e }

func TestNoTwoRecordsShareTimeUserEventObject(t *testing.T) {
	s := shared(t)
	for _, p := range events.ProviderIDs {
		seen := map[string]bool{}
		for _, e := range s.Truth(p) {
			k := strings.Join([]string{e.Time.String(), e.User, e.UserID, e.Event, e.ObjectType, e.ObjectID, e.ObjectName, e.IPAddress, e.Message}, "|")
			if p == events.ThousandEyes {
				k += "|" + e.Scope
			}
			if seen[k] {
				t.Fatalf("%s: two records share %s", p, k)
			}
			seen[k] = true
		}
	}
}

func TestDeterminism(t *testing.T) {
	a, b := New(testConfig(800)), New(testConfig(800))
	cfg := testConfig(800)
	cfg.Seed = 2
	c := New(cfg)
	for _, p := range events.ProviderIDs {
		ta, tb, tc := a.Truth(p), b.Truth(p), c.Truth(p)
		for i := range ta {
			if string(ta[i].Raw) != string(tb[i].Raw) {
				t.Fatalf("%s: same seed, different record %d", p, i)
			}
		}
		same := 0
		for i := range ta {
			if string(ta[i].Raw) == string(tc[i].Raw) {
				same++
			}
		}
		if same == len(ta) {
			t.Fatalf("%s: another seed gives the same data", p)
		}
	}
}

func TestUsersAreSharedAndRealistic(t *testing.T) {
	s := shared(t)
	if len(s.Users()) < 20 {
		t.Fatalf("%d users", len(s.Users()))
	}
	names := map[string]map[string]bool{}
	for _, p := range events.ProviderIDs {
		names[p] = map[string]bool{}
		for _, e := range s.Truth(p) {
			names[p][e.User] = true
		}
		if len(names[p]) < 20 {
			t.Errorf("%s: only %d distinct users", p, len(names[p]))
		}
	}
	if !names[events.Domo]["Zoë Müller"] || !names[events.ThousandEyes]["Zoë Müller"] || !names[events.Domino]["zmuller"] || !names[events.Datafold]["zoe.muller@example.com"] {
		t.Error("the same person should appear in every vendor")
	}
}

func TestTheBurstIsThere(t *testing.T) {
	s := shared(t)
	from, to := s.Burst()
	if to.Sub(from) != 10*time.Minute || testEnd.Sub(from) < 24*time.Hour || testEnd.Sub(from) > 27*time.Hour {
		t.Fatalf("burst %s - %s; want ten minutes about a day before End", from, to)
	}
	want := map[string]string{
		events.Domo: "Failed login", events.DomoPlatform: "Failed login", events.Domino: "Download Files",
		events.Datafold: "login_failed", events.ThousandEyes: "Login failed.",
	}
	for p, ev := range want {
		in, users := 0, map[string]bool{}
		for _, e := range s.TruthRange(p, from, to.Add(time.Minute)) {
			if e.Event == ev {
				in++
				users[e.User] = true
			}
		}
		if in < burstSize(sharedEvents) {
			t.Errorf("%s: %d %q events in the burst window, want >= %d", p, in, ev, burstSize(sharedEvents))
		}
		if len(users) > 8 {
			t.Errorf("%s: the burst should come from a few users, got %d", p, len(users))
		}
		// A normal ten minutes has far fewer.
		normal := 0
		for _, e := range s.TruthRange(p, from.Add(-3*time.Hour), from.Add(-3*time.Hour+10*time.Minute)) {
			if e.Event == ev {
				normal++
			}
		}
		if normal*5 > in {
			t.Errorf("%s: %d in the burst vs %d in a normal ten minutes", p, in, normal)
		}
	}
}

func TestTruthRangeIsHalfOpen(t *testing.T) {
	s := shared(t)
	for _, p := range events.ProviderIDs {
		all := s.Truth(p)
		mid := all[len(all)/2].Time
		newer, older := s.TruthRange(p, mid, testEnd), s.TruthRange(p, testStart, mid)
		if len(newer)+len(older) != len(all) {
			t.Fatalf("%s: %d + %d != %d", p, len(newer), len(older), len(all))
		}
		if !newer[len(newer)-1].Time.Equal(mid) || !older[0].Time.Before(mid) {
			t.Fatalf("%s: split at %s is not from <= t < to", p, mid)
		}
	}
}

func TestAllRecordsUseTheirResolution(t *testing.T) {
	s := shared(t)
	res := map[string]time.Duration{events.Domo: time.Millisecond, events.DomoPlatform: time.Second,
		events.Domino: time.Millisecond, events.Datafold: time.Microsecond, events.ThousandEyes: time.Second}
	for p, r := range res {
		sub := false
		for _, e := range s.Truth(p) {
			if e.Time.Truncate(r) != e.Time {
				t.Fatalf("%s: %s is finer than %s", p, e.Time, r)
			}
			if e.Time.Truncate(r*1000) != e.Time {
				sub = true
			}
		}
		if !sub && r < time.Second {
			t.Errorf("%s: no timestamp uses the %s resolution", p, r)
		}
	}
}

func TestHealthAndTruthEndpoints(t *testing.T) {
	s, srv := newServer(t, testConfig(300))
	r := get(t, srv.URL+"/_sim/health")
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"ok"`) {
		t.Fatalf("health: %d %s", r.status, r.body)
	}
	from, to := testEnd.Add(-24*time.Hour), testEnd
	r = get(t, srv.URL+"/_sim/truth?provider=thousandeyes&from="+ms(from)+"&to="+ms(to))
	var got []events.Event
	r.json(t, &got)
	want := s.TruthRange(events.ThousandEyes, from, to)
	if len(got) != len(want) || len(got) == 0 || string(got[0].Raw) != string(want[0].Raw) || got[0].Message != want[0].Message {
		t.Fatalf("truth endpoint: %d events, want %d", len(got), len(want))
	}
	if r := get(t, srv.URL+"/_sim/truth?provider=splunk"); r.status != 400 {
		t.Fatalf("unknown provider: %d", r.status)
	}
	if s.Requests(events.ThousandEyes) != 0 {
		t.Fatal("/_sim/ requests are not vendor requests")
	}
}

func TestRequestCountersAndLatency(t *testing.T) {
	cfg := testConfig(200)
	cfg.Latency = 300 * time.Millisecond
	s, srv := newServer(t, cfg)
	t0 := time.Now()
	get(t, srv.URL+"/api/audit/v1/user-audits?start=0&end=1", "X-DOMO-Developer-Token: "+DomoToken)
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Fatalf("latency not applied: %s", d)
	}
	get(t, srv.URL+"/api/audit/v1/user-audits?start=0&end=1")    // 401 counts too
	get(t, srv.URL+"/oauth/token?grant_type=client_credentials") // token requests count for domo-platform
	if s.Requests(events.Domo) != 2 || s.Requests(events.DomoPlatform) != 1 || s.Requests(events.Datafold) != 0 {
		t.Fatalf("counters %d %d %d", s.Requests(events.Domo), s.Requests(events.DomoPlatform), s.Requests(events.Datafold))
	}
	s.ResetCounters()
	if s.Requests(events.Domo) != 0 {
		t.Fatal("ResetCounters")
	}
	// A cancelled request stops waiting.
	client := srv.Client()
	client.Timeout = 50 * time.Millisecond
	t0 = time.Now()
	if _, err := client.Get(srv.URL + "/api/v1/audit_logs"); err == nil {
		t.Fatal("expected a timeout")
	}
	if time.Since(t0) > 250*time.Millisecond {
		t.Fatal("the client's timeout was not honoured quickly")
	}
}

func TestFaultsAndInserts(t *testing.T) {
	s, srv := newServer(t, testConfig(500))
	u := srv.URL + "/api/audittrail/v1/auditevents?limit=1000&sort=-timestamp"
	s.InjectFaults(events.Domino,
		Fault{Status: 429, RetryAfter: "2"},
		Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>"},
		Fault{Truncate: true})
	r := get(t, u, "Authorization: Bearer "+DominoBearer)
	if r.status != 429 || r.header.Get("Retry-After") != "2" {
		t.Fatalf("fault 1: %d %v", r.status, r.header)
	}
	r = get(t, u, "Authorization: Bearer "+DominoBearer)
	if r.status != 502 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("fault 2: %d %v", r.status, r.header)
	}
	r = get(t, u, "Authorization: Bearer "+DominoBearer)
	if r.status != 200 || json.Valid(r.body) {
		t.Fatalf("fault 3 should be a cut-off body: %d %d bytes", r.status, len(r.body))
	}
	r = get(t, u, "Authorization: Bearer "+DominoBearer)
	if r.status != 200 || !json.Valid(r.body) {
		t.Fatal("faults are used up")
	}

	before := len(s.Truth(events.Domo))
	at := testEnd.Add(-time.Minute)
	added := s.Insert(events.Domo, 5, at)
	if len(added) != 5 || len(s.Truth(events.Domo)) != before+5 {
		t.Fatalf("inserted %d, now %d (was %d)", len(added), len(s.Truth(events.Domo)), before)
	}
	got := s.TruthRange(events.Domo, at, at.Add(time.Second))
	for _, a := range added {
		if !slices.ContainsFunc(got, func(e events.Event) bool { return string(e.Raw) == string(a.Raw) }) {
			t.Fatalf("inserted event missing from the truth: %s", a.Raw)
		}
	}
	r = get(t, srv.URL+"/api/audit/v1/user-audits?start="+ms(at)+"&end="+ms(at.Add(time.Second)), "X-DOMO-Developer-Token: "+DomoToken)
	if n := len(rawsOf(t, r.body)); n < 5 {
		t.Fatalf("the API serves %d of the inserted records", n)
	}
}

func TestUnknownPathsLookLikeAWebServer(t *testing.T) {
	_, srv := newServer(t, testConfig(100))
	for _, p := range []string{"/api/audittrail/v1/auditevent", "/api/v2/audit_logs", "/api/audit/v1/user-audit", "/"} {
		r := get(t, srv.URL+p)
		if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.HasPrefix(r.body, []byte("<!DOCTYPE html>")) {
			t.Errorf("%s: %d %s", p, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := get(t, srv.URL+"/v7/audit-events"); r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/v7/: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

func TestLargeDatasetsAreQuickToMake(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	cfg := testConfig(200_000)
	t0 := time.Now()
	s := New(cfg)
	d := time.Since(t0)
	t.Logf("5 x 200k events in %s", d)
	if d > 15*time.Second {
		t.Fatalf("generating 5 x 200k events took %s", d)
	}
	for _, p := range events.ProviderIDs {
		if n := len(s.sets[providerIndex(p)].load()); n != 200_000 {
			t.Fatalf("%s: %d", p, n)
		}
	}
	// A day of truth renders quickly too.
	t0 = time.Now()
	n := len(s.TruthRange(events.Domino, testEnd.Add(-24*time.Hour), testEnd))
	if n < 10_000 {
		t.Fatalf("%d domino events in the last day", n)
	}
	t.Logf("%d truth events rendered in %s", n, time.Since(t0))
}

// pageAll pages an offset API to its end (a page shorter than limit).
func pageAll(t *testing.T, base string, limit int, hdr ...string) ([]json.RawMessage, int) {
	t.Helper()
	var all []json.RawMessage
	requests := 0
	for off := 0; ; off += limit {
		r := get(t, base+"&limit="+strconv.Itoa(limit)+"&offset="+strconv.Itoa(off), hdr...)
		requests++
		if r.status != 200 {
			t.Fatalf("%s: %d %s", base, r.status, r.body)
		}
		page := rawsOf(t, r.body)
		all = append(all, page...)
		if len(page) < limit {
			return all, requests
		}
	}
}

func TestProviderOfNamesEachAPI(t *testing.T) {
	s := New(DefaultConfig())
	for path, want := range map[string]string{
		"/api/audit/v1/user-audits": "domo", "/api/audit/v1/user-audits/objectTypes/CARD/eventTypes": "domo",
		"/oauth/token": "domo-platform", "/v1/audit": "domo-platform", "/api/audittrail/v1/auditevents": "domino",
		"/api/v1/audit_logs": "datafold", "/v7/audit-user-events": "thousandeyes", "/_sim/truth": "", "/nope": "",
	} {
		if got := s.ProviderOf(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
