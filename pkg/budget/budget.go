// Package budget is the request budget of one vendor organisation: what the
// vendor announces on its answers (how many requests a window allows, how
// many are left, when the window resets), less a reserve kept for the
// organisation's other API users.
//
// Requests go out at full speed while the budget covers them; once the
// budget (minus the reserve) is spent, they wait for the window's reset.
// A 429 stops every request of the organisation (Block) until the reset
// or the vendor's Retry-After. Vendors that announce nothing and document
// no limit run at full speed and only the 429 stop applies.
//
// One Budget is shared by every data source and query of the process that
// spends the same organisation's requests (For); with a Store (Redis) it is
// shared by every Grafana replica too.
package budget

import (
	"context"
	"sync"
	"time"
)

// Announcement is what one answer said of the budget.
type Announcement struct {
	Limit, Remaining int
	// Reset is when the window resets, on the plugin's clock.
	Reset time.Time
}

// Known reports whether the answer announced a budget.
func (a Announcement) Known() bool { return a.Limit > 0 && !a.Reset.IsZero() }

// Limit is what is known of a budget before any answer: the documented
// requests per window (0: none documented), or a rate the admin set.
type Limit struct {
	Requests int
	Window   time.Duration
	// Reserve is the share of each window left to the organisation's other
	// API users (0.1 = 10 %).
	Reserve float64
}

// Budget is one organisation's request budget.
type Budget struct {
	key   string
	limit Limit
	store Store // nil: this process only

	mu        sync.Mutex
	requests  int       // per window (documented, set, or announced)
	remaining int       // the estimate for the current window
	resetAt   time.Time // end of the current window
	announced bool      // resetAt is the vendor's, not an estimate
	inFlight  int       // taken and not yet answered
	blocked   time.Time // after a 429: nothing goes out before
	stats     Stats
}

// Stats count what the budget did, for the query inspector and tests.
type Stats struct {
	// Taken requests; Waits: times a request was told to wait for the
	// reset; RateLimited: 429 answers.
	Taken, Waits, RateLimited int
}

// New returns a budget for one organisation (key) with what is known of
// its limit.
func New(key string, l Limit, store Store) *Budget {
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	return &Budget{key: key, limit: l, store: store, requests: l.Requests}
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Budget{}
)

// For returns the process's budget for key, made with l and store on first
// use: data sources that share an organisation's credentials share its
// budget. A later call with another limit or store replaces it (the
// settings changed).
func For(key string, l Limit, store Store) *Budget {
	registryMu.Lock()
	defer registryMu.Unlock()
	if b := registry[key]; b != nil && b.limit == l && b.store == store {
		return b
	}
	b := New(key, l, store)
	registry[key] = b
	return b
}

// Limit is the budget's current limit: requests per window (documented,
// set or announced) and the reserve.
func (b *Budget) Limit() Limit {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.limit
	l.Requests = b.requests
	return l
}

// Left is how many requests the budget lets go at now before it waits
// for the reset (-1: no limit).
func (b *Budget) Left(now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.requests <= 0 {
		return -1
	}
	b.rollLocked(now)
	return max(b.remaining-b.reserve(), 0)
}

// Key is the budget's organisation key.
func (b *Budget) Key() string { return b.key }

// Stats returns the counts so far.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// reserve is the number of requests per window left to others.
func (b *Budget) reserve() int {
	return int(float64(b.requests)*b.limit.Reserve + 0.5)
}

// rollLocked starts a new window when the current one has reset. Until
// the vendor says when its windows reset, they are taken as aligned to
// the clock (as ThousandEyes' minutes are), so that replicas sharing a
// Store count the same window.
func (b *Budget) rollLocked(now time.Time) {
	if b.resetAt.IsZero() || !now.Before(b.resetAt) {
		b.resetAt = now.Truncate(b.limit.Window).Add(b.limit.Window)
		b.remaining = b.requests - b.inFlight
		b.announced = false
	}
}

// sharedReset names the current window for replicas sharing a Store: the
// reset each replica knows (its estimate, or the vendor's through its Date
// header, whole seconds) differs by a second or so between replicas, so it
// is rounded to half a window.
func (b *Budget) sharedReset() time.Time {
	return b.resetAt.Round(b.limit.Window / 2)
}

// sameReset is how far apart two resets may be and still be one window:
// the vendor's reset reaches us through its Date header, whole seconds.
const sameReset = 2 * time.Second

// Take spends one request of the budget at now and returns 0, or returns
// how long to wait before asking again (the window's reset, or a 429 stop
// another replica reported) without spending anything. The caller waits,
// on its own clock and with its own cancellation; a request Take let
// through is in flight until Done or Release.
func (b *Budget) Take(ctx context.Context, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.requests > 0 {
		b.rollLocked(now)
		if b.remaining <= b.reserve() {
			b.stats.Waits++
			return max(b.resetAt.Sub(now), time.Millisecond)
		}
		if b.store != nil {
			// The replicas' shared count of this window decides.
			if ok, until := b.store.Take(ctx, b.key, now, b.sharedReset(), b.requests, b.reserve()); !ok {
				if until.IsZero() {
					until = b.resetAt
				}
				b.stats.Waits++
				return max(until.Sub(now), time.Millisecond)
			}
		}
	}
	b.remaining--
	b.inFlight++
	b.stats.Taken++
	return 0
}

// Done records the answer to a request Take let through, with what it
// announced of the budget (a zero Announcement if nothing).
func (b *Budget) Done(a Announcement) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inFlight = max(b.inFlight-1, 0)
	if a.Known() && b.limit.Requests >= 0 {
		if b.limit.Requests == 0 || a.Limit < b.limit.Requests {
			b.requests = a.Limit
		} else {
			b.requests = b.limit.Requests // the admin's lower rate wins
		}
		switch d := a.Reset.Sub(b.resetAt); {
		case !b.announced || d > sameReset:
			// The vendor's window replaces our estimate, or a later window
			// has begun: the vendor's count starts it. Requests still in
			// flight may not be in its remaining yet.
			b.resetAt, b.remaining, b.announced = a.Reset, min(a.Remaining, b.requests)-b.inFlight, true
		case d >= -sameReset:
			b.resetAt = a.Reset
			b.remaining = min(b.remaining, a.Remaining-b.inFlight)
		}
		// An answer from an earlier window says nothing of this one.
		if b.store != nil {
			b.store.Observe(context.Background(), b.key, b.sharedReset(), b.remaining)
		}
	}
}

// Block stops every request of the organisation until t: the vendor
// answered 429. Requests check Blocked before they Take.
func (b *Budget) Block(until time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.RateLimited++
	b.remaining = min(b.remaining, 0)
	if until.After(b.blocked) {
		b.blocked = until
		if b.store != nil {
			b.store.Block(context.Background(), b.key, until)
		}
	}
}

// Blocked is when the last 429's stop ends (zero or past: no stop).
func (b *Budget) Blocked() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.blocked
}

// Release returns a request Take let through that was never sent.
func (b *Budget) Release() {
	b.mu.Lock()
	b.inFlight = max(b.inFlight-1, 0)
	b.remaining++
	b.mu.Unlock()
}
