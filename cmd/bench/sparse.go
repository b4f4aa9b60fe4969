package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// The nearly empty range: a simulator holding a few events per provider
// (-sparse-events) spread over a long range (-sparse-days, 2 years), and one
// cold table query per provider over the whole of it. It is what a later
// engine change to adaptive windows is compared with: today the engine
// reads a fixed window per request whatever the range holds (datafold one
// hour, so about 17,500 requests for 2 years). Each engine query is stopped
// after -sparse-cap; a stopped one reports the requests it made until then
// and a projection for the whole range.

// sparseCase is one provider's query over the nearly empty range.
type sparseCase struct {
	Provider  string
	Events    int // the simulator's truth in the range
	Window    time.Duration
	Windows   int // the engine's windows (as it reports them, else at its window size)
	Tokens    int
	Budget    vendorBudget
	Child     childResult
	Capped    bool // stopped by -sparse-cap
	Projected int  // requests for the whole range, when capped: one per window
	// ProjectedWall is the larger of the measured pace carried on to
	// Projected requests and what the vendor's budget needs for them.
	ProjectedWall time.Duration
	Seq           *seqCase
	Problems      []string
}

type sparseReport struct {
	from, to time.Time
	events   int // per provider in the simulator
	cap      time.Duration
	cases    []*sparseCase
}

func (r *sparseReport) failed() bool {
	for _, c := range r.cases {
		if len(c.Problems) > 0 {
			return true
		}
	}
	return false
}

// project is what a capped query would have needed for the whole range:
// one request per window (the engine's requests over an almost empty
// range), at the measured pace or at the budget's, whichever is slower.
func project(requests int64, wall time.Duration, windows, tokens int, b vendorBudget) (int, time.Duration) {
	total := windows + tokens
	var pace time.Duration
	if requests > 0 {
		pace = time.Duration(float64(wall) * float64(total) / float64(requests))
	}
	return total, max(pace, b.need(total))
}

func runSparse(ctx context.Context, o *options, rep *report, tmp, simBin, exe string) error {
	to := o.end
	from := to.Add(-time.Duration(o.sparseDays * float64(24*time.Hour)))
	sr := &sparseReport{from: from, to: to, events: o.sparseEvents, cap: o.sparseCap}
	rep.sparse = sr
	progress("nearly empty range: starting the simulator (%d events per provider over %g days)", o.sparseEvents, o.sparseDays)
	sim, err := startSim(ctx, o, simBin, o.sparseEvents, o.sparseDays, filepath.Join(tmp, "vendorsim-sparse.log"))
	if err != nil {
		return err
	}
	defer sim.stop()
	if !sim.health.Start.Equal(from) || !sim.health.End.Equal(to) {
		return fmt.Errorf("the sparse simulator's data is [%s, %s), the query [%s, %s)", sim.health.Start, sim.health.End, from, to)
	}
	px, err := startProxy(sim.url, sim.cmd.Process.Pid)
	if err != nil {
		return err
	}
	defer px.close()
	reserve := reserveFraction(o.settings)

	var tasks []task
	for _, p := range o.providers {
		truth, err := sim.truthCount(p, from, to)
		if err != nil {
			return err
		}
		f := factsOf(p, o)
		c := &sparseCase{Provider: p, Events: truth, Window: f.window, Windows: windowCount(from, to, f.window), Tokens: f.tokens,
			Budget: engineBudget(p, o.teRateLimit, reserve), Seq: &seqCase{Provider: p, Size: o.sparseEvents, Events: truth}}
		sr.cases = append(sr.cases, c)
		tasks = append(tasks,
			task{name: p + " nearly empty range", need: c.Windows + c.Tokens, budget: c.Budget, run: func() error {
				return runSparseCase(ctx, o, px, exe, c, from, to)
			}},
			task{name: p + " sequential, nearly empty range", need: minPages(truth, f, 1) + 1 + f.tokens, budget: clientBudget(p, o.teRateLimit), run: func() error {
				return runSeq(ctx, o, px, c.Seq, from, to)
			}})
	}
	slices.SortStableFunc(tasks, byBudget)
	return schedule(ctx, px, tasks)
}

func runSparseCase(ctx context.Context, o *options, px *proxy, exe string, c *sparseCase, from, to time.Time) error {
	spec := childSpec{Provider: c.Provider, Format: "table", URL: px.url, From: from, To: to, Interval: o.interval,
		Concurrency: o.concurrency, MaxEvents: 2*c.Events + 1000, Timeout: o.sparseCap, ColdOnly: true}
	if o.settings != "" {
		spec.Settings = json.RawMessage(o.settings)
	}
	px.takeTrace()
	res, err := runChild(ctx, exe, spec)
	px.takeTrace()
	if err != nil {
		return fmt.Errorf("%s nearly empty range: %v", c.Provider, err)
	}
	c.Child = res
	cold := res.Cold
	if said := parseExecuted(cold.Executed); said.OK {
		c.Windows = int(said.Windows)
	}
	switch {
	case cold.TimedOut:
		c.Capped = true
		c.Projected, c.ProjectedWall = project(cold.Requests, cold.Wall, c.Windows, c.Tokens, c.Budget)
	case cold.Error != "":
		c.Problems = append(c.Problems, "the query failed: "+cold.Error)
	case cold.Count != int64(c.Events):
		c.Problems = append(c.Problems, fmt.Sprintf("table rows = %d, the simulator holds %d events", cold.Count, c.Events))
	}
	state := "complete"
	if c.Capped {
		state = fmt.Sprintf("stopped after %s, about %d requests and %s projected", dur(o.sparseCap), c.Projected, dur(c.ProjectedWall))
	}
	progress("%s nearly empty range: %s, %d requests, %s", c.Provider, cold.Wall.Round(time.Millisecond), cold.Requests, state)
	return nil
}
