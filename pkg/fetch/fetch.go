// Package fetch is the generic paging loop: it splits a range into windows,
// fetches them concurrently, pages each to its end, retries what may
// succeed on a second try, and filters and de-duplicates the result.
package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// windowWorkers is how many windows per request slot are in progress at
// once: enough that a slot is not idle while a window reads its page.
const windowWorkers = 4

// Defaults of a Fetcher.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = 5
	DefaultSettleDelay = 5 * time.Minute
	// A 5xx or a network failure is retried after DefaultBaseBackoff,
	// doubling, at most DefaultMaxBackoff (plus jitter): it costs seconds,
	// never a rate-limit window.
	DefaultBaseBackoff = 250 * time.Millisecond
	DefaultMaxBackoff  = 2 * time.Second
	maxPagesPerWindow  = 100000
)

// Fetcher runs provider requests. It is safe for concurrent use; one
// Fetcher serves all queries of a data source instance, so its cache,
// in-flight sharing and rate limits are per instance.
type Fetcher struct {
	Client *http.Client
	// Concurrency bounds the requests in flight per Fetch call (windows in
	// progress may be up to windowWorkers times as many).
	Concurrency int
	// MaxAttempts bounds tries of one request (429 / 5xx / network).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the capped exponential back-off of
	// 5xx and network failures (defaults DefaultBaseBackoff, DefaultMaxBackoff).
	BaseBackoff, MaxBackoff time.Duration
	// Sleep waits or returns early with the context's error (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Cache keeps settled windows; nil disables caching.
	Cache *Cache
	// SettleDelay is how long after its end a window is taken as complete
	// (vendors may record events a little late).
	SettleDelay time.Duration
	// Budgets are the request budgets of the providers' organisations, by
	// provider id (shared by all queries; package budget).
	Budgets map[string]*budget.Budget
	// Clock is the engine's clock; nil is clock.Now (tests replace it).
	Clock func() time.Time
	// Shared, when set, shares settled windows and their reading with
	// other processes (Grafana replicas; package redisstore).
	Shared Shared

	// UnpagedTarget is the most records an answer of an unpaged API should
	// hold (default DefaultUnpagedTarget).
	UnpagedTarget int

	mu      sync.Mutex
	flights map[string]*flight
	density density // of unpaged providers' answers
}

// flight is one window fetch under way, shared by every query that needs
// the window (panels of one dashboard over one range). It runs on its own
// context, cancelled only when the last query waiting for it has left, so
// a closed panel or a query failing elsewhere never fails another.
type flight struct {
	done    chan struct{}
	res     windowResult
	err     error
	waiters int
	callers []context.Context // guarded by the Fetcher's mu
	cancel  context.CancelFunc
}

// wanted reports whether a caller of the flight has not given up. It
// knows at once: the flight's own context is cancelled a moment later,
// by the last caller's goroutine (see slots.wait).
func (f *Fetcher) wanted(fl *flight) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range fl.callers {
		if c.Err() == nil {
			return true
		}
	}
	return false
}

// share runs fn for key once for all concurrent callers. shared reports
// that the caller joined a fetch another caller started.
func (f *Fetcher) share(ctx context.Context, key string, fn func(context.Context) (windowResult, error)) (res windowResult, shared bool, err error) {
	f.mu.Lock()
	fl, shared := f.flights[key]
	if !shared {
		// Detached from the caller's cancellation, but not from its time
		// limit: queries of one dashboard share Grafana's query timeout.
		detached := context.WithoutCancel(ctx)
		fctx, cancel := context.WithCancel(detached)
		if d, ok := ctx.Deadline(); ok {
			cancel()
			fctx, cancel = context.WithDeadline(detached, d)
		}
		fl = &flight{done: make(chan struct{}), cancel: cancel}
		fctx = context.WithValue(fctx, wantedKey{}, func() bool { return f.wanted(fl) })
		if f.flights == nil {
			f.flights = map[string]*flight{}
		}
		f.flights[key] = fl
		go func() {
			fl.res, fl.err = fn(fctx)
			f.mu.Lock()
			if f.flights[key] == fl {
				delete(f.flights, key)
			}
			f.mu.Unlock()
			cancel()
			close(fl.done)
		}()
	}
	fl.waiters++
	fl.callers = append(fl.callers, ctx)
	f.mu.Unlock()
	select {
	case <-fl.done:
		return fl.res, shared, fl.err
	case <-ctx.Done():
		f.mu.Lock()
		if fl.waiters--; fl.waiters == 0 {
			// Nobody needs it any more: stop it, and let a later query
			// start afresh rather than join a cancelled fetch.
			fl.cancel()
			if f.flights[key] == fl {
				delete(f.flights, key)
			}
		}
		f.mu.Unlock()
		return windowResult{}, shared, ctx.Err()
	}
}

