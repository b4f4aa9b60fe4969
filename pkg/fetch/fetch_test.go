package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestWindowsAreAlignedAndCoverTheRange(t *testing.T) {
	from, to := t0.Add(5*time.Hour), t0.Add(53*time.Hour)
	w := Windows(from, to, 24*time.Hour)
	if len(w) != 3 || !w[0].From.Equal(from) || !w[0].To.Equal(t0.Add(24*time.Hour)) || !w[2].To.Equal(to) {
		t.Fatalf("windows %+v", w)
	}
	for i := 1; i < len(w); i++ {
		if !w[i].From.Equal(w[i-1].To) {
			t.Fatalf("gap or overlap between windows %d and %d", i-1, i)
		}
	}
	if Windows(to, from, time.Hour) != nil {
		t.Fatal("an inverted range has no windows")
	}
}

// srvDelay slows every answer of the test servers (for sharing tests).
var srvDelay atomic.Int64

// domoServer serves n events one second apart from t0 with offset paging,
// after failing the first `fail` requests with status.
func domoServer(t *testing.T, n int, fail int32, status int, hdr http.Header) (*httptest.Server, *int32) {
	return domoServerStep(t, n, time.Second, fail, status, hdr)
}

// domoServerEvery serves n events step apart from t0.
func domoServerEvery(t *testing.T, n int, step time.Duration) (*httptest.Server, *int32) {
	return domoServerStep(t, n, step, 0, 0, nil)
}

