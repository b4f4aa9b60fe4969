package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/auditlens/auditlog/internal/httpstatus"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// meter sits between the engine and the simulator, on the simulator's side
// of the wire: it records when every vendor request arrived and how it was
// answered, per provider (the Domo platform's token requests included).
type meter struct {
	sim *vendorsim.Sim

	mu       sync.Mutex
	arrivals map[string][]time.Time // in arrival order
	statuses map[string]map[int]int
}

func newMeter(sim *vendorsim.Sim) *meter {
	return &meter{sim: sim, arrivals: map[string][]time.Time{}, statuses: map[string]map[int]int{}}
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := m.sim.ProviderOf(r.URL.Path)
	if id == "" {
		m.sim.ServeHTTP(w, r)
		return
	}
	m.mu.Lock()
	m.arrivals[id] = append(m.arrivals[id], time.Now())
	m.mu.Unlock()
	sw := &httpstatus.Recorder{ResponseWriter: w}
	m.sim.ServeHTTP(sw, r)
	if sw.Status == 0 {
		sw.Status = 499 // the client went away before an answer
	}
	m.mu.Lock()
	if m.statuses[id] == nil {
		m.statuses[id] = map[int]int{}
	}
	m.statuses[id][sw.Status]++
	m.mu.Unlock()
}

// providerLoad is what one provider's API saw.
type providerLoad struct {
	requests int
	// peak is the most requests that arrived within any 60 seconds.
	peak    int
	peakAt  time.Time // start of that minute
	status  map[int]int
	limited int // 429 answers
}

func (m *meter) load(id string) providerLoad {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.arrivals[id]
	l := providerLoad{requests: len(ts), status: map[int]int{}}
	for k, v := range m.statuses[id] {
		l.status[k] = v
	}
	l.limited = l.status[http.StatusTooManyRequests]
	l.peak, l.peakAt = peakPerMinute(ts)
	return l
}

// peakPerMinute is the largest number of times within any window
// [t, t+60s), t one of the times (sorted ascending), and that window's start.
func peakPerMinute(ts []time.Time) (int, time.Time) {
	best, at := 0, time.Time{}
	j := 0
	for i := range ts {
		for j < len(ts) && ts[j].Sub(ts[i]) < time.Minute {
			j++
		}
		if n := j - i; n > best {
			best, at = n, ts[i]
		}
	}
	return best, at
}