// deadlineError names the vendor when a query ran out of time, so that a
// panel says who did not answer, not just "context deadline exceeded".
func deadlineError(p providers.Provider, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && !errors.As(err, new(*providers.HTTPError)) {
		return fmt.Errorf("%s (%s) did not answer before the query's time limit: %w", p.ID(), p.BaseURL().Host, err)
	}
	return err
}

// Result is the outcome of one Fetch.
type Result struct {
	Events   events.List // filtered, de-duplicated, newest first
	Matched  int         // events matched (the length of Events, for Fetch)
	Requests int64       // HTTP requests this call sent, retries included
	Records  int64       // records the vendor returned to this call
	Windows  int
	// Cached and Shared count windows served from the cache or by a
	// concurrent identical fetch, without requests of this call.
	Cached, Shared int
	// FirstRequest describes the first request sent (no secrets).
	FirstRequest string
	// Truncated reports that older windows were skipped because newer ones
	// already held the Newest events asked for: Events is then at least
	// that many of the newest, not all.
	Truncated bool
}

// windowResult is what the vendor returned for one fetched window, after
// the pushed-down filter and de-duplication but before the engine filter.
type windowResult struct {
	events  events.List
	records int64
	// request describes the window's first request, for the query inspector.
	request string
}

func (w windowResult) size() int64 {
	n := int64(64)
	for e := range w.events.All() {
		n += eventSize(e)
	}
	return n
}

// Windows splits [from, to) into windows of at most size, aligned to
// multiples of size since the epoch so that the same window recurs across
// refreshes.
func Windows(from, to time.Time, size time.Duration) []providers.Window {
	var out []providers.Window
	for _, p := range plan(from, to, size, to.Add(size)) {
		out = append(out, p.clip)
	}
	return out
}

// windowSizes divide a day or are days that nest, so windows of any of
// them stay aligned.
var windowSizes = []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour, 6 * time.Hour, 8 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * day, 4 * day, 8 * day, 16 * day, 32 * day, 64 * day, 128 * day, 256 * day, 512 * day}

// day is 24 hours (windows of several days nest: they are aligned to
// multiples of their size since the zero time, as a day is).
const day = 24 * time.Hour

// windowSize picks the window for a range: small enough that the range has
// about two windows per request slot (offset paging is sequential within a
// window, so every slot needs a window to page; with two, windows of
// uneven density still keep the slots busy to the end), large enough not
// to spend a request per window on a short last page, and at most the
// provider's maximum. (Four per slot measured slower: 21 windows for a week
// cost 112 requests for 100k events instead of 105, and 1.36 × the ideal
// time instead of 1.25.)
func windowSize(span, maxSize time.Duration, conc int) time.Duration {
	target := span / time.Duration(2*conc)
	best := time.Duration(0)
	for _, s := range windowSizes {
		if s <= maxSize && (s <= target || best == 0) {
			best = s
		}
	}
	if best == 0 || maxSize < time.Hour {
		return maxSize
	}
	return best
}

// planned is one window of a fetch plan: what to ask the vendor for, the
// part of the query range in it, and whether it is settled (cacheable).
type planned struct {
	fetch, clip providers.Window
	settled     bool
	// pieces are the settled windows a merged window stands for: it is
	// fetched as one, and each piece is cached on its own.
	pieces []providers.Window
	// seek: read several pages at once (a span of settled windows of an
	// offset-paged provider, see fetchSeek).
	seek bool
}

// maxSpan bounds the time one span of an offset-paged provider covers,
// so that offsets stay within what a busy instance logs in a week.
const maxSpan = 7 * 24 * time.Hour

