package fetch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// pagedServer serves the events at times (in that order) with Domo's
// offset paging, 10 ms per answer. It answers 400 at once to an offset
// past the end, and to any offset listed in reject.
type pagedServer struct {
	calls, inFlight, peak, rejected atomic.Int32
	reject                          map[int]bool
	lastPageDelay                   time.Duration // more for the short last page
}

func (s *pagedServer) start(t *testing.T, times []time.Time) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.calls.Add(1)
		q := r.URL.Query()
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		if off > len(times) || s.reject[off] { // at once
			s.rejected.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"offset out of range"}`))
			return
		}
		n := s.inFlight.Add(1)
		for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
		}
		time.Sleep(10 * time.Millisecond)
		if off+lim > len(times) {
			time.Sleep(s.lastPageDelay)
		}
		s.inFlight.Add(-1)
		recs := []map[string]any{}
		for i := off; i < min(off+lim, len(times)); i++ {
			recs = append(recs, map[string]any{"userName": "u", "eventText": "e", "time": times[i].UnixMilli(), "additionalComment": "n" + strconv.Itoa(i)})
		}
		_ = json.NewEncoder(w).Encode(recs)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// spread returns n times evenly over w, newest first.
func spread(w providers.Window, n int) []time.Time {
	out := make([]time.Time, n)
	step := w.To.Sub(w.From) / time.Duration(n)
	for i := range out {
		out[i] = w.To.Add(-time.Duration(i+1) * step)
	}
	return out
}

func reversed(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[len(ts)-1-i] = t
	}
	return out
}

func seek(t *testing.T, srv *httptest.Server, w providers.Window) (*Result, windowResult, error) {
	t.Helper()
	p := domo(t, srv.URL)
	f := &Fetcher{Client: srv.Client()}
	res := &Result{}
	got, err := f.fetchSeek(context.Background(), p, p.(providers.Seeker), providers.Request{Window: w}, res, 4, nil)
	return res, got, err
}

func distinct(t *testing.T, l events.List) int {
	t.Helper()
	seen := map[string]bool{}
	for e := range l.All() {
		if seen[string(e.Raw)] { // the test vendor's records are all distinct
			t.Fatalf("event %s twice", e.Raw)
		}
		seen[string(e.Raw)] = true
	}
	return len(seen)
}

var halfDay = providers.Window{From: t0, To: t0.Add(12 * time.Hour)}

// A settled span of an offset-paged API is read several pages at once,
// whichever way the vendor orders it, and exactly: 10,500 events are 11
// pages, and no page past the end is asked for when the density holds.
func TestSeekReadsSeveralPagesAtOnceAndExactly(t *testing.T) {
	for name, times := range map[string][]time.Time{
		"newest first": spread(halfDay, 10500),
		"oldest first": reversed(spread(halfDay, 10500)),
	} {
		t.Run(name, func(t *testing.T) {
			s := &pagedServer{}
			res, got, err := seek(t, s.start(t, times), halfDay)
			if err != nil {
				t.Fatal(err)
			}
			if n := distinct(t, got.events); n != 10500 || got.records != 10500 {
				t.Fatalf("%d events (%d records), want 10500", n, got.records)
			}
			if res.Requests != 11 || s.calls.Load() != 11 {
				t.Fatalf("%d requests (server saw %d), want 11", res.Requests, s.calls.Load())
			}
			if p := s.peak.Load(); p < 3 || p > 4 {
				t.Fatalf("peak %d pages in flight; want several, and at most 4 (the slots)", p)
			}
			if !strings.Contains(got.request, "offset=0") {
				t.Fatalf("described request %q is not the first page", got.request)
			}
		})
	}
}

// Where the pages show no order (every event at one instant), nothing can
// be estimated: pages are read one at a time, and still all of them.
func TestSeekWithoutAnOrderReadsOnePageAtATime(t *testing.T) {
	times := make([]time.Time, 2500)
	for i := range times {
		times[i] = t0.Add(time.Hour)
	}
	s := &pagedServer{}
	res, got, err := seek(t, s.start(t, times), halfDay)
	if err != nil {
		t.Fatal(err)
	}
	if n := distinct(t, got.events); n != 2500 || res.Requests != 3 || s.peak.Load() != 1 {
		t.Fatalf("%d events, %d requests, peak %d in flight", n, res.Requests, s.peak.Load())
	}
}

// When the density falls (a busy evening, then a quiet night), pages are
// asked for past the end; an API that rejects such an offset does not fail
// the query, and no event is lost.
func TestSeekIgnoresAnErrorPastTheEnd(t *testing.T) {
	busy := spread(providers.Window{From: halfDay.To.Add(-time.Hour), To: halfDay.To}, 9000)
	quiet := spread(providers.Window{From: halfDay.From, To: halfDay.To.Add(-time.Hour)}, 10)
	s := &pagedServer{lastPageDelay: 100 * time.Millisecond} // the pages after it are asked for meanwhile
	res, got, err := seek(t, s.start(t, append(busy, quiet...)), halfDay)
	if err != nil {
		t.Fatal(err)
	}
	if n := distinct(t, got.events); n != 9010 {
		t.Fatalf("%d events, want 9010", n)
	}
	if s.rejected.Load() == 0 || res.Requests <= 10 {
		t.Fatalf("%d requests, %d rejected: the test must ask past the end", res.Requests, s.rejected.Load())
	}
}

// A page the window needs that fails fails the window (after the retries
// a 400 does not get), with the vendor's answer in the error.
func TestSeekFailsWhenANeededPageFails(t *testing.T) {
	s := &pagedServer{reject: map[int]bool{2000: true}}
	_, _, err := seek(t, s.start(t, spread(halfDay, 5500)), halfDay)
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Fatalf("error %v, want the vendor's 400", err)
	}
}

// How far a window has been read follows the last pages: the time left
// and the time each page covered, whichever way the vendor orders it;
// nothing without an order.
func TestProgress(t *testing.T) {
	page := func(times ...time.Time) providers.Page {
		p := providers.Page{}
		for _, tm := range times {
			p.Events = append(p.Events, events.Event{Time: tm})
		}
		return p
	}
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	// Newest first: the first page covered 12 h → 10 h, so 10 h are left at 2 h a page.
	if rem, per, ok := progress(halfDay, []providers.Page{page(h(11.5), h(10))}); !ok || rem != 10*time.Hour || per != 2*time.Hour {
		t.Fatalf("newest first: %v left at %v a page (%v), want 10h at 2h", rem, per, ok)
	}
	// Oldest first, three pages of 1 h each after 0 → 3 h: 9 h left.
	if rem, per, ok := progress(halfDay, []providers.Page{page(h(0.5), h(1)), page(h(1.5), h(2)), page(h(2.5), h(3))}); !ok || rem != 9*time.Hour || per != time.Hour {
		t.Fatalf("oldest first: %v left at %v a page (%v), want 9h at 1h", rem, per, ok)
	}
	if _, _, ok := progress(halfDay, []providers.Page{page(h(1), h(1))}); ok {
		t.Fatal("no order: progress known, want unknown")
	}
}

// waitQueued waits until n requests wait for a slot of s.
func waitQueued(s *slots, n int) {
	for {
		s.mu.Lock()
		k := len(s.waiting)
		s.mu.Unlock()
		if k == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Waiting requests are served highest priority first, then in order; a
// waiter that gives up leaves the queue.
func TestSlotsServeTheHighestPriorityFirst(t *testing.T) {
	s := newSlots(1)
	ctx := context.Background()
	if err := s.acquire(ctx, fixed(0)); err != nil {
		t.Fatal(err)
	}
	order := make(chan int, 4)
	gone, leave := context.WithCancel(ctx)
	for i, prio := range []int{1, 3, 2, 3} {
		c := ctx
		if i == 2 {
			c = gone
		}
		go func() {
			if s.acquire(c, fixed(prio)) == nil {
				order <- i
				s.release()
			}
		}()
		waitQueued(s, i+1) // queued in this order
	}
	leave()
	waitQueued(s, 3)
	s.release()
	var got []int
	for range 3 {
		got = append(got, <-order)
	}
	if want := []int{1, 3, 0}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("served %v, want %v (priority 3, 3, then 1; the priority-2 waiter left)", got, want)
	}
}

// A priority is read when a slot is freed, not when the request came: a
// page whose span grew more urgent meanwhile is served first.
func TestSlotsReadThePriorityWhenASlotIsFreed(t *testing.T) {
	s := newSlots(1)
	ctx := context.Background()
	if err := s.acquire(ctx, fixed(0)); err != nil {
		t.Fatal(err)
	}
	var urgent atomic.Int64 // 0 when it came, 5 by the time the slot is freed
	order := make(chan string, 2)
	for i, w := range []struct {
		name string
		prio func() int
	}{{"steady", fixed(2)}, {"grown", func() int { return int(urgent.Load()) }}} {
		go func() {
			if s.acquire(ctx, w.prio) == nil {
				order <- w.name
				s.release()
			}
		}()
		waitQueued(s, i+1) // queued in this order
	}
	urgent.Store(5)
	s.release()
	if first, second := <-order, <-order; first != "grown" || second != "steady" {
		t.Fatalf("served %s then %s, want grown (5) then steady (2)", first, second)
	}
}

// A place reserved for a request holds, whenever its goroutine runs: a
// request reserved later does not take the slot first, and a reservation
// never used gives its slot back.
func TestSlotsKeepTheOrderOfReservations(t *testing.T) {
	s := newSlots(1)
	ctx := context.WithValue(context.Background(), slotsKey{}, s)
	first, dropFirst := reserveSlot(ctx) // takes the free slot
	second, dropSecond := reserveSlot(ctx)
	waitQueued(s, 1)

	got := make(chan string, 3)
	go func() { // the second request's goroutine happens to run first
		release, err := acquireSlot(second)
		if err != nil {
			t.Error(err)
			return
		}
		got <- "second"
		release()
		dropSecond()
	}()
	third := make(chan struct{})
	go func() { // a request that came after both, without a reservation
		<-third
		release, err := acquireSlot(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		got <- "third"
		release()
	}()
	time.Sleep(10 * time.Millisecond)
	select {
	case g := <-got:
		t.Fatalf("%s was served while the first reservation held the only slot", g)
	default:
	}
	release, err := acquireSlot(first) // its slot, at once
	if err != nil {
		t.Fatal(err)
	}
	close(third)
	waitQueued(s, 2)
	got <- "first"
	release()
	dropFirst()
	if a, b, c := <-got, <-got, <-got; a != "first" || b != "second" || c != "third" {
		t.Fatalf("served %s, %s, %s; want first, second, third", a, b, c)
	}

	// A reservation dropped unused frees its slot (or its place).
	_, drop := reserveSlot(ctx)
	drop()
	drop() // once only
	if err := s.acquire(ctx, fixed(0)); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	free, waiting := s.free, len(s.waiting)
	s.mu.Unlock()
	if free != 0 || waiting != 0 {
		t.Fatalf("after an unused reservation: %d free, %d waiting; want the one slot taken and nobody waiting", free, waiting)
	}
}

// Read longest first, a span's pages rank by the span's time left after
// them: across spans the one with more time to read goes first, within a
// span the page it needs first; a span not begun ranks last.
func TestSpanReadRanksByTimeLeft(t *testing.T) {
	long := &spanRead{full: 3, rem: 10 * time.Hour, per: time.Hour}
	short := &spanRead{full: 8, rem: 4 * time.Hour, per: 10 * time.Minute}
	if !(long.after(3) > long.after(4) && long.after(4) > long.after(5)) {
		t.Fatalf("within a span: %d, %d, %d, want falling", long.after(3), long.after(4), long.after(5))
	}
	if long.after(8) <= short.after(8) {
		t.Fatalf("10 h left ranks %d, 4 h left %d: want the longer first", long.after(8), short.after(8))
	}
	if got := long.after(3); got != int((10 * time.Hour).Milliseconds()) {
		t.Fatalf("the next page ranks %d, want the span's time left in ms", got)
	}
	var none *spanRead
	if none.after(1) != 0 {
		t.Fatal("a span not begun must rank 0")
	}
}

// With a row limit, spans are read newest first until the pages read,
// scaled to the whole range, suggest less than three quarters of the
// limit; without a row limit, always longest first.
func TestReadOrderTurnsLongestFirstWhenTheLimitIsFar(t *testing.T) {
	if o := newReadOrder(0, time.Hour); !o.longestFirst() {
		t.Fatal("without a row limit, spans must be read longest first")
	}
	day := 24 * time.Hour
	a := providers.Window{From: t0, To: t0.Add(day)}
	b := providers.Window{From: t0.Add(day), To: t0.Add(2 * day)}
	o := newReadOrder(10000, 10*day)
	if o.longestFirst() {
		t.Fatal("nothing read yet: must start newest first")
	}
	o.seems(a, 1000, time.Hour) // 1000 an hour: 240,000 in 10 days
	if o.longestFirst() {
		t.Fatal("a dense first page must keep newest first")
	}
	o.seems(b, 10, 23*time.Hour) // now 1010 in 24 h: 10,100 in 10 days, not under 7,500
	if o.longestFirst() {
		t.Fatal("10,100 of a 10,000 limit must keep newest first")
	}
	o.seems(a, 1000, 20*time.Hour) // 1010 in 43 h: about 5,600 in 10 days
	if !o.longestFirst() {
		t.Fatal("about 5,600 of a 10,000 limit: must turn longest first")
	}
}

// Beyond the next page (always needed), a page is asked for ahead once
// the estimate reaches half a page into it, up to the slots.
func TestPagesAhead(t *testing.T) {
	for _, c := range []struct {
		left       float64
		ahead, out int
	}{{0, 4, 1}, {1.4, 4, 1}, {1.5, 4, 2}, {2.6, 4, 3}, {9, 4, 4}, {9, 1, 1}} {
		if got := pagesAhead(c.left, c.ahead); got != c.out {
			t.Errorf("pagesAhead(%v, %d) = %d, want %d", c.left, c.ahead, got, c.out)
		}
	}
}

// A week of settled windows is read as one span per slot, never across
// a window the cache already holds; with a row limit, a span holds at
// most as many windows as there are slots; providers without offset
// paging keep their windows.
func TestSpansGroupTheWindowsTheCacheCannotServe(t *testing.T) {
	week := providers.Window{From: t0, To: t0.Add(7 * 24 * time.Hour)}
	wins := plan(week.From, week.To, 12*time.Hour, week.To)
	f := &Fetcher{Cache: NewCache(1<<20, time.Hour)}
	t.Cleanup(f.Cache.Close)
	spans := func(conc, newest int) []int {
		var n []int
		for _, w := range f.spans(wins, "b", conc, newest) {
			n = append(n, max(1, len(w.pieces)))
			if w.seek != (len(w.pieces) > 0) || (w.seek && (w.fetch.From != w.pieces[0].From || w.fetch.To != w.pieces[len(w.pieces)-1].To)) {
				t.Fatalf("span %+v", w)
			}
		}
		return n
	}
	if got := spans(4, 0); len(got) != 4 || got[0]+got[1]+got[2]+got[3] != 14 || got[0] != 3 || got[1] != 4 {
		t.Fatalf("14 windows on 4 slots: spans of %v", got)
	}
	f.Cache.put(windowKey("b", wins[6].fetch), windowResult{})
	got := spans(4, 0)
	if len(got) != 5 || got[2] != 1 { // 3+3 before the cached one, 3+4 after
		t.Fatalf("with window 6 cached: spans of %v", got)
	}
	if got := spans(2, 0); len(got) != 3 || got[0] != 6 || got[2] != 7 {
		t.Fatalf("2 slots: spans of %v", got)
	}
	if got := spans(2, 1000); len(got) != 8 || slices.Max(got) != 2 { // 2+2+2, cached, 1+2+2+2
		t.Fatalf("2 slots with a row limit: spans of %v", got)
	}
	wins = plan(week.From, week.To, 12*time.Hour, week.From) // all live: not grouped
	if got := spans(4, 0); len(got) != len(wins) {
		t.Fatalf("live windows: %v", got)
	}
}
