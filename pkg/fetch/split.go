package fetch

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Splitting a window read through a cursor.
//
// A cursor is followed one page after another, so a window of an API that
// pages by cursor (ThousandEyes) is read at one request at a time. While
// other windows keep the request slots busy that costs nothing; at the end
// of a query, the last dense windows would be read alone with slots idle.
// Then a window's reader hands the older half of what it still has to read
// to a new reader of its own (by time: the window's records are newest
// first, and the pages read so far tell the density): it stops once its
// pages pass the split time, and the new reader reads the time below it
// from its own first page. The two parts never overlap, and either may
// split again.

// readers counts a Fetch's window readers: those reading, and the windows
// waiting for a worker. Fewer than the request slots means idle slots.
type readers struct {
	slots  int
	active atomic.Int32
	queued func() int
}

type readersKey struct{}

// spare reports whether a reader more would find a request slot idle.
func (r *readers) spare() bool {
	return r != nil && int(r.active.Load())+r.queued() < r.slots
}

// minSplitPages is the fewest pages a reader must seem to have left, on
// each side of a split: every reader ends on a short page, a request more.
const minSplitPages = 3

// split is one part handed to a new reader.
type split struct {
	done  chan struct{}
	pages []providers.Page
	err   error
}

// readSplitting reads window r page after page through its cursor, handing
// the older part of the rest to a new reader whenever request slots would
// be idle (see above). The pages come back in the vendor's order: the
// reader's own, then each part's, newest first.
func (f *Fetcher) readSplitting(ctx context.Context, p providers.Provider, r providers.Request, res *Result, request *string) ([]providers.Page, error) {
	rs, _ := ctx.Value(readersKey{}).(*readers)
	floor := r.From // the reader keeps the records at or after floor
	var pages []providers.Page
	var parts []*split // newest first
	defer func() {
		for _, s := range parts {
			<-s.done
		}
	}()
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
		request = nil
		page.Events = atOrAfter(page.Events, floor)
		pages = append(pages, page)
		last, ordered := lastNewestFirst(pages)
		if page.Next == "" || (ordered && last.Before(floor)) {
			break
		}
		if seen[page.Next] {
			return nil, samePage(p)
		}
		seen[page.Next] = true
		cursor = page.Next
		if ordered && rs.spare() && f.roomToSplit(p) {
			if mid, ok := splitTime(pages, r.To, floor, last); ok {
				s := &split{done: make(chan struct{})}
				parts = append([]*split{s}, parts...)
				sub := r
				sub.Window = providers.Window{From: floor, To: mid}
				floor = mid
				rs.active.Add(1)
				go func() {
					defer close(s.done)
					defer rs.active.Add(-1)
					s.pages, s.err = f.readSplitting(ctx, p, sub, res, nil)
				}()
			}
		}
	}
	for _, s := range parts {
		<-s.done
		if s.err != nil {
			return nil, s.err
		}
		pages = append(pages, s.pages...)
	}
	parts = nil
	return pages, nil
}

// roomToSplit: a split costs a request more (each reader ends on a short
// page); with a vendor's budget below a quarter of its window left, that
// request could be the one that waits for the reset.
func (f *Fetcher) roomToSplit(p providers.Provider) bool {
	b := f.Budgets[p.ID()]
	if b == nil {
		return true
	}
	left := b.Left(f.Now())
	return left < 0 || left >= b.Limit().Requests/4
}

// atOrAfter keeps the events at or after t (the rest is a split part's).
func atOrAfter(evs []events.Event, t time.Time) []events.Event {
	n := len(evs)
	for n > 0 && evs[n-1].Time.Before(t) {
		n--
	}
	if n == len(evs) {
		return evs
	}
	kept := make([]events.Event, 0, n)
	for _, e := range evs {
		if !e.Time.Before(t) {
			kept = append(kept, e)
		}
	}
	return kept
}

// lastNewestFirst is the time of the last event read, and whether the
// pages read so far are newest first (the only order a reader splits).
func lastNewestFirst(pages []providers.Page) (time.Time, bool) {
	var first, last *events.Event
	for i := range pages {
		evs := pages[i].Events
		if len(evs) == 0 {
			continue
		}
		if first == nil {
			first = &evs[0]
		}
		last = &evs[len(evs)-1]
	}
	if first == nil || !last.Time.Before(first.Time) {
		return time.Time{}, false
	}
	return last.Time, true
}

// splitTime is where to split what a reader still has to read, [floor,
// last]: the middle of the pages that seem to be left at the density read
// so far, when each half would hold at least minSplitPages.
func splitTime(pages []providers.Page, top, floor, last time.Time) (time.Time, bool) {
	covered := top.Sub(last)
	left := last.Sub(floor)
	if covered <= 0 || left <= 0 {
		return time.Time{}, false
	}
	pagesLeft := float64(len(pages)) * float64(left) / float64(covered)
	if pagesLeft < 2*minSplitPages {
		return time.Time{}, false
	}
	mid := floor.Add(left / 2)
	return mid, mid.After(floor) && mid.Before(last)
}

// reading counts a window read among a Fetch's readers until the returned
// func is called.
func (r *readers) reading() func() {
	if r == nil {
		return func() {}
	}
	r.active.Add(1)
	var once sync.Once
	return func() { once.Do(func() { r.active.Add(-1) }) }
}