// spans merges the settled windows the cache cannot serve into about one
// span per request slot, for providers whose pages can be asked for by
// number: each span is read several pages at a time (fetchSeek) and
// cached window by window. A sparse week then costs one request per
// slot instead of one per window, and a busy one keeps every slot busy
// with pages of the newest span.
//
// A query with a row limit (newest > 0) stops reading older windows once
// newer ones hold the rows; its spans hold at most conc windows, as many
// as it would read at once without spans.
func (f *Fetcher) spans(wins []planned, base string, conc, newest int) []planned {
	open := func(w planned) bool {
		if !w.settled || w.pieces != nil {
			return false
		}
		if f.Shared != nil {
			// Replicas plan the same spans whatever each has cached, so
			// that one reads a span while the others wait for it (a span
			// whose windows are all cached is served from the cache).
			return true
		}
		_, cached := f.fromCache(base, w.fetch)
		return !cached
	}
	free := make([]bool, len(wins))
	total := 0
	for i, w := range wins {
		free[i] = open(w)
		if free[i] {
			total++
		}
	}
	if total < 2 {
		return wins
	}
	per := (total + conc - 1) / conc // windows per span
	if newest > 0 {
		per = min(per, conc)
	}
	if per < 2 {
		return wins
	}
	var out []planned
	for i := 0; i < len(wins); {
		if !free[i] {
			out = append(out, wins[i])
			i++
			continue
		}
		j := i
		for j < len(wins) && free[j] {
			j++
		}
		run := wins[i:j]
		parts := (len(run) + per - 1) / per
		for k := range parts {
			group := run[k*len(run)/parts : (k+1)*len(run)/parts]
			for len(group) > 0 {
				n := 1
				for n < len(group) && group[n].fetch.To.Sub(group[0].fetch.From) <= maxSpan {
					n++
				}
				out = append(out, span(group[:n]))
				group = group[n:]
			}
		}
		i = j
	}
	return out
}

// span is one planned window for consecutive settled windows, read
// several pages at once.
func span(group []planned) planned {
	if len(group) == 1 {
		return group[0]
	}
	s := merge(group)
	s.seek = true
	return s
}

// mergeFineTail fetches the hourly windows near the edge that the cache
// cannot serve as one window, no longer than the others of the plan (size):
// a cold "last 7 days" panel sends one request for the last hours instead
// of one per hour, and its settled hours are still cached hour by hour, so
// that a refresh re-reads only the live one.
func (f *Fetcher) mergeFineTail(wins []planned, size time.Duration, base string) []planned {
	if size <= time.Hour || len(wins) < 2 {
		return wins
	}
	first := len(wins)
	for i := len(wins) - 1; i >= 0; i-- {
		w := wins[i]
		if w.fetch.To.Sub(w.fetch.From) > time.Hour {
			break // a coarse window
		}
		if w.settled {
			if _, ok := f.fromCache(base, w.fetch); ok {
				break
			}
		}
		first = i
	}
	if len(wins)-first < 2 {
		return wins
	}
	return append(wins[:first:first], merge(wins[first:]))
}

// merge is one planned window for consecutive windows: fetched as one,
// with its settled windows as the pieces cached on their own.
func merge(group []planned) planned {
	m := planned{
		fetch: providers.Window{From: group[0].fetch.From, To: group[len(group)-1].fetch.To},
		clip:  providers.Window{From: group[0].clip.From, To: group[len(group)-1].clip.To},
	}
	for _, w := range group {
		if w.settled {
			m.pieces = append(m.pieces, w.fetch)
		}
	}
	return m
}

// plan splits [from, to) into aligned windows. Windows that end before
// edge (the settled past) are fetched whole, so that they can be cached and
// reused by any range that touches them; the rest are fetched exactly. Near
// the edge the windows shrink to an hour so that a refresh re-reads little.
// A zero edge means everything is live.
func plan(from, to time.Time, size time.Duration, edge time.Time) []planned {
	if !from.Before(to) || size <= 0 {
		return nil
	}
	fine := min(size, time.Hour)
	coarseUntil := edge.Truncate(size)
	var out []planned
	for start := from; start.Before(to); {
		ws := fine
		if start.Before(coarseUntil) {
			ws = size
		}
		a := providers.Window{From: start.Truncate(ws)}
		a.To = a.From.Add(ws)
		clip := providers.Window{From: start, To: a.To}
		if clip.To.After(to) {
			clip.To = to
		}
		settled := !edge.IsZero() && !a.To.After(edge)
		fetch := clip
		if settled {
			fetch = a
		}
		out = append(out, planned{fetch: fetch, clip: clip, settled: settled})
		start = clip.To
	}
	return out
}

