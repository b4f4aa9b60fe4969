package fetch

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Windows of an API without pages (Datafold) come back whole in one
// answer, so a window's size bounds its answer. Windows start as wide as
// the plan makes them (a month of nothing is one request); a window that
// the answers read so far say is dense is split in halves before it is
// asked for, and one whose answer is larger than the plugin reads is
// split and asked for again.

// DefaultUnpagedTarget is the most records an answer of an unpaged API
// should hold (Datafold's are about a kilobyte each: some 20 MB).
const DefaultUnpagedTarget = 20000

func (f *Fetcher) unpagedTarget() float64 {
	if f.UnpagedTarget > 0 {
		return float64(f.UnpagedTarget)
	}
	return DefaultUnpagedTarget
}

// minUnpagedWindow is the narrowest window split further.
const minUnpagedWindow = time.Hour

// density is what the answers of unpaged providers showed: for each, the
// records of the last windows read (time-local: a busy week and the empty
// years before it are different places).
type density struct {
	mu     sync.Mutex
	byProv map[string][]sample
}

type sample struct {
	w       providers.Window
	perHour float64
}

// maxSamples bounds what is kept per provider.
const maxSamples = 256

// of is the density to expect in w: the densest answer read within one
// window's length of it; with none, for a window of a week or less, the
// densest read anywhere (a busy week's windows, read at once, learn from
// the first; a long window far from what was read is asked for whole, as
// years of nothing are, and split if its answer is too large).
func (d *density) of(id string, w providers.Window) float64 {
	span := w.To.Sub(w.From)
	lo, hi := w.From.Add(-span), w.To.Add(span)
	d.mu.Lock()
	defer d.mu.Unlock()
	near, anywhere := 0.0, 0.0
	for _, s := range d.byProv[id] {
		anywhere = max(anywhere, s.perHour)
		if s.w.From.Before(hi) && s.w.To.After(lo) {
			near = max(near, s.perHour)
		}
	}
	if near == 0 && span <= 7*day {
		return anywhere
	}
	return near
}

func (d *density) saw(id string, w providers.Window, records int) {
	span := w.To.Sub(w.From)
	if span <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byProv == nil {
		d.byProv = map[string][]sample{}
	}
	s := append(d.byProv[id], sample{w, float64(records) / span.Hours()})
	if len(s) > maxSamples {
		s = s[len(s)-maxSamples:]
	}
	d.byProv[id] = s
}

// fetchUnpaged reads one window of an unpaged provider, in halves where
// its answers would be too large.
func (f *Fetcher) fetchUnpaged(ctx context.Context, p providers.Provider, r providers.Request, res *Result) (windowResult, error) {
	span := r.To.Sub(r.From)
	if span > minUnpagedWindow && f.density.of(p.ID(), r.Window)*span.Hours() > f.unpagedTarget() {
		return f.halves(ctx, p, r, res)
	}
	var request string
	page, err := f.page(ctx, p, r, "", res, &request)
	if errors.Is(err, providers.ErrTooLarge) && span > minUnpagedWindow {
		f.density.saw(p.ID(), r.Window, int(2*f.unpagedTarget())) // more than it holds, at least
		return f.halves(ctx, p, r, res)
	}
	if err != nil {
		return windowResult{}, err
	}
	f.density.saw(p.ID(), r.Window, page.Records)
	return f.joinWindow(ctx, p, r, []providers.Page{page}, request, res)
}

// halves reads the two halves of a window at once, the newer first in
// the result.
func (f *Fetcher) halves(ctx context.Context, p providers.Provider, r providers.Request, res *Result) (windowResult, error) {
	mid := r.From.Add(r.To.Sub(r.From) / 2)
	older, newer := r, r
	older.To, newer.From = mid, mid
	var wg sync.WaitGroup
	var o windowResult
	var oerr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		o, oerr = f.fetchUnpaged(ctx, p, older, res)
	}()
	n, nerr := f.fetchUnpaged(ctx, p, newer, res)
	wg.Wait()
	if err := errors.Join(nerr, oerr); err != nil {
		return windowResult{}, err
	}
	return windowResult{events: events.ListOf().Concat(n.events).Concat(o.events), records: n.records + o.records, request: n.request}, nil
}
