package fetch

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/providers"
)

// fetchSeek reads one settled window of an offset-paged provider, several
// pages at a time. How many pages are asked for ahead follows from the
// time the pages read so far covered: the remaining part of the window is
// taken to be as dense as the last pages. The vendor's order is observed,
// not assumed; where the pages show none, they are read one at a time.
// The result is what fetchWindow would return: the pages up to the first
// short one, in order. A page asked for beyond it is dropped (its answer,
// or its error: an API may reject an offset past the end).
//
// Only settled windows are read this way: events arriving while a window
// is read would shift the pages under offsets asked for out of order.
//
// Its requests wait for a slot newest window first (the context's
// priority), the page the span needs first before later ones, until order
// says that the spans may be read longest first (see slots).
func (f *Fetcher) fetchSeek(ctx context.Context, p providers.Provider, s providers.Seeker, r providers.Request, res *Result, ahead int, order *readOrder) (windowResult, error) {
	type answer struct {
		k    int
		page providers.Page
		err  error
	}
	var (
		out      windowResult
		answers  = make(chan answer)
		pages    []providers.Page
		errs     []error
		got      []bool
		cancels  []context.CancelFunc
		full     = 0  // pages 0..full-1 are read and full
		end      = -1 // the first short page, once read
		inflight = 0
		// How far the span has been read, for the priority of its
		// requests, which is read while they wait.
		read atomic.Pointer[spanRead]
	)
	newest, _ := ctx.Value(priorityKey{}).(func() int)
	if newest == nil {
		newest = fixed(0)
	}
	prio := func(k int) func() int {
		return func() int {
			switch {
			case !order.longestFirst():
				return newest() - k
			case k == 0:
				return 1 << 30 // before any page of a span already begun
			}
			return read.Load().after(k)
		}
	}
	defer func() {
		for _, c := range cancels {
			c()
		}
		for range inflight {
			<-answers
		}
	}()
	ask := func(k int) {
		pctx, cancel := context.WithCancel(context.WithValue(ctx, priorityKey{}, prio(k)))
		cancels = append(cancels, cancel)
		pages, errs, got = append(pages, providers.Page{}), append(errs, nil), append(got, false)
		var describe *string
		if k == 0 {
			describe = &out.request
		}
		inflight++
		// In line for a slot now, in page order: goroutines started
		// together need not run in the order they were started.
		pctx, drop := reserveSlot(pctx)
		go func() {
			page, err := f.page(pctx, p, r, s.PageCursor(r, k), res, describe)
			drop()
			answers <- answer{k, page, err}
		}()
	}
	ask(0)
	for inflight > 0 {
		a := <-answers
		inflight--
		pages[a.k], errs[a.k], got[a.k] = a.page, a.err, true
		if a.err == nil && a.page.Next == "" && (end < 0 || a.k < end) {
			end = a.k
			for _, c := range cancels[end+1:] {
				c() // not needed: the window ends before them
			}
		}
		for full < len(pages) && got[full] && errs[full] == nil && full != end {
			full++
		}
		if full < len(pages) && got[full] && errs[full] != nil {
			return out, errs[full] // a page the window needs failed
		}
		if end >= 0 {
			continue
		}
		rem, per, ok := progress(r.Window, pages[:full])
		left := 0.0 // pages; 0: unknown
		if ok {
			left = min(float64(rem)/float64(per), maxPagesPerWindow)
			order.seems(r.Window, full*len(pages[0].Events), r.Window.To.Sub(r.Window.From)-rem)
		}
		want := full + pagesAhead(left, ahead)
		read.Store(&spanRead{full: full, rem: rem, per: per})
		if want > maxPagesPerWindow {
			return out, tooManyPages(p)
		}
		for len(pages) < want {
			ask(len(pages))
		}
	}
	if end < 0 { // unreachable: the loop ends on a short page or an error
		return out, fmt.Errorf("%s: paging stopped before the window's last page", p.ID())
	}
	return f.joinWindow(ctx, p, r, pages[:end+1], out.request, res)
}

