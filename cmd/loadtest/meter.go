package main

import (
	"net/http"
	"sync"
	"time"

	"github.com/auditlens/auditlog/internal/httpstatus"
	"github.com/auditlens/auditlog/pkg/clock"
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
	// The plugin's clock, which the simulator's rate-limit minutes are on.
	m.arrivals[id] = append(m.arrivals[id], clock.Now())
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
	peak   int
	peakAt time.Time // start of that minute
	// minutePeak is the most requests within one minute of the clock (the
	// windows the simulator, like ThousandEyes, counts its limit in).
	minutePeak int
	status     map[int]int
	limited    int // 429 answers
	// cold is the requests before every panel's first load was answered.
	cold int
}

// load is what provider id's API saw; cold counts the requests that
// arrived before coldEnd (zero: none).
func (m *meter) load(id string, coldEnd time.Time) providerLoad {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.arrivals[id]
	l := providerLoad{requests: len(ts), status: map[int]int{}}
	for _, t := range ts {
		if t.Before(coldEnd) {
			l.cold++
		}
	}
	for k, v := range m.statuses[id] {
		l.status[k] = v
	}
	l.limited = l.status[http.StatusTooManyRequests]
	l.peak, l.peakAt = peakPerMinute(ts)
	l.minutePeak = peakPerClockMinute(ts)
	return l
}

// peakPerClockMinute is the largest number of times within one minute of
// the clock ([hh:mm:00, hh:mm+1:00)).
func peakPerClockMinute(ts []time.Time) int {
	per := map[int64]int{}
	best := 0
	for _, t := range ts {
		m := t.Unix() / 60
		per[m]++
		best = max(best, per[m])
	}
	return best
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
