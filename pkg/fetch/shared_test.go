package fetch

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/providers"
)

// memShared is a Shared in memory: replicas in one test.
type memShared struct {
	mu     sync.Mutex
	values map[string][]byte
	locks  map[string]bool
}

func newMemShared() *memShared {
	return &memShared{values: map[string][]byte{}, locks: map[string]bool{}}
}

func (m *memShared) Get(_ context.Context, key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	return v, ok
}

func (m *memShared) Put(_ context.Context, key string, value []byte, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[key] = value
}

func (m *memShared) Lock(_ context.Context, key string, _ time.Duration) (func(), bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.locks[key] {
		return nil, false
	}
	m.locks[key] = true
	return func() {
		m.mu.Lock()
		delete(m.locks, key)
		m.mu.Unlock()
	}, true
}

// A replica that holds a 2-day range's larger windows serves a 6-hour
// panel's span from them: each piece clipped to itself, so no event is
// counted once per piece (the cache answers a piece with the larger
// window that holds it).
func TestASpanServedFromLargerCachedWindowsCountsEachEventOnce(t *testing.T) {
	srv, _ := domoServerEvery(t, 4000, 50*time.Second) // about 55 hours of events
	now := t0.Add(60 * time.Hour)
	f := &Fetcher{Client: srv.Client(), Cache: NewCache(64<<20, time.Hour), Shared: newMemShared(), Clock: func() time.Time { return now }}
	p := domo(t, srv.URL)
	wide := providers.Request{Window: providers.Window{From: t0, To: t0.Add(48 * time.Hour)}}
	if _, err := f.Fetch(context.Background(), p, wide); err != nil {
		t.Fatal(err)
	}
	narrow := providers.Request{Window: providers.Window{From: t0.Add(24 * time.Hour), To: t0.Add(30 * time.Hour)}}
	got, err := f.Fetch(context.Background(), p, narrow)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := range 4000 {
		if at := t0.Add(time.Duration(i) * 50 * time.Second); !at.Before(narrow.From) && at.Before(narrow.To) {
			want++
		}
	}
	if got.Events.Len() != want || got.Requests != 0 {
		t.Fatalf("%d events with %d requests, want %d from the cache", got.Events.Len(), got.Requests, want)
	}
}

// A live window is shared for its exact range only: a replica whose range
// ends a minute later takes the settled hours from the shared store and
// reads the live hour itself.
func TestTheLiveEdgeIsNeverAnsweredWithItsSettledPiecesAlone(t *testing.T) {
	srv, _ := domoServerEvery(t, 20000, 10*time.Second) // events every 10 s for 55 hours
	now := t0.Add(50*time.Hour + 20*time.Minute)
	shared := newMemShared()
	replica := func() *Fetcher {
		return &Fetcher{Client: srv.Client(), Cache: NewCache(64<<20, time.Hour), Shared: shared, Clock: func() time.Time { return now }}
	}
	p := domo(t, srv.URL)
	count := func(w providers.Window) int {
		n := 0
		for i := range 20000 {
			if at := t0.Add(time.Duration(i) * 10 * time.Second); !at.Before(w.From) && at.Before(w.To) {
				n++
			}
		}
		return n
	}
	first := providers.Window{From: now.Add(-48 * time.Hour), To: now}
	if got, err := replica().Fetch(context.Background(), p, providers.Request{Window: first}); err != nil || got.Events.Len() != count(first) {
		t.Fatalf("first replica: %v, %d events, want %d", err, got.Events.Len(), count(first))
	}
	later := providers.Window{From: first.From, To: now.Add(time.Minute)}
	got, err := replica().Fetch(context.Background(), p, providers.Request{Window: later})
	if err != nil || got.Events.Len() != count(later) || got.Requests == 0 {
		t.Fatalf("second replica: %v, %d events with %d requests, want %d (the live hour read)", err, got.Events.Len(), got.Requests, count(later))
	}
}
