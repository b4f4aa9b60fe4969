package fetch

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

func TestPlanFetchesSettledWindowsWholeAndTheLiveEdgeExactly(t *testing.T) {
	now := t0.Add(50*time.Hour + 20*time.Minute)
	p := plan(now.Add(-24*time.Hour), now, 24*time.Hour, now.Add(-5*time.Minute))
	// [now-24h, day 2 00:00) as the whole day 1, then hourly windows of day 2.
	if len(p) < 3 || !p[0].settled || p[0].fetch.From != t0.Add(24*time.Hour) || p[0].fetch.To != t0.Add(48*time.Hour) {
		t.Fatalf("first window %+v", p[0])
	}
	last := p[len(p)-1]
	if last.settled || last.fetch != last.clip || last.clip.To != now || last.fetch.To.Sub(last.fetch.From) > time.Hour {
		t.Fatalf("live edge %+v", last)
	}
	for i := 1; i < len(p); i++ {
		if p[i].clip.From != p[i-1].clip.To {
			t.Fatal("windows must tile the range")
		}
	}
}

func TestSettledWindowsAreCachedAndOnlyTheLiveEdgeIsRefetched(t *testing.T) {
	const n = 3 * 24 * 3600 / 60 // one event a minute for three days
	srv, calls := domoServerEvery(t, n, time.Minute)
	now := t0.Add(50*time.Hour + 20*time.Minute)
	f := &Fetcher{Client: srv.Client(), Cache: NewCache(64<<20, time.Hour), Clock: func() time.Time { return now }}
	p := domo(t, srv.URL)
	r := providers.Request{Window: providers.Window{From: now.Add(-24 * time.Hour), To: now}}
	cold, err := f.Fetch(context.Background(), p, r)
	if err != nil {
		t.Fatal(err)
	}
	coldCalls := atomic.LoadInt32(calls)
	warm, err := f.Fetch(context.Background(), p, r)
	if err != nil {
		t.Fatal(err)
	}
	warmCalls := atomic.LoadInt32(calls) - coldCalls
	if cold.Events.Len() != 24*60 || warm.Events.Len() != cold.Events.Len() {
		t.Fatalf("cold %d, warm %d events, want %d", cold.Events.Len(), warm.Events.Len(), 24*60)
	}
	if warmCalls > 2 || warm.Requests != int64(warmCalls) || warm.Cached != warm.Windows-int(warmCalls) {
		t.Fatalf("a refresh should re-read only the live edge: %d requests, %d of %d windows cached", warmCalls, warm.Cached, warm.Windows)
	}
	if warm.FirstRequest == "" {
		t.Fatal("the inspector should still show the request even when served from cache")
	}
	// An engine-only filter reuses the cache; a pushed-down one does not.
	before := atomic.LoadInt32(calls)
	s, _ := f.Fetch(context.Background(), p, providers.Request{Window: r.Window, Filter: events.Filter{Search: "n1"}})
	if got := atomic.LoadInt32(calls) - before; got > 2 || s.Events.Len() == 0 {
		t.Fatalf("search is applied in the engine over cached windows: %d requests", got)
	}
	before = atomic.LoadInt32(calls)
	if _, err := f.Fetch(context.Background(), p, providers.Request{Window: r.Window, Filter: events.Filter{ObjectTypes: []string{"PAGE"}}}); err != nil {
		t.Fatal(err)
	}
	if got := atomic.LoadInt32(calls) - before; got < int32(cold.Windows) {
		t.Fatalf("a pushed-down filter changes the vendor's answer and must not hit the cache: %d requests", got)
	}
}