// Now is the engine's time: Clock, else the plugin's clock.
func (f *Fetcher) Now() time.Time {
	if f.Clock != nil {
		return f.Clock()
	}
	return clock.Now()
}

// Fetch returns every event of p in r's window that matches r's filter.
func (f *Fetcher) Fetch(ctx context.Context, p providers.Provider, r providers.Request) (*Result, error) {
	return f.fetch(ctx, p, r, nil)
}

// FetchEach is Fetch for consumers that need each event once and not the
// list (counting): each gets the matching events window by window, one
// call at a time, in no particular order, and Result.Events stays empty,
// so windows that are not cached are dropped as soon as they are counted.
// Windows are disjoint, so no event is passed twice. On error, each may
// already have seen some windows: the caller must discard what it made.
func (f *Fetcher) FetchEach(ctx context.Context, p providers.Provider, r providers.Request, each func(events.List)) (*Result, error) {
	return f.fetch(ctx, p, r, each)
}

func (f *Fetcher) fetch(ctx context.Context, p providers.Provider, r providers.Request, each func(events.List)) (*Result, error) {
	settle := f.SettleDelay
	if settle <= 0 {
		settle = DefaultSettleDelay
	}
	conc := f.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	// The vendor sees only the pushed-down filter; the engine applies the
	// whole filter to every window, cached or not.
	pushed := r
	pushed.Filter = p.Pushdown(r)
	base := fingerprint(p, pushed)

	maxSize := p.WindowSize()
	if r.Newest > 0 {
		// A row limit reads the newest windows whole until they hold the
		// rows: a window of a day at most reads little past them.
		maxSize = min(maxSize, day)
	}
	size := windowSize(r.To.Sub(r.From), maxSize, conc)
	planned := plan(r.From, r.To, size, f.Now().Add(-settle))
	f.warmFromShared(ctx, p, base, planned)
	wins := f.mergeFineTail(planned, size, base)
	if r.Newest > 0 {
		wins = grow(wins, p.WindowSize())
	}
	seeker, seekable := p.(providers.Seeker)
	if seekable {
		wins = f.spans(wins, base, conc, r.Newest)
		for i := range wins {
			// A settled window on its own is read several pages at once
			// too: it may be a month long.
			wins[i].seek = wins[i].seek || wins[i].settled
		}
	}
	order := newReadOrder(r.Newest, r.To.Sub(r.From))
	res := &Result{Windows: len(wins)}
	if len(wins) == 0 {
		return res, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	perWindow := make([]events.List, len(wins))
	counts := make([]int, len(wins))
	stops := make([]context.CancelFunc, len(wins))
	requests := make([]string, len(wins))
	done := make([]bool, len(wins))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		enough   bool // the newest completed windows hold r.Newest events
		wide     bool // more windows than request slots are in progress
	)
	var work func(n int) // starts n more window workers
	// finish records window i and checks whether the newest windows, done
	// without a gap, already hold the events asked for.
	finish := func(i int, evs events.List, request string) {
		mu.Lock()
		defer mu.Unlock()
		counts[i], requests[i], done[i] = evs.Len(), request, true
		res.Matched += counts[i]
		if each != nil {
			each(evs)
		} else {
			perWindow[i] = evs
		}
		if r.Newest <= 0 {
			return
		}
		n, m := 0, 0
		for j := len(wins) - 1; j >= 0 && done[j]; j-- {
			n += counts[j]
			m++
		}
		// With a row limit, older windows are read ahead only once the
		// newest ones show that the limit is far: otherwise their requests
		// would mostly be wasted.
		if !wide && !enough && m > 0 && n*len(wins)/m < r.Newest/2 {
			wide = true
			work(min(windowWorkers*conc, len(wins)) - conc)
		}
		if n >= r.Newest && !enough {
			enough = true
			// Older windows still in progress are not needed any more.
			for j, stop := range stops {
				if !done[j] && stop != nil {
					stop()
				}
			}
		}
	}
	skip := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return enough
	}
	// Workers take the windows newest first: the newest events are what
	// users look at, and what a row limit keeps.
	jobs := make(chan int, len(wins))
	for i := len(wins) - 1; i >= 0; i-- {
		jobs <- i
	}
	close(jobs)
	one := func(i int) {
		w := wins[i]
		key := windowKey(base, w.fetch)
		if got, ok := f.cachedPlanned(base, w); ok {
			mu.Lock()
			res.Cached++
			mu.Unlock()
			finish(i, clipFilter(got.events, w.clip, r.Filter), got.request)
			return
		}
		wctx, stop := context.WithCancel(context.WithValue(ctx, priorityKey{}, fixed(i*maxPagesPerWindow)))
		defer stop()
		mu.Lock()
		stops[i] = stop
		mu.Unlock()
		got, shared, err := f.share(wctx, key, func(ctx context.Context) (windowResult, error) {
			if f.Shared != nil && f.Cache != nil {
				// One replica reads a window; the others wait for its
				// answer in the shared store.
				unlock, got, done := f.lockOrAwait(ctx, p, base, key, w)
				if done {
					return got, nil
				}
				defer unlock()
			}
			wr := pushed
			wr.Window = w.fetch
			var got windowResult
			var err error
			if w.seek {
				got, err = f.fetchSeek(ctx, p, seeker, wr, res, conc, order)
			} else {
				got, err = f.fetchWindow(ctx, p, wr, res)
			}
			switch {
			case err != nil:
			case w.settled:
				f.store(ctx, p, key, got)
			case !w.seek:
				f.shareLive(ctx, p, key, got)
			}
			for _, piece := range w.pieces {
				if err == nil {
					f.store(ctx, p, windowKey(base, piece), windowResult{events: clipFilter(got.events, piece, events.Filter{}).Compact(), request: got.request})
				}
			}
			return got, err
		})
		if err != nil {
			mu.Lock()
			if firstErr == nil && !enough {
				firstErr = err
				cancel()
			}
			mu.Unlock()
			return
		}
		if shared {
			mu.Lock()
			res.Shared++
			mu.Unlock()
		}
		finish(i, clipFilter(got.events, w.clip, r.Filter), got.request)
	}
	// conc bounds the requests in flight, not the windows: a window
	// being read or waiting for its next page leaves its slot to another,
	// so that paging (sequential within a window) overlaps reading, and
	// the last windows do not run with idle slots.
	ctx = context.WithValue(ctx, slotsKey{}, newSlots(conc))
	rs := &readers{slots: conc, queued: func() int { return len(jobs) }}
	ctx = context.WithValue(ctx, readersKey{}, rs)
	work = func(n int) {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if ctx.Err() == nil && !skip() {
						done := rs.reading()
						one(i)
						done()
					}
				}
			}()
		}
	}
	if r.Newest <= 0 {
		wide = true
		work(min(windowWorkers*conc, len(wins)))
	} else {
		work(min(conc, len(wins)))
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return res, deadlineError(p, firstErr)
	}
	for i := range perWindow {
		res.Truncated = res.Truncated || !done[i]
	}
	var all events.List
	for i := len(perWindow) - 1; i >= 0 && done[i]; i-- {
		all = all.Concat(perWindow[i])
	}
	res.Events = all.Sorted()
	res.FirstRequest = requests[len(requests)-1]
	return res, nil
}

