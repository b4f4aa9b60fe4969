package plugin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// faultEnv is one fault case's simulator and data source.
type faultEnv struct {
	sim   *vendorsim.Sim
	srv   *httptest.Server
	ds    *Datasource
	waits *waits
}

// The engine against each fault the simulator plays (pkg/vendorsim
// faults.go), end to end: a table query through QueryData over
// [chaosFrom, chaosTo) is the exact ground truth (truthBounds) or fails
// with a clear message. Windows are fetched one at a time (concurrency 1),
// newest first, so the n-th fault meets the n-th data request. The retry
// and parsing mechanics themselves have unit tests in pkg/fetch (Retry-After,
// reset header, back-off, 401 refresh) and pkg/providers (error bodies,
// HTML, cut-off pages); these show that the simulator's faults reach them
// as a vendor would send them.
func TestEngineAgainstEachFault(t *testing.T) {
	foreignHits := atomic.Int32{}
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		_, _ = w.Write([]byte(`{"auditEvents":[]}`))
	}))
	defer foreign.Close()
	ok := vendorsim.Fault{Delay: time.Nanosecond} // serves the real answer
	// skew sets the vendor's clock d off the plugin's, stopped 15 s into a
	// minute: its rate-limit window resets 45 s later.
	skew := func(d time.Duration) func(*vendorsim.Config) {
		at := clock.Now().Add(d).Truncate(time.Minute).Add(15 * time.Second)
		return func(c *vendorsim.Config) { c.Now = func() time.Time { return at } }
	}
	// waitsIn checks the back-off waits the engine asked for.
	waitsIn := func(lo, hi time.Duration) func(*testing.T, *faultEnv) {
		return func(t *testing.T, e *faultEnv) {
			w := e.waits.all()
			if len(w) != 1 || w[0] < lo || w[0] > hi {
				t.Fatalf("waits %v, want one in [%s, %s]", w, lo, hi)
			}
		}
	}
	cases := []struct {
		name     string
		provider string
		faults   func(e *faultEnv) []vendorsim.Fault
		tweak    func(*vendorsim.Config)
		prep     func(e *faultEnv)
		wantErr  string // "" = the exact ground truth
		errHas   string // ... and the error also says this
		check    func(t *testing.T, e *faultEnv)
	}{
		{name: "429 with Retry-After seconds", provider: events.Domo,
			faults: fixed(vendorsim.Fault{Status: 429, RetryAfter: "2"}),
			check:  waitsIn(2*time.Second, 2250*time.Millisecond)},
		{name: "429 with Retry-After as an HTTP date", provider: events.Domino,
			faults: func(e *faultEnv) []vendorsim.Fault {
				return []vendorsim.Fault{{Status: 429, RetryAfter: clock.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)}}
			},
			check: waitsIn(1500*time.Millisecond, 3250*time.Millisecond)},
		{name: "429 without any wait header", provider: events.DomoPlatform,
			faults: fixed(vendorsim.Fault{Status: 429}),
			check:  waitsIn(fetch.DefaultBaseBackoff/2, fetch.DefaultBaseBackoff+250*time.Millisecond)}, // the first back-off step, and the stop's jitter
		{name: "429 with ThousandEyes' rate-limit reset", provider: events.ThousandEyes,
			faults: fixed(vendorsim.Fault{Status: 429, RateLimitReset: true}),
			check:  waitsIn(0, 61*time.Second)},
		{name: "429 reset from a vendor clock 10 minutes ahead", provider: events.ThousandEyes,
			tweak:  skew(10 * time.Minute),
			faults: fixed(vendorsim.Fault{Status: 429, RateLimitReset: true}),
			check:  waitsIn(45*time.Second, 46250*time.Millisecond)}, // until the vendor's next minute, not 10 minutes
		{name: "429 reset from a vendor clock 10 minutes behind", provider: events.ThousandEyes,
			tweak:  skew(-10 * time.Minute),
			faults: fixed(vendorsim.Fault{Status: 429, RateLimitReset: true}),
			check:  waitsIn(45*time.Second, 46250*time.Millisecond)}, // until the vendor's next minute, not at once
		// ThousandEyes' 503 carries its rate headers too: it is a passing
		// fault, retried after a short back-off, not at the budget's reset.
		{name: "503 with ThousandEyes' rate headers costs seconds", provider: events.ThousandEyes,
			tweak:  skew(0),
			faults: fixed(vendorsim.Fault{Status: 503, RateLimitReset: true, RetryAfter: "50"}),
			check:  waitsIn(0, fetch.DefaultMaxBackoff)},
		// HTTPError.Retryable: 429 and every 5xx (docs/architecture.md).
		{name: "500 once, retried", provider: events.Datafold,
			faults: fixed(vendorsim.Fault{Status: 500})},
		{name: "500 that lasts fails after the bounded tries", provider: events.Datafold,
			faults:  fixed(vendorsim.Fault{Status: 500}, vendorsim.Fault{Status: 500}, vendorsim.Fault{Status: 500}, vendorsim.Fault{Status: 500}, vendorsim.Fault{Status: 500}),
			wantErr: "datafold: the API answered HTTP 500 Internal Server Error: An unexpected error occurred",
			check: func(t *testing.T, e *faultEnv) {
				if n := e.sim.Requests(events.Datafold); n != 5 {
					t.Fatalf("%d requests, want 5 tries", n)
				}
			}},
		{name: "502 gateway page, retried", provider: events.Domo,
			faults: fixed(vendorsim.Fault{Status: 502, HTML: true})},
		{name: "503 maintenance with Retry-After, retried", provider: events.ThousandEyes,
			faults: fixed(vendorsim.Fault{Status: 503, RetryAfter: "1"}),
			check:  waitsIn(time.Second, 1250*time.Millisecond)},
		{name: "504 gateway page, retried", provider: events.Domino,
			faults: fixed(vendorsim.Fault{Status: 504, HTML: true})},
		{name: "latency spike", provider: events.Datafold,
			faults: fixed(vendorsim.Fault{Delay: 300 * time.Millisecond})},
		{name: "no answer until the client times out, retried", provider: events.DomoPlatform,
			faults: fixed(vendorsim.Fault{Hang: true}),
			prep:   func(e *faultEnv) { e.ds.client.Timeout = 300 * time.Millisecond }},
		{name: "cut-off JSON once, read again", provider: events.ThousandEyes,
			faults: fixed(ok, vendorsim.Fault{Truncate: true})},
		{name: "cut-off JSON twice", provider: events.ThousandEyes,
			faults:  fixed(ok, vendorsim.Fault{Truncate: true}, vendorsim.Fault{Truncate: true}),
			wantErr: "thousandeyes: cannot read the API's answer (twice): the response is not valid JSON (cut off or malformed)"},
		{name: "connection dropped mid-body, retried", provider: events.Datafold,
			faults: fixed(vendorsim.Fault{Abort: true})},
		{name: "HTML login page with status 200", provider: events.Domino,
			faults:  fixed(vendorsim.Fault{HTML: true}),
			wantErr: "domino: 127.0.0.1:", // ...:port returned a web page instead of JSON; check the URL
			errHas:  "returned a web page instead of JSON"},
		{name: "vendor error JSON with status 200", provider: events.Domo,
			faults: func(*faultEnv) []vendorsim.Fault {
				f := vendorsim.Fault{Status: 200,
					Body: `{"status":401,"statusReason":"Unauthorized","path":"/api/audit/v1/user-audits","message":"Invalid access token","toe":"X1"}`}
				return []vendorsim.Fault{f, f}
			},
			wantErr: "domo: cannot read the API's answer (twice): ",
			errHas:  "it looks like an error answered with status 200: 401 Unauthorized"},
		{name: "empty body", provider: events.ThousandEyes,
			faults:  fixed(vendorsim.Fault{Empty: true}, vendorsim.Fault{Empty: true}),
			wantErr: "thousandeyes: cannot read the API's answer (twice): the response body is empty"},
		{name: "JSON as text/plain", provider: events.Datafold,
			faults: fixed(vendorsim.Fault{ContentType: "text/plain"})},
		{name: "JSON as text/html", provider: events.Domo,
			faults: fixed(vendorsim.Fault{ContentType: "text/html;charset=UTF-8"})},
		{name: "records inserted while paging", provider: events.Domo,
			faults: fixed(ok, vendorsim.Fault{Insert: 5}, vendorsim.Fault{Insert: 3, InsertSpread: true}),
			check:  insertedSome(8)},
		{name: "records repeated across offset pages", provider: events.DomoPlatform,
			faults: fixed(ok, vendorsim.Fault{Duplicate: 3}),
			check:  insertedSome(3)},
		{name: "records repeated across cursor pages", provider: events.ThousandEyes,
			faults: fixed(vendorsim.Fault{Duplicate: 5})},
		{name: "records repeated in one answer", provider: events.Datafold,
			faults: fixed(vendorsim.Fault{Duplicate: 4})},
		{name: "next link to a foreign host", provider: events.ThousandEyes,
			faults: func(*faultEnv) []vendorsim.Fault {
				return []vendorsim.Fault{{ForeignNext: foreign.URL}, {ForeignNext: foreign.URL}}
			},
			wantErr: "thousandeyes: cannot read the API's answer (twice): the next-page link points elsewhere",
			check: func(t *testing.T, e *faultEnv) {
				if n := foreignHits.Load(); n != 0 {
					t.Fatalf("the foreign host got %d requests", n)
				}
			}},
		{name: "token expires mid-query: refreshed, retried once", provider: events.DomoPlatform,
			faults: fixed(ok, vendorsim.Fault{ExpireToken: true}),
			check: func(t *testing.T, e *faultEnv) {
				// A clean run: one token request, then the data requests.
				sim, srv := faultSim(1, chaosEvents, nil)
				defer srv.Close()
				ds, _ := faultDatasource(srv, `"concurrency":1`)
				defer ds.Dispose()
				run(t, ds, dataQuery("T", providerQuery(events.DomoPlatform, "table"), chaosFrom, chaosTo, chaosInterval))
				if got, clean := e.sim.Requests(events.DomoPlatform), sim.Requests(events.DomoPlatform); got != clean+2 {
					t.Fatalf("%d requests, a clean run sends %d: want one 401 and one token request more", got, clean)
				}
			}},
		{name: "token refused again after the refresh", provider: events.DomoPlatform,
			faults:  fixed(vendorsim.Fault{ExpireToken: true}, vendorsim.Fault{ExpireToken: true}),
			wantErr: "domo-platform: the API answered HTTP 401 Unauthorized: Access token expired (check the client id and secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim, srv := faultSim(1, chaosEvents, c.tweak)
			defer srv.Close()
			ds, w := faultDatasource(srv, `"concurrency":1`)
			defer ds.Dispose()
			e := &faultEnv{sim: sim, srv: srv, ds: ds, waits: w}
			if c.prep != nil {
				c.prep(e)
			}
			before := sim.TruthRange(c.provider, chaosFrom, chaosTo)
			sim.InjectFaults(c.provider, c.faults(e)...)
			resp := run(t, ds, dataQuery("T", providerQuery(c.provider, "table"), chaosFrom, chaosTo, chaosInterval)).Responses["T"]
			if c.wantErr != "" {
				if resp.Error == nil || !strings.HasPrefix(resp.Error.Error(), c.wantErr) {
					t.Fatalf("want an error starting %q, got %v", c.wantErr, resp.Error)
				}
				if !strings.Contains(resp.Error.Error(), c.errHas) || !clearError(c.provider, resp.Error.Error()) {
					t.Fatalf("not a clear error: %v", resp.Error)
				}
			} else if o, why := judge(c.provider, resp, boundsAfter(sim, c.provider, chaosFrom, chaosTo, before), true); o != outExact {
				t.Fatalf("not the ground truth: %s%v", why, resp.Error)
			}
			if c.check != nil {
				c.check(t, e)
			}
			if faults := c.faults(e); len(faults) > 0 && e.sim.Requests(c.provider) < len(faults) {
				t.Fatalf("only %d requests: some faults were not served", e.sim.Requests(c.provider))
			}
		})
	}
}

func fixed(f ...vendorsim.Fault) func(*faultEnv) []vendorsim.Fault {
	return func(*faultEnv) []vendorsim.Fault { return f }
}

// insertedSome checks that n records were inserted during the query.
func insertedSome(n int) func(*testing.T, *faultEnv) {
	return func(t *testing.T, e *faultEnv) {
		if got := len(e.sim.Inserts(events.DomoPlatform)) + len(e.sim.Inserts(events.Domo)); got != n {
			t.Fatalf("%d records inserted, want %d", got, n)
		}
	}
}