// A cold panel reads the hours near the edge in one request (no longer
// than its other windows) and caches them hour by hour: a refresh re-reads
// the live hour alone, and once another hour has settled, it and the live
// one are again read together.
func TestColdHoursNearTheEdgeAreReadTogetherAndCachedApart(t *testing.T) {
	const n = 3 * 24 * 60 // one event a minute for three days
	srv, calls := domoServerEvery(t, n, time.Minute)
	now := t0.Add(49*time.Hour + 20*time.Minute)
	f := &Fetcher{Client: srv.Client(), Cache: NewCache(64<<20, time.Hour), Clock: func() time.Time { return now }}
	t.Cleanup(f.Cache.Close)
	p := domo(t, srv.URL)
	fetch := func() (*Result, int32) {
		t.Helper()
		before := atomic.LoadInt32(calls)
		res, err := f.Fetch(context.Background(), p, providers.Request{Window: providers.Window{From: now.Add(-24 * time.Hour), To: now}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Events.Len() != 24*60 {
			t.Fatalf("%d events, want %d", res.Events.Len(), 24*60)
		}
		return res, atomic.LoadInt32(calls) - before
	}
	// 24 h in 3 h windows: 25:20-27 h clipped, seven whole ones up to
	// 48 h (these eight read as four spans of two, one per slot), then
	// the hours of the last block, 48-49 h and the live 49 h-now, read
	// as one.
	cold, got := fetch()
	hourly := plan(now.Add(-24*time.Hour), now, 3*time.Hour, now.Add(-DefaultSettleDelay))
	if len(hourly) != 10 || cold.Windows != 5 || got != 5 {
		t.Fatalf("cold: %d requests for %d windows (the plan has %d)", got, cold.Windows, len(hourly))
	}
	if warm, got := fetch(); got != 1 || warm.Cached != warm.Windows-1 {
		t.Fatalf("refresh: %d requests, %d of %d windows cached", got, warm.Cached, warm.Windows)
	}
	now = now.Add(time.Hour) // 50-51 h has settled: it and the live hour are read together
	if later, got := fetch(); got != 1 || later.Cached != later.Windows-1 {
		t.Fatalf("an hour later: %d requests, %d of %d windows cached", got, later.Cached, later.Windows)
	}
}

func TestConcurrentIdenticalFetchesShareOneSetOfRequests(t *testing.T) {
	srv, calls := domoServerEvery(t, 2000, time.Minute)
	f := &Fetcher{Client: srv.Client()} // no cache: sharing alone
	p := domo(t, srv.URL)
	r := providers.Request{Window: providers.Window{From: t0, To: t0.Add(30 * time.Hour)}}
	single, _ := f.Fetch(context.Background(), p, r)
	atomic.StoreInt32(calls, 0)
	slow := &Fetcher{Client: srv.Client()}
	srvDelay.Store(int64(150 * time.Millisecond))
	defer srvDelay.Store(0)
	var wg sync.WaitGroup
	results := make([]*Result, 6)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], _ = slow.Fetch(context.Background(), p, r)
		}(i)
	}
	wg.Wait()
	shared := 0
	for _, res := range results {
		if res == nil || res.Events.Len() != single.Events.Len() {
			t.Fatal("every panel must get the whole result")
		}
		shared += res.Shared
	}
	if got := atomic.LoadInt32(calls); got != int32(single.Requests) || shared == 0 {
		t.Fatalf("six panels sent %d requests (one panel alone: %d), %d windows shared", got, single.Requests, shared)
	}
}