// clipFilter returns the events in w that match filter. The input may be a
// cached list: it is never modified, and its chunks are shared where every
// event of a chunk is kept.
func clipFilter(evs events.List, w providers.Window, filter events.Filter) events.List {
	all := filter.IsEmpty()
	keep := func(e *events.Event) bool {
		return !e.Time.Before(w.From) && e.Time.Before(w.To) && (all || filter.Match(e))
	}
	var out events.List
	for c := range evs.Chunks() {
		i := 0
		for i < len(c) && keep(&c[i]) {
			i++
		}
		if i == len(c) {
			out = out.Add(c)
			continue
		}
		kept := slices.Clone(c[:i])
		for j := i + 1; j < len(c); j++ {
			if keep(&c[j]) {
				kept = append(kept, c[j])
			}
		}
		out = out.Add(kept)
	}
	return out
}

// windowKey names one window of a fingerprint in the cache.
func windowKey(base string, w providers.Window) string {
	return base + "|" + w.From.UTC().Format(time.RFC3339Nano) + "|" + w.To.UTC().Format(time.RFC3339Nano)
}

// fromCache returns the settled window w from the cache: as cached, from
// a cached larger window that holds it, or from cached smaller windows
// that tile it. Windows of every size are aligned to the day, so panels
// over different ranges (whose windows differ in size) share what was
// read. A larger window's extra events are clipped by the caller.
func (f *Fetcher) fromCache(base string, w providers.Window) (windowResult, bool) {
	if f.Cache == nil {
		return windowResult{}, false
	}
	if got, ok := f.Cache.get(windowKey(base, w)); ok {
		return got, true
	}
	size := w.To.Sub(w.From)
	for _, s := range slices.Backward(windowSizes) {
		if s <= size {
			continue
		}
		parent := providers.Window{From: w.From.Truncate(s)}
		parent.To = parent.From.Add(s)
		if !parent.To.Before(w.To) {
			if got, ok := f.Cache.get(windowKey(base, parent)); ok {
				return got, true
			}
		}
	}
	for _, s := range slices.Backward(windowSizes) {
		if s >= size || size%s != 0 {
			continue
		}
		var tiled windowResult
		complete := true
		for to := w.To; complete && to.After(w.From); to = to.Add(-s) { // newest first
			got, ok := f.Cache.get(windowKey(base, providers.Window{From: to.Add(-s), To: to}))
			complete = ok
			tiled.events = tiled.events.Concat(got.events)
			tiled.records += got.records
			if tiled.request == "" {
				tiled.request = got.request
			}
		}
		if complete {
			return tiled, true
		}
	}
	return windowResult{}, false
}