func domoServerStep(t *testing.T, n int, step time.Duration, fail int32, status int, hdr http.Header) (*httptest.Server, *int32) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(srvDelay.Load()))
		c := atomic.AddInt32(&calls, 1)
		if c <= fail {
			w.Header().Set("Date", clock.Now().UTC().Format(http.TimeFormat))
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"status":` + strconv.Itoa(status) + `,"message":"try later"}`))
			return
		}
		q := r.URL.Query()
		start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
		end, _ := strconv.ParseInt(q.Get("end"), 10, 64)
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		var recs []map[string]any
		for i := n - 1; i >= 0; i-- { // newest first
			ms := t0.Add(time.Duration(i) * step).UnixMilli()
			ot := []string{"PAGE", "CARD"}[i%2]
			if ms >= start && ms <= end && (r.URL.Query().Get("objectType") == "" || r.URL.Query().Get("objectType") == ot) {
				recs = append(recs, map[string]any{"userName": "u" + strconv.Itoa(i%7), "userId": strconv.Itoa(i % 7), "actionType": "VIEWED", "objectType": ot, "eventText": "Viewed page", "time": ms, "additionalComment": "n" + strconv.Itoa(i)})
			}
		}
		if off > len(recs) {
			off = len(recs)
		}
		recs = recs[off:min(off+lim, len(recs))]
		if recs == nil {
			recs = []map[string]any{}
		}
		_ = json.NewEncoder(w).Encode(recs)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func domo(t *testing.T, url string) providers.Provider {
	p, err := providers.New(events.Domo, models.ProviderSettings{Enabled: true, Instance: "acme", URL: url, Secret: "tok"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sleeps records the waits a Fetcher asks for without waiting; its clock
// (now) moves on by each of them, so that a wait for a time ends.
type sleeps struct {
	mu    sync.Mutex
	d     []time.Duration
	start time.Time
	slept time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.slept += d
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start.IsZero() {
		s.start = clock.Now()
	}
	return s.start.Add(s.slept)
}

func TestFetchPagesEveryWindowToItsEnd(t *testing.T) {
	const n = 2500
	srv, calls := domoServer(t, n, 0, 0, nil)
	f := &Fetcher{Client: srv.Client(), Concurrency: 3}
	// 2500 s span one day-window; ask for two aligned windows by crossing midnight.
	from, to := t0.Add(-time.Hour), t0.Add(n*time.Second)
	res, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: from, To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events.Len() != n || res.Windows != 2 {
		t.Fatalf("%d events in %d windows", res.Events.Len(), res.Windows)
	}
	// Window 1 is empty (1 request); window 2 has 3 pages of 1000 (2 full + 1 short).
	if res.Requests != 4 || int(*calls) != 4 {
		t.Fatalf("requests %d (server saw %d), want 4", res.Requests, *calls)
	}
	evs := res.Events.Flatten()
	for i := 1; i < len(evs); i++ {
		if evs[i].Time.After(evs[i-1].Time) {
			t.Fatal("events must be newest first")
		}
	}
	if !strings.HasPrefix(res.FirstRequest, "GET "+srv.URL+"/api/audit/v1/user-audits?") || strings.Contains(res.FirstRequest, "tok") {
		t.Fatalf("description %q", res.FirstRequest)
	}
}

func TestFetchAppliesTheFilterInTheEngine(t *testing.T) {
	srv, _ := domoServer(t, 700, 0, 0, nil)
	f := &Fetcher{Client: srv.Client()}
	res, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)},
		Filter: events.Filter{Users: []string{"u3"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events.Len() != 100 {
		t.Fatalf("%d events for u3, want 100", res.Events.Len())
	}
}

func TestRetriesHonourRetryAfterThenSucceed(t *testing.T) {
	srv, calls := domoServer(t, 10, 2, 429, http.Header{"Retry-After": {"3"}})
	s := &sleeps{}
	f := &Fetcher{Client: srv.Client(), Sleep: s.sleep, Clock: s.now}
	res, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events.Len() != 10 || *calls != 3 || res.Requests != 3 {
		t.Fatalf("%d events, %d calls", res.Events.Len(), *calls)
	}
	if len(s.d) != 2 || s.d[0] < 3*time.Second || s.d[0] > 4*time.Second {
		t.Fatalf("waits %v, want about 3s each (Retry-After)", s.d)
	}
}

func TestRetriesBackOffExponentiallyAndGiveUp(t *testing.T) {
	srv, calls := domoServer(t, 10, 100, 503, nil)
	s := &sleeps{}
	f := &Fetcher{Client: srv.Client(), Sleep: s.sleep, Clock: s.now, MaxAttempts: 4, BaseBackoff: 100 * time.Millisecond, MaxBackoff: 250 * time.Millisecond}
	_, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "gave up after 4 tries") {
		t.Fatalf("got %v", err)
	}
	if *calls != 4 || len(s.d) != 3 {
		t.Fatalf("%d calls, waits %v", *calls, s.d)
	}
	if s.d[0] < 50*time.Millisecond || s.d[0] >= 100*time.Millisecond || s.d[2] < 125*time.Millisecond || s.d[2] >= 250*time.Millisecond {
		t.Fatalf("waits %v are not capped exponential with jitter", s.d)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	srv, calls := domoServer(t, 10, 100, 400, nil)
	f := &Fetcher{Client: srv.Client(), Sleep: (&sleeps{}).sleep}
	_, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400") || !strings.Contains(err.Error(), "try later") || *calls != 1 {
		t.Fatalf("got %v after %d calls", err, *calls)
	}
}

func TestExpiredTokenIsRefreshedOnceAndRetried(t *testing.T) {
	var tokens, audits int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			n := atomic.AddInt32(&tokens, 1)
			fmt.Fprintf(w, `{"access_token":"t%d","expires_in":3599}`, n)
			return
		}
		atomic.AddInt32(&audits, 1)
		if r.Header.Get("Authorization") != "bearer t2" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"status":401,"message":"token expired"}`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	p, _ := providers.New(events.DomoPlatform, models.ProviderSettings{Enabled: true, ClientID: "c", URL: srv.URL, Secret: "s"}, srv.Client())
	f := &Fetcher{Client: srv.Client()}
	if _, err := f.Fetch(context.Background(), p, providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if tokens != 2 || audits != 2 {
		t.Fatalf("%d token requests, %d audit requests; want 2 and 2", tokens, audits)
	}
	// A token that is refused again is reported, not retried forever.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			_, _ = w.Write([]byte(`{"access_token":"x","expires_in":3599}`))
			return
		}
		w.WriteHeader(401)
	}))
	defer srv2.Close()
	p2, _ := providers.New(events.DomoPlatform, models.ProviderSettings{Enabled: true, ClientID: "c", URL: srv2.URL, Secret: "s"}, srv2.Client())
	_, err := (&Fetcher{Client: srv2.Client()}).Fetch(context.Background(), p2, providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "client id and secret") {
		t.Fatalf("got %v", err)
	}
}

