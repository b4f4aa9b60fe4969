package fetch

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// slots bounds the requests of one Fetch in flight. A freed slot goes to
// the waiting request of highest priority at that moment (ties: the one
// that came first): a priority is a function, so that a page whose window
// has grown more urgent since it was asked for is served accordingly.
//
// Windows are served newest first (the newest events are what users look
// at and what a row limit keeps: a window that reads several pages at once
// fills the slots before an older one does, so that windows finish one
// after another and a row limit can stop the older ones). Where every
// event is read (counts, or a row limit that the spans show to be far
// away), a span's pages are served by the time the span still has to read
// after them, the most first: longest first, so that no span is left alone
// at the end with few pages in flight, and within a span the page it waits
// for first (see spanRead).
type slots struct {
	mu      sync.Mutex
	free    int
	waiting []*slotWaiter // in the order they came
}

type slotWaiter struct {
	prio  func() int
	ready chan struct{}
}

// slotsKey carries a Fetch's slots, and priorityKey the priority of a
// request (a func() int), to the requests (through the context).
type (
	slotsKey    struct{}
	priorityKey struct{}
)

func newSlots(n int) *slots { return &slots{free: n} }

// fixed is a priority that does not change.
func fixed(p int) func() int { return func() int { return p } }

// acquire waits for a slot; a higher prio is served first.
func (s *slots) acquire(ctx context.Context, prio func() int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.wait(ctx, s.reserve(prio))
}

// reserve puts a request in line for a slot at once, without waiting:
// requests reserved one after another are in line in that order, whenever
// the goroutines that send them run.
func (s *slots) reserve(prio func() int) *slotWaiter {
	w := &slotWaiter{prio: prio, ready: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.free > 0 && len(s.waiting) == 0 {
		s.free--
		close(w.ready)
		return w
	}
	s.waiting = append(s.waiting, w)
	return w
}

// wait waits until w is granted its slot; on ctx's end it gives up its
// place or its slot.
func (s *slots) wait(ctx context.Context, w *slotWaiter) error {
	select {
	case <-w.ready:
		if err := stopped(ctx); err != nil {
			s.release() // cancelled while it was granted: pass it on
			return err
		}
		return nil
	case <-ctx.Done():
		s.cancel(w)
		return ctx.Err()
	}
}

// cancel gives up w's place in line, or its slot if it was granted.
func (s *slots) cancel(w *slotWaiter) {
	s.mu.Lock()
	if j := slices.Index(s.waiting, w); j >= 0 {
		s.waiting = slices.Delete(s.waiting, j, j+1)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.release() // granted meanwhile: pass it on
}

// release frees a slot, or hands it to the waiter of highest priority.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) == 0 {
		s.free++
		return
	}
	best, top := 0, s.waiting[0].prio()
	for j, w := range s.waiting[1:] {
		if p := w.prio(); p > top {
			best, top = j+1, p
		}
	}
	w := s.waiting[best]
	s.waiting = slices.Delete(s.waiting, best, best+1)
	close(w.ready)
}

// wantedKey carries a func() bool that reports whether anyone still waits
// for the shared fetch a request belongs to (see Fetcher.share).
type wantedKey struct{}

// stopped is ctx's error, or context.Canceled once nobody waits for the
// shared fetch ctx belongs to. Its context learns that a moment later
// (the last caller's goroutine cancels it); meanwhile a slot freed by
// another fetch of the same query, cancelled first, must not start a
// request.
func stopped(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if wanted, _ := ctx.Value(wantedKey{}).(func() bool); wanted != nil && !wanted() {
		return context.Canceled
	}
	return nil
}

// reservation is a place in line reserved for a request before its
// goroutine runs (see reserve); its first attempt takes it.
type reservation struct {
	s    *slots
	w    *slotWaiter
	used atomic.Bool
}

// reservationKey carries a *reservation to the request (through the
// context).
type reservationKey struct{}

// reserveSlot reserves a place in line for the request that ctx will
// carry, if ctx belongs to a Fetch. The returned context carries it; drop
// must run once the request is done, to free a place it never took.
func reserveSlot(ctx context.Context) (context.Context, func()) {
	s, _ := ctx.Value(slotsKey{}).(*slots)
	if s == nil {
		return ctx, func() {}
	}
	r := &reservation{s: s, w: s.reserve(priorityOf(ctx))}
	return context.WithValue(ctx, reservationKey{}, r), func() {
		if r.used.CompareAndSwap(false, true) {
			r.s.cancel(r.w)
		}
	}
}

// acquireSlot takes a slot of the Fetch that ctx belongs to, if any (the
// place reserved for it, the first time), and returns its release.
func acquireSlot(ctx context.Context) (func(), error) {
	s, _ := ctx.Value(slotsKey{}).(*slots)
	if s == nil {
		return func() {}, nil
	}
	if r, _ := ctx.Value(reservationKey{}).(*reservation); r != nil && r.s == s && r.used.CompareAndSwap(false, true) {
		if err := s.wait(ctx, r.w); err != nil {
			return nil, err
		}
		return s.release, nil
	}
	if err := s.acquire(ctx, priorityOf(ctx)); err != nil {
		return nil, err
	}
	return s.release, nil
}

// priorityOf is the priority ctx carries (0 if none).
func priorityOf(ctx context.Context) func() int {
	if prio, _ := ctx.Value(priorityKey{}).(func() int); prio != nil {
		return prio
	}
	return fixed(0)
}