// fingerprint identifies everything but the window that shapes a vendor
// answer: provider, base URL, pushed-down filter, options and page size.
func fingerprint(p providers.Provider, r providers.Request) string {
	b, _ := json.Marshal(struct {
		F events.Filter
		O any
		S int
	}{r.Filter, r.Options, r.PageSize})
	return p.ID() + "|" + p.BaseURL().String() + "|" + string(b)
}

// tooManyPages is the error for a window whose pages do not end.
func tooManyPages(p providers.Provider) error {
	return backend.DownstreamErrorf("%s: more than %d pages in one window; the API keeps returning full pages", p.ID(), maxPagesPerWindow)
}

// fetchWindow pages one window to its end.
func (f *Fetcher) fetchWindow(ctx context.Context, p providers.Provider, r providers.Request, res *Result) (windowResult, error) {
	if _, ok := p.(providers.Unpaged); ok {
		return f.fetchUnpaged(ctx, p, r, res)
	}
	var request string
	read := f.readSplitting // a cursor: split when slots would be idle
	if _, ok := p.(providers.Seeker); ok {
		read = f.readPages // offsets: live windows page in order, settled ones in spans
	}
	pages, err := read(ctx, p, r, res, &request)
	if err != nil {
		return windowResult{}, err
	}
	return f.joinWindow(ctx, p, r, pages, request, res)
}

// samePage is the error for a next link the window already followed.
func samePage(p providers.Provider) error {
	return backend.DownstreamErrorf("%s: the API returned the same next page twice; stopping to avoid a loop", p.ID())
}

// readPages reads the pages of one window one after another.
func (f *Fetcher) readPages(ctx context.Context, p providers.Provider, r providers.Request, res *Result, request *string) ([]providers.Page, error) {
	var pages []providers.Page
	seen := map[string]bool{"": true}
	cursor := ""
	for {
		if len(pages) >= maxPagesPerWindow {
			return nil, tooManyPages(p)
		}
		page, err := f.page(ctx, p, r, cursor, res, request)
		if err != nil {
			return nil, err
		}
		pages = append(pages, page)
		if page.Next == "" {
			return pages, nil
		}
		if seen[page.Next] {
			return nil, samePage(p)
		}
		seen[page.Next] = true
		cursor = page.Next
	}
}

