package fetch

import (
	"context"
	"slices"
	"sync"
)

// slots bounds the requests of one Fetch in flight. Requests waiting for a
// slot are served highest priority first, then in the order they came.
// The priority is the window's place, newest first (the newest events are
// what users look at and what a row limit keeps: a window that reads
// several pages at once fills the slots before an older one does, so that
// windows finish one after another and a row limit can stop the older
// ones), or for counts, which read everything, the pages a span still
// seems to hold (the longest first, so that none is left alone at the end
// with few pages in flight).
type slots struct {
	mu      sync.Mutex
	free    int
	waiting []*slotWaiter // highest priority first
}

type slotWaiter struct {
	prio  int
	ready chan struct{}
}

// slotsKey carries a Fetch's slots, and priorityKey the priority of a
// window's requests, to the requests (through the context).
type (
	slotsKey    struct{}
	priorityKey struct{}
)

func newSlots(n int) *slots { return &slots{free: n} }

// acquire waits for a slot; a higher prio is served first.
func (s *slots) acquire(ctx context.Context, prio int) error {
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
	i := len(s.waiting)
	for i > 0 && s.waiting[i-1].prio < prio {
		i--
	}
	s.waiting = slices.Insert(s.waiting, i, w)
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

// release frees a slot, or hands it to the first waiter.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) > 0 {
		w := s.waiting[0]
		s.waiting = slices.Delete(s.waiting, 0, 1)
		close(w.ready)
		return
	}
	s.free++
}

// acquireSlot takes a slot of the Fetch that ctx belongs to, if any, and
// returns its release.
func acquireSlot(ctx context.Context) (func(), error) {
	s, _ := ctx.Value(slotsKey{}).(*slots)
	if s == nil {
		return func() {}, nil
	}
	prio, _ := ctx.Value(priorityKey{}).(int)
	if err := s.acquire(ctx, prio); err != nil {
		return nil, err
	}
	return s.release, nil
}
