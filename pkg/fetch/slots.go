package fetch

import (
	"context"
	"slices"
	"sync"
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
	s.mu.Lock()
	if s.free > 0 && len(s.waiting) == 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := &slotWaiter{prio: prio, ready: make(chan struct{})}
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		if err := ctx.Err(); err != nil {
			s.release() // cancelled while it was granted: pass it on
			return err
		}
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if j := slices.Index(s.waiting, w); j >= 0 {
			s.waiting = slices.Delete(s.waiting, j, j+1)
			s.mu.Unlock()
			return ctx.Err()
		}
		s.mu.Unlock()
		s.release() // granted meanwhile: pass it on
		return ctx.Err()
	}
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

// acquireSlot takes a slot of the Fetch that ctx belongs to, if any, and
// returns its release.
func acquireSlot(ctx context.Context) (func(), error) {
	s, _ := ctx.Value(slotsKey{}).(*slots)
	if s == nil {
		return func() {}, nil
	}
	prio, _ := ctx.Value(priorityKey{}).(func() int)
	if prio == nil {
		prio = fixed(0)
	}
	if err := s.acquire(ctx, prio); err != nil {
		return nil, err
	}
	return s.release, nil
}