// joinWindow makes a window's result of its pages (see joinPages): the
// times the pages cannot tell are read again on their own, then the
// pushed-down filter applies, and records with the vendor's own ids are
// kept once per id.
func (f *Fetcher) joinWindow(ctx context.Context, p providers.Provider, r providers.Request, pages []providers.Page, request string, res *Result) (windowResult, error) {
	out := windowResult{request: request}
	for _, page := range pages {
		atomic.AddInt64(&res.Records, int64(page.Records))
		out.records += int64(page.Records)
	}
	j := joinPages(pages)
	evs := j.events
	for _, t := range j.ties {
		exact, err := f.tieRead(ctx, p, r, t, res)
		if err != nil {
			return out, err
		}
		evs = replaceAt(evs, t, exact)
	}
	for c := range evs.Chunks() {
		out.events = out.events.Add(r.Filter.Apply(c))
	}
	out.events = events.DedupeList(out.events).Compact()
	return out, nil
}

// tieRead reads the records of one instant of r's window on their own:
// the instant's page (or pages: they are joined as they come, read at
// once) holds each of its records exactly once.
func (f *Fetcher) tieRead(ctx context.Context, p providers.Provider, r providers.Request, t time.Time, res *Result) ([]events.Event, error) {
	tr := r
	tr.Window = providers.Window{From: t, To: t.Add(time.Millisecond)}
	tr.Newest = 0
	pages, err := f.readPages(ctx, p, tr, res, nil)
	if err != nil {
		return nil, err
	}
	var out []events.Event
	for _, page := range pages {
		atomic.AddInt64(&res.Records, int64(page.Records))
		out = append(out, page.Events...)
	}
	return out, nil
}

// page fetches and reads one page. An answer that cannot be read (most
// often a body cut off on the way) is asked for once more before the
// query fails: the page is the same, and a wrong count is worse than one
// extra request.
func (f *Fetcher) page(ctx context.Context, p providers.Provider, r providers.Request, cursor string, res *Result, describe *string) (providers.Page, error) {
	for try := 1; ; try++ {
		body, err := f.Do(ctx, p, func() (*http.Request, error) { return p.NewRequest(ctx, r, cursor) }, res, describe)
		if err != nil {
			return providers.Page{}, err
		}
		page, err := p.ParsePage(body, r, cursor)
		if err == nil {
			return page, nil
		}
		if try >= 2 {
			return providers.Page{}, backend.DownstreamErrorf("%s: cannot read the API's answer (twice): %w", p.ID(), err)
		}
	}
}