func TestCacheIsBoundedAndExpires(t *testing.T) {
	now := t0
	c := NewCache(2000, time.Minute)
	c.now = func() time.Time { return now }
	t.Cleanup(c.Close)
	w := windowResult{events: events.ListOf([]events.Event{{Message: strings.Repeat("x", 400)}})}
	for i := 0; i < 5; i++ {
		c.put(strconv.Itoa(i), w)
	}
	st := c.Stats()
	if st.Bytes > 2000 || st.Evictions == 0 {
		t.Fatalf("stats %+v", st)
	}
	if _, ok := c.get("0"); ok {
		t.Fatal("the least recently used entry should have been evicted")
	}
	if _, ok := c.get("4"); !ok {
		t.Fatal("the newest entry should be cached")
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.get("4"); ok {
		t.Fatal("entries expire after the TTL")
	}
	big := windowResult{events: events.ListOf([]events.Event{{Message: strings.Repeat("x", 5000)}})}
	c.put("big", big)
	if _, ok := c.get("big"); ok {
		t.Fatal("a window larger than the cache is not kept")
	}
}

// Expired entries go without waiting for another query, so a data source
// nobody looks at any more gives its memory back; a closed cache is empty
// and keeps nothing.
func TestIdleCacheGivesItsMemoryBack(t *testing.T) {
	c := NewCache(1<<20, 20*time.Millisecond)
	w := windowResult{events: events.ListOf([]events.Event{{Message: "x"}})}
	c.put("a", w)
	time.Sleep(10 * time.Millisecond)
	c.put("b", w) // expires later than a: the sweeper comes back for it
	if st := c.Stats(); st.Entries != 2 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Stats().Entries > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("expired entries still held: %+v", c.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := c.Stats(); st.Bytes != 0 {
		t.Fatalf("an empty cache counts %d bytes", st.Bytes)
	}
	c.put("c", w)
	c.Close()
	c.put("d", w)
	if st := c.Stats(); st.Entries != 0 || st.Bytes != 0 {
		t.Fatalf("a closed cache holds %+v", st)
	}
}

func TestASpentBudgetWaitsForItsReset(t *testing.T) {
	srv, calls := domoServerEvery(t, 2500, time.Second)
	// Two requests a window, none kept for others: the third page waits
	// for the reset (a week away), past the query's time limit.
	b := budget.New("test", budget.Limit{Requests: 2, Window: 7 * 24 * time.Hour}, nil)
	f := &Fetcher{Client: srv.Client(), Budgets: map[string]*budget.Budget{events.Domo: b}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := f.Fetch(ctx, domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}})
	if err == nil || !strings.Contains(err.Error(), "request budget") || !backend.IsDownstreamError(err) {
		t.Fatalf("the fourth page must wait for the budget and say so, got %v", err)
	}
	if got := atomic.LoadInt32(calls); got != 2 {
		t.Fatalf("%d requests went out; the budget allows 2", got)
	}
}

func TestA429WaitsAsLongAsTheVendorSaidAndStopsTheOrganisation(t *testing.T) {
	srv, calls := domoServer(t, 10, 1, 429, http.Header{"Retry-After": {"20"}})
	s := &sleeps{}
	b := budget.New("test-429", budget.Limit{}, nil)
	f := &Fetcher{Client: srv.Client(), Sleep: s.sleep, Clock: s.now, Budgets: map[string]*budget.Budget{events.Domo: b}}
	if _, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if *calls != 2 || len(s.d) != 1 || s.d[0] < 20*time.Second || s.d[0] > 21*time.Second {
		t.Fatalf("%d calls, waits %v; want one wait of the 20 s asked for", *calls, s.d)
	}
	if until := b.Blocked().Sub(s.start); until < 20*time.Second || b.Stats().RateLimited != 1 {
		t.Fatalf("the organisation's other requests must wait too: blocked for %s more, stats %+v", until, b.Stats())
	}
}

// A 5xx is a passing fault, not a rate limit: it is retried after a short
// back-off, whatever wait its headers ask for.
func TestA5xxCostsSecondsWhateverItsHeadersSay(t *testing.T) {
	srv, calls := domoServer(t, 10, 1, 503, http.Header{"Retry-After": {"60"}})
	s := &sleeps{}
	f := &Fetcher{Client: srv.Client(), Sleep: s.sleep, Clock: s.now, Budgets: map[string]*budget.Budget{events.Domo: budget.New("test-503", budget.Limit{}, nil)}}
	if _, err := f.Fetch(context.Background(), domo(t, srv.URL), providers.Request{Window: providers.Window{From: t0, To: t0.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if *calls != 2 || len(s.d) != 1 || s.d[0] > DefaultMaxBackoff+250*time.Millisecond {
		t.Fatalf("%d calls, waits %v; want one wait of at most %s", *calls, s.d, DefaultMaxBackoff)
	}
}

// Panels over different ranges use windows of different sizes (12 h for a
// week, 3 h for a day, 6 h for two days); all are aligned to the day, so a
// window is served from a cached larger window that holds it or from
// cached smaller windows that tile it, with the same events.
func TestWindowsOfOtherSizesServeFromTheCache(t *testing.T) {
	srv, calls := domoServerEvery(t, 8*24*60, time.Minute)
	now := t0.Add(9 * 24 * time.Hour) // all settled
	p := domo(t, srv.URL)
	fetch := func(f *Fetcher, from, to time.Time) (*Result, int32) {
		before := atomic.LoadInt32(calls)
		res, err := f.Fetch(context.Background(), p, providers.Request{Window: providers.Window{From: from, To: to}})
		if err != nil {
			t.Fatal(err)
		}
		return res, atomic.LoadInt32(calls) - before
	}
	day := t0.Add(3 * 24 * time.Hour)

	// A week read first: a day inside it needs no request.
	f := &Fetcher{Client: srv.Client(), Cache: NewCache(256<<20, time.Hour), Clock: func() time.Time { return now }}
	week, _ := fetch(f, t0, t0.Add(7*24*time.Hour))
	want, _ := fetch(&Fetcher{Client: srv.Client()}, day, day.Add(24*time.Hour))
	got, n := fetch(f, day, day.Add(24*time.Hour))
	if n != 0 || got.Cached != got.Windows || got.Windows != 8 || week.Windows != 4 {
		t.Fatalf("a day inside a cached week sent %d requests (%d of %d windows cached; week in %d spans)", n, got.Cached, got.Windows, week.Windows)
	}
	if !slices.Equal(keysOf(got), keysOf(want)) {
		t.Fatal("the day served from the week's windows differs from the day read from the vendor")
	}

	// Two days read as 3 h windows first (two one-day panels): the
	// two-day panel's 6 h windows are tiled from them.
	f = &Fetcher{Client: srv.Client(), Cache: NewCache(256<<20, time.Hour), Clock: func() time.Time { return now }}
	fetch(f, day, day.Add(24*time.Hour))
	fetch(f, day.Add(24*time.Hour), day.Add(48*time.Hour))
	want, _ = fetch(&Fetcher{Client: srv.Client()}, day, day.Add(48*time.Hour))
	got, n = fetch(f, day, day.Add(48*time.Hour))
	if n != 0 || got.Windows != 8 || !slices.Equal(keysOf(got), keysOf(want)) {
		t.Fatalf("two cached days tiled into %d windows sent %d requests", got.Windows, n)
	}
}

func keysOf(r *Result) []string {
	var out []string
	for e := range r.Events.All() {
		out = append(out, e.Key)
	}
	return out
}
