package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

// vendorBudget is a vendor's request budget as a client spends it:
// Requests per Window, of which Reserve are left to the organisation's
// other API users. Requests 0: no documented budget, nothing to wait for.
type vendorBudget struct {
	Requests int
	Window   time.Duration
	Reserve  int
}

// spendable is what a window lets the client send (0: no limit).
func (b vendorBudget) spendable() int {
	if b.Requests <= 0 {
		return 0
	}
	return max(b.Requests-b.Reserve, 1)
}

// need is the least time n requests take because of the budget alone.
// Assumption (the ideal's): the query starts with a whole fresh window,
// so the first spendable() requests go at once and every further
// spendable() wait for one more window (the vendor's window may in fact
// reset sooner, when the query starts late in it, or be partly spent).
func (b vendorBudget) need(n int) time.Duration {
	s := b.spendable()
	if s == 0 || n <= s {
		return 0
	}
	return time.Duration((n-1)/s) * b.Window // ceil(n/s) - 1 more windows
}

func (b vendorBudget) String() string {
	if b.Requests <= 0 {
		return "none documented"
	}
	return fmt.Sprintf("%d/%s less %d reserve = %d", b.Requests, windowText(b.Window), b.Reserve, b.spendable())
}

func windowText(d time.Duration) string {
	if d == time.Minute {
		return "min"
	}
	return d.String()
}

// reserveFraction is the data source's rateLimitReserve as the engine
// reads it: models.DefaultRateLimitReserve unless -settings sets it.
func reserveFraction(settings string) float64 {
	if settings != "" {
		var s models.Settings
		if json.Unmarshal([]byte(settings), &s) == nil && s.RateLimitReserve != nil {
			return s.Reserve()
		}
	}
	return models.DefaultRateLimitReserve / 100.0
}

// documented is the budget a provider documents and the headers it is
// announced in (providers.RateLimited); Requests 0 where it documents none.
func documented(provider string) (budget.Limit, budget.Headers) {
	p, err := newProvider(provider, "http://127.0.0.1", nil)
	if err != nil {
		return budget.Limit{}, budget.Headers{}
	}
	if rl, ok := p.(providers.RateLimited); ok {
		return rl.RateLimit()
	}
	return budget.Limit{}, budget.Headers{}
}

// engineBudget is the budget the engine spends for provider: the
// documented limit, or the lower one the simulator announces (simLimit,
// ThousandEyes only; < 0 announces nothing, 0 is the simulator's default),
// less the reserve rounded as package budget rounds it.
func engineBudget(provider string, simLimit int, reserve float64) vendorBudget {
	l, _ := documented(provider)
	if l.Requests <= 0 {
		return vendorBudget{}
	}
	n := l.Requests
	if provider == "thousandeyes" && simLimit > 0 && simLimit < n {
		n = simLimit
	}
	return vendorBudget{Requests: n, Window: l.Window, Reserve: int(float64(n)*reserve + 0.5)}
}

// clientBudget is the budget a plain client runs into: the simulator's
// limit itself, all of it (no reserve); none where the simulator enforces
// none.
func clientBudget(provider string, simLimit int) vendorBudget {
	if provider != "thousandeyes" || simLimit < 0 {
		return vendorBudget{}
	}
	if simLimit == 0 {
		simLimit = 240 // the simulator's default
	}
	return vendorBudget{Requests: simLimit, Window: time.Minute}
}

// idealOf is the floor of a query's wall time: the larger of the latency
// term (latency × min pages ÷ concurrency) and what the vendor's budget
// needs for the minimum requests; by names the term that set it.
func idealOf(latency time.Duration, minPages, tokens, concurrency int, b vendorBudget) (ideal time.Duration, by string) {
	lat := time.Duration(float64(latency) * float64(minPages) / float64(max(concurrency, 1)))
	if bud := b.need(minPages + tokens); bud > lat {
		return bud, "budget"
	}
	return lat, "latency"
}

// budgetWait is how long a run that will send need requests against b
// should wait before it starts, given the last announcement the proxy saw
// (a zero one: nothing seen since the simulator started): 0 when the
// current window still covers it. A run that needs more than one window
// starts at the beginning of a fresh one, as the ideal assumes.
func budgetWait(now time.Time, a budget.Announcement, need int, b vendorBudget) time.Duration {
	s := b.spendable()
	if s == 0 || need <= 0 {
		return 0
	}
	spent := 0
	if a.Known() && now.Before(a.Reset) {
		spent = a.Limit - a.Remaining
	}
	// The next window boundary: the announced reset, else the clock's
	// (the simulator's windows are aligned to its clock, as the real ones).
	next := now.Truncate(b.Window).Add(b.Window)
	if a.Known() {
		next = a.Reset
		for !next.After(now) {
			next = next.Add(b.Window)
		}
	}
	const margin = 50 * time.Millisecond
	if need > s {
		sinceStart := b.Window - next.Sub(now)
		if spent == 0 && sinceStart >= 0 && sinceStart < time.Second {
			return 0
		}
		return next.Sub(now) + margin
	}
	if spent+need <= s {
		return 0
	}
	return next.Sub(now) + margin
}