// Do sends one request built by build within p's budget, and retries what
// may succeed on a second try: a 429 stops every request of the
// organisation until the vendor's Retry-After or budget reset (else a
// back-off step), and is retried then; a 5xx or a network failure is
// retried after a short capped back-off with jitter, whatever rate headers
// it carries (MaxBackoff, 2 s by default); a short-lived token refused
// with a 401 is refreshed once.
func (f *Fetcher) Do(ctx context.Context, p providers.Provider, build func() (*http.Request, error), res *Result, describe *string) ([]byte, error) {
	attempts := f.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	b := f.Budgets[p.ID()]
	refreshed := false
	for attempt := 1; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		if describe != nil && *describe == "" {
			*describe = Describe(p, req)
		}
		body, hdr, err := f.send(ctx, p, b, req, attempt, res)
		if err == nil {
			return body, nil
		}
		if errors.Is(err, errBudgetSpent) {
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *providers.HTTPError
		isHTTP := errors.As(err, &he)
		if isHTTP && he.Status == http.StatusUnauthorized && !refreshed {
			if tr, ok := p.(providers.TokenRefresher); ok {
				tr.Invalidate(req)
				refreshed = true
				attempt--
				continue
			}
		}
		retryable := (isHTTP && he.Retryable()) || (!isHTTP && isNetworkError(err))
		if !retryable || attempt >= attempts {
			if retryable {
				return nil, fmt.Errorf("%w (gave up after %d tries)", err, attempt)
			}
			return nil, err
		}
		wait := f.backoff(attempt)
		if isHTTP && he.Status == http.StatusTooManyRequests {
			// The whole organisation waits, as long as the vendor said.
			if he.RetryAfter > 0 {
				wait = he.RetryAfter
			} else if a := f.announced(p, hdr); a.Known() {
				wait = a.Reset.Sub(f.Now())
			}
			if b != nil {
				b.Block(f.Now().Add(wait))
				backend.Logger.FromContext(ctx).Debug("vendor call retried", "provider", p.ID(), "try", attempt+1, "afterMs", wait.Milliseconds())
				continue // send waits for the stop to end, with every other request
			}
		} else if isHTTP && he.RetryAfter > 0 {
			wait = min(he.RetryAfter, f.maxBackoff())
		}
		backend.Logger.FromContext(ctx).Debug("vendor call retried", "provider", p.ID(), "try", attempt+1, "afterMs", wait.Milliseconds())
		if err := f.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// errBudgetSpent: a request waited for the budget's reset and the query's
// time ran out first.
var errBudgetSpent = errors.New("request budget is spent")

// send sends one try of a request: after a 429 stop of the organisation
// has ended, within its budget, in a request slot.
func (f *Fetcher) send(ctx context.Context, p providers.Provider, b *budget.Budget, req *http.Request, attempt int, res *Result) ([]byte, http.Header, error) {
	if b != nil {
		if err := f.waitForBudget(ctx, p, b); err != nil {
			return nil, nil, err
		}
	}
	release, err := acquireSlot(ctx)
	if err != nil {
		if b != nil {
			b.Release()
		}
		return nil, nil, err
	}
	if res != nil {
		atomic.AddInt64(&res.Requests, 1)
	}
	body, hdr, err := providers.Do(f.client(), req.WithContext(providers.WithTry(req.Context(), attempt)), p)
	release()
	if b != nil {
		b.Done(f.announced(p, hdr))
	}
	return body, hdr, err
}

// waitForBudget waits, on the engine's clock, until a 429 stop of the
// organisation has ended and its budget lets one more request go. A wait
// that would end after the query's deadline is not waited for: the query
// fails at once, naming the budget.
func (f *Fetcher) waitForBudget(ctx context.Context, p providers.Provider, b *budget.Budget) error {
	for {
		now := f.Now()
		wait := b.Blocked().Sub(now)
		if wait <= 0 {
			if wait = b.Take(ctx, now); wait == 0 {
				return nil
			}
		}
		wait += jitter(250 * time.Millisecond) // not every waiting request at once
		if left, ok := clock.Left(ctx); ok && left < wait {
			l := b.Limit()
			return backend.DownstreamErrorf("%s: its %w (%d requests per %s, %.0f %% kept for the organisation's other API users) for %s more, past the query's time limit",
				p.ID(), errBudgetSpent, l.Requests, l.Window, l.Reserve*100, wait.Round(time.Second))
		}
		if err := f.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// announced reads the budget an answer announces, for vendors that do.
func (f *Fetcher) announced(p providers.Provider, hdr http.Header) budget.Announcement {
	rl, ok := p.(providers.RateLimited)
	if !ok || hdr == nil {
		return budget.Announcement{}
	}
	l, h := rl.RateLimit()
	return h.Read(hdr, f.Now(), l.Window)
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

func (f *Fetcher) maxBackoff() time.Duration {
	if f.MaxBackoff > 0 {
		return f.MaxBackoff
	}
	return DefaultMaxBackoff
}

func (f *Fetcher) backoff(attempt int) time.Duration {
	base, maxB := f.BaseBackoff, f.maxBackoff()
	if base <= 0 {
		base = DefaultBaseBackoff
	}
	d := base << (attempt - 1)
	if d > maxB || d <= 0 {
		d = maxB
	}
	// Full jitter in [d/2, d).
	return d/2 + jitter(d/2)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d))) // #nosec G404 -- retry jitter, not a secret
}

func (f *Fetcher) sleep(ctx context.Context, d time.Duration) error {
	if f.Sleep != nil {
		return f.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isNetworkError: the request may not have reached the vendor, or its
// answer was cut off.
func isNetworkError(err error) bool {
	var ne *providers.NetworkError
	return errors.As(err, &ne)
}

// Describe renders a request for meta.executedQueryString: method, URL
// and JSON body; credentials are in headers and never shown.
func Describe(p providers.Provider, req *http.Request) string {
	s := req.Method + " " + req.URL.String()
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 1024))
			rc.Close()
			if len(bytes.TrimSpace(b)) > 0 {
				s += " " + string(b)
			}
		}
	}
	if r, ok := p.(providers.Redactor); ok {
		s = r.Redact(s)
	}
	return s
}