func TestCancellationStopsFetchingPromptly(t *testing.T) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := (&Fetcher{Client: srv.Client(), Concurrency: 2}).Fetch(ctx, domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(30 * 24 * time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("took %s to stop", time.Since(start))
	}
	if c := atomic.LoadInt32(&calls); c > 2 {
		t.Fatalf("%d requests were started for 2 slots; the rest must not start after cancel", c)
	}
}

func TestARepeatedCursorIsALoopNotAHang(t *testing.T) {
	srv := httptest.NewServer(nil)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"auditEvents":[{"date":"2026-11-01T00:00:01Z","event":"Login failed."}],"_links":{"next":{"href":"%s/v7/audit-user-events?cursor=same"}}}`, srv.URL)
	})
	defer srv.Close()
	p, _ := providers.New(events.ThousandEyes, models.ProviderSettings{Enabled: true, URL: srv.URL, Secret: "tok"}, nil)
	_, err := (&Fetcher{Client: srv.Client()}).Fetch(context.Background(), p, providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "same next page twice") {
		t.Fatalf("got %v", err)
	}
}

// FetchEach hands over every matching event exactly once, window by
// window, and keeps none of them in the result.
func TestFetchEachPassesEveryEventOnceAndKeepsNone(t *testing.T) {
	const n = 5000
	srv, _ := domoServer(t, n, 0, 0, nil)
	f := &Fetcher{Client: srv.Client(), Concurrency: 3}
	r := providers.Request{Window: providers.Window{From: t0, To: t0.Add(n * time.Second)}, Filter: events.Filter{Users: []string{"u3"}}}
	want, err := f.Fetch(context.Background(), domo(t, srv.URL), r)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	calls := 0
	res, err := f.FetchEach(context.Background(), domo(t, srv.URL), r, func(l events.List) {
		calls++ // serialised: no lock needed
		for e := range l.All() {
			seen[string(e.Raw)]++ // the test vendor's records are all distinct
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != want.Events.Len() || want.Events.Len() == 0 || res.Matched != len(seen) || res.Events.Len() != 0 || calls != res.Windows || res.Windows < 2 {
		t.Fatalf("each saw %d distinct events in %d calls (fetch: %d, matched %d, kept %d, windows %d)",
			len(seen), calls, want.Events.Len(), res.Matched, res.Events.Len(), res.Windows)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("event %s passed %d times", k, c)
		}
	}
}

// Concurrency bounds the requests in flight, whatever the number of windows
// in progress; reading ahead keeps every slot busy, and a row limit that
// the newest windows already fill stops older windows early.
func TestConcurrencyBoundsRequestsInFlight(t *testing.T) {
	var inFlight, peak, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		q := r.URL.Query()
		start, _ := strconv.ParseInt(q.Get("start"), 10, 64)
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		// Every window holds 2.5 pages of events, one per second, newest first.
		total := lim*2 + lim/2
		var b strings.Builder
		b.WriteString("[")
		for k := off; k < min(off+lim, total); k++ {
			if k > off {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"userName":"u","eventText":"e","time":%d}`, start+int64(total-k)*1000)
		}
		b.WriteString("]")
		_, _ = w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	f := &Fetcher{Client: srv.Client(), Concurrency: 3}
	r := providers.Request{Window: providers.Window{From: t0, To: t0.Add(48 * time.Hour)}}
	res, err := f.Fetch(context.Background(), domo(t, srv.URL), r)
	if err != nil {
		t.Fatal(err)
	}
	// 48 h in 8 h windows, read as three spans of two (one per slot).
	if p := peak.Load(); p != 3 || res.Events.Len() != res.Windows*2500 || res.Windows != 3 {
		t.Fatalf("peak %d requests in flight (concurrency 3); %d events in %d windows", p, res.Events.Len(), res.Windows)
	}
	// A row limit filled by the newest window: older windows are not read
	// ahead. Over 14 days, the 14 day-windows are read as spans of at
	// most 3 (as many as the slots, with a row limit): of the 5 spans,
	// only the 3 started with the newest are read, 3 pages each, and at
	// most one more request per worker.
	calls.Store(0)
	r.Newest = 100
	r.To = t0.Add(14 * 24 * time.Hour)
	if res, err = f.Fetch(context.Background(), domo(t, srv.URL), r); err != nil || !res.Truncated {
		t.Fatalf("%v, truncated %v", err, res.Truncated)
	}
	if c := calls.Load(); c > 3*3+3 {
		t.Fatalf("%d requests for the newest 100 events", c)
	}
}