// spanRead is how far a span has been read: its full pages, the time
// still to read and the time the last pages covered each.
type spanRead struct {
	full     int
	rem, per time.Duration
}

// after is the priority of page k of a span being read longest first: the
// span's time still to read after it (in milliseconds; a span is at most
// a week), as the last pages suggest. Time, not pages, is compared across
// spans: a page's density says little of the rest of a span, which holds
// nights and days, but every span's time holds both alike.
func (s *spanRead) after(k int) int {
	if s == nil {
		return 0
	}
	return int((s.rem - time.Duration(k-s.full)*s.per).Milliseconds())
}

// readOrder decides when the spans of a query with a row limit may be
// read longest first rather than newest first: once the pages read,
// scaled to the whole range, suggest less than three quarters of the
// limit. Then no event is left out, so the order does not change what is
// read, and longest first leaves no span alone at the end with few pages
// in flight. A nil readOrder (no row limit) always reads longest first.
type readOrder struct {
	limit int
	whole time.Duration
	mu    sync.Mutex
	read  map[providers.Window]spanSample // what each span begun has read
	far   atomic.Bool
}

// spanSample is the events read in a span and the time they covered.
type spanSample struct {
	events  int
	covered time.Duration
}

func newReadOrder(limit int, whole time.Duration) *readOrder {
	if limit <= 0 {
		return nil
	}
	return &readOrder{limit: limit, whole: whole, read: map[providers.Window]spanSample{}}
}

// longestFirst reports whether spans may be read longest first.
func (o *readOrder) longestFirst() bool { return o == nil || o.far.Load() }

// seems records that span w has read n events over the time covered.
func (o *readOrder) seems(w providers.Window, n int, covered time.Duration) {
	if o == nil || o.far.Load() || covered <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.read[w] = spanSample{n, covered}
	var all spanSample
	for _, s := range o.read {
		all.events += s.events
		all.covered += s.covered
	}
	o.far.Store(float64(all.events)*float64(o.whole)/float64(all.covered) < 0.75*float64(o.limit))
}

// pagesAhead is how many pages to have asked for beyond the full pages
// read, when left more seem to follow (at most ahead): the next page is
// always needed (the last one read was full), and each further page once
// the estimate reaches half a page into it. A page past the window's end
// is a wasted request, but one asked for too late costs a round trip; the
// half page covers how density changes from one page to the next, and
// near the end the estimate is remade after every page.
func pagesAhead(left float64, ahead int) int {
	n := 1
	for n < ahead && left >= float64(n)+0.5 {
		n++
	}
	return n
}

// progress tells, from the full pages read of window w, how much of its
// time is still to be read (rem) and how much time the last few pages
// covered each (per). Each page covers the time from the previous page's
// last event to its own. ok is false when the pages show no order (or
// cover no time).
func progress(w providers.Window, read []providers.Page) (rem, per time.Duration, ok bool) {
	if len(read) == 0 || len(read[0].Events) < 2 {
		return 0, 0, false
	}
	first, last := read[0].Events[0].Time, read[0].Events[len(read[0].Events)-1].Time
	var start, stop time.Time // where the vendor's order starts and ends
	switch {
	case first.After(last): // newest first
		start, stop = w.To, w.From
	case first.Before(last): // oldest first
		start, stop = w.From, w.To
	default:
		return 0, 0, false
	}
	edge := func(j int) (time.Time, bool) { // the last event of page j
		if j < 0 {
			return start, true
		}
		evs := read[j].Events
		if len(evs) == 0 {
			return time.Time{}, false
		}
		return evs[len(evs)-1].Time, true
	}
	n := len(read)
	m := min(n, 3)
	a, ok1 := edge(n - 1 - m)
	b, ok2 := edge(n - 1)
	per = b.Sub(a).Abs() / time.Duration(m)
	if !ok1 || !ok2 || per <= 0 {
		return 0, 0, false
	}
	return stop.Sub(b).Abs(), per, true
}
