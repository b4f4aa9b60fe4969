package fetch

import (
	"context"
	"fmt"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
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
func (f *Fetcher) fetchSeek(ctx context.Context, p providers.Provider, s providers.Seeker, r providers.Request, res *Result, ahead int, longestFirst bool) (windowResult, error) {
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
	)
	defer func() {
		for _, c := range cancels {
			c()
		}
		for range inflight {
			<-answers
		}
	}()
	prio := 1 << 30 // first pages: before any page of a window already begun
	ask := func(k int) {
		pctx, cancel := context.WithCancel(ctx)
		if longestFirst {
			pctx = context.WithValue(pctx, priorityKey{}, prio)
		}
		cancels = append(cancels, cancel)
		pages, errs, got = append(pages, providers.Page{}), append(errs, nil), append(got, false)
		var describe *string
		if k == 0 {
			describe = &out.request
		}
		inflight++
		go func() {
			page, err := f.page(pctx, p, r, s.PageCursor(r, k), res, describe)
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
		left := pagesLeft(r.Window, pages[:full])
		// Half of what seems left is asked for ahead: density changes
		// over the day (a window's far end may be night), a page past the
		// window's end is a wasted request, and near the end the estimate
		// is remade after every page.
		want := full + max(1, min(ahead, int(left/2)))
		if longestFirst {
			prio = int(left)
		}
		if want > maxPagesPerWindow {
			return out, fmt.Errorf("%s: more than %d pages in one window; the API keeps returning full pages", p.ID(), maxPagesPerWindow)
		}
		for len(pages) < want {
			ask(len(pages))
		}
	}
	if end < 0 { // unreachable: the loop ends on a short page or an error
		return out, fmt.Errorf("%s: paging stopped before the window's last page", p.ID())
	}
	for _, page := range pages[:end+1] {
		out.add(page, r.Filter, res)
	}
	out.events = events.DedupeList(out.events).Compact()
	return out, nil
}

// pagesLeft estimates how many more pages window w holds after the full
// pages read (0: it cannot tell). Each page covers the time from the
// previous page's last event to its own; the pages to come are taken to
// cover as much time each as the last few did.
func pagesLeft(w providers.Window, read []providers.Page) float64 {
	if len(read) == 0 || len(read[0].Events) < 2 {
		return 0
	}
	first, last := read[0].Events[0].Time, read[0].Events[len(read[0].Events)-1].Time
	var start, stop time.Time // where the vendor's order starts and ends
	switch {
	case first.After(last): // newest first
		start, stop = w.To, w.From
	case first.Before(last): // oldest first
		start, stop = w.From, w.To
	default:
		return 0
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
	per := b.Sub(a).Abs() / time.Duration(m)
	if !ok1 || !ok2 || per <= 0 {
		return 0
	}
	return min(float64(stop.Sub(b).Abs())/float64(per), maxPagesPerWindow)
}
