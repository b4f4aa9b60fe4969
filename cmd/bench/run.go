package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
)

// vendorFacts are what the minimum number of requests follows from: the
// largest page the API serves and the window the engine asks for at once.
type vendorFacts struct {
	pageSize int // 0: no paging, one response per window
	window   time.Duration
	tokens   int // token requests a fresh data source makes before its first page
}

func factsOf(provider string, o *options) vendorFacts {
	switch provider {
	case "datafold":
		// No paging: the engine asks for one-hour windows to bound responses.
		return vendorFacts{pageSize: 0, window: time.Hour}
	case "thousandeyes":
		return vendorFacts{pageSize: o.tePageSize, window: 24 * time.Hour} // the server picks the page size
	case "domo-platform":
		// Documented maximum 1000; one OAuth client-credentials token.
		return vendorFacts{pageSize: 1000, window: 24 * time.Hour, tokens: 1}
	default:
		// domo (no documented maximum; the simulator caps at 1000),
		// domino (1000, as Domino's own export script).
		return vendorFacts{pageSize: 1000, window: 24 * time.Hour}
	}
}

// windowCount is the number of windows of size in [from, to), aligned to
// multiples of size since the epoch (as the engine splits ranges).
func windowCount(from, to time.Time, size time.Duration) int {
	n := 0
	for t := from; t.Before(to); n++ {
		t = t.Truncate(size).Add(size)
	}
	return n
}

// minPages is the fewest requests the API allows for events: full pages
// (ceil(events / page size)), or one per window without paging.
func minPages(events int, f vendorFacts, windows int) int {
	if f.pageSize <= 0 {
		return windows
	}
	return (events + f.pageSize - 1) / f.pageSize
}

// truthLimit is the largest data set whose ground truth is read event by
// event from the simulator.
const truthLimit = 200000

// caseResult is one provider × format × size.
type caseResult struct {
	Provider    string
	Format      string
	Size        int // the simulator's events per provider
	Events      int // the simulator's count in the range
	PageSize    int // the API's largest page; 0 without paging
	MinPages    int
	Tokens      int // token requests before the first page (part of the minimum requests)
	Windows     int // the engine's windows where it reports them
	Concurrency int
	Latency     time.Duration
	Budget      vendorBudget // the vendor's request budget as the engine spends it
	Child       childResult
	Base        baseline
	Seq         *seqCase // the sequential baseline of the provider and size
	// RigCold and RigWarm are the CPU time the simulator and the proxy used
	// during each query: they share the machine with the engine.
	RigCold, RigWarm time.Duration
	Rig              rigTiming // the cold query's requests at the proxy
	Problems         []string  // engine errors and wrong counts: the run fails
	Notes            []string
}

func (c *caseResult) ideal() time.Duration {
	d, _ := idealOf(c.Latency, c.MinPages, c.Tokens, c.Concurrency, c.Budget)
	return d
}

// idealBy names the term that set the ideal: "latency" or "budget".
func (c *caseResult) idealBy() string {
	_, by := idealOf(c.Latency, c.MinPages, c.Tokens, c.Concurrency, c.Budget)
	return by
}

func (c *caseResult) name() string {
	return fmt.Sprintf("%s %s %s", c.Provider, c.Format, countText(c.Size))
}

// seqCase is the sequential baseline (seq.go) of one provider and size.
type seqCase struct {
	Provider string
	Size     int
	Events   int // the simulator's truth for the range
	Res      seqResult
	Err      string
}

// ok reports whether it read exactly the simulator's truth: as many events,
// none twice. (The bench's simulator plays no identical records:
// vendorsim's Config.Identical is 0 unless set, and cmd/vendorsim does not
// set it, so every record's JSON is its own.)
func (s *seqCase) ok() bool {
	return s.Err == "" && s.Res.Records == s.Events && s.Res.Distinct == s.Res.Records
}

// finding says how the baseline went wrong ("" when it read the truth).
func (s *seqCase) finding() string {
	switch {
	case s.Err != "":
		return "failed: " + s.Err
	case s.Res.Records != s.Events:
		return fmt.Sprintf("read %d events in %d pages, the simulator holds %d in the range", s.Res.Records, s.Res.Pages, s.Events)
	case s.Res.Distinct != s.Res.Records:
		return fmt.Sprintf("read %d events of which only %d distinct", s.Res.Records, s.Res.Distinct)
	}
	return ""
}

type report struct {
	started    time.Time
	loadBefore string
	took       time.Duration
	cases      []*caseResult
	seqs       []*seqCase
	skipped    []string // cases left out, and why
	sparse     *sparseReport
}

func (r *report) failed() bool {
	for _, c := range r.cases {
		if len(c.Problems) > 0 {
			return true
		}
	}
	return r.sparse != nil && r.sparse.failed()
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, o *options) (*report, error) {
	rep := &report{started: time.Now(), loadBefore: loadAverage()}
	defer func() { rep.took = time.Since(rep.started) }()
	if l, err := strconv.ParseFloat(rep.loadBefore, 64); err == nil && l >= float64(runtime.NumCPU()) {
		progress("warning: the machine is busy (load average %s on %d CPUs); timings will be skewed", rep.loadBefore, runtime.NumCPU())
	}
	tmp, err := os.MkdirTemp("", "auditlog-bench-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		progress("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	progress("building ./cmd/vendorsim")
	simBin, err := buildSim(ctx, tmp)
	if err != nil {
		return nil, err
	}
	for _, n := range o.sizes {
		if err := runSize(ctx, o, rep, tmp, simBin, exe, n); err != nil {
			return rep, err
		}
	}
	if o.sparseEvents > 0 {
		if err := runSparse(ctx, o, rep, tmp, simBin, exe); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// task is one measurement against a running simulator. need is the
// requests it will send against budget (a zero budget: none to wait for).
type task struct {
	name   string
	need   int
	budget vendorBudget
	run    func() error
}

// byBudget orders tasks against a vendor budget before the others.
func byBudget(a, b task) int {
	has := func(t task) int {
		if t.budget.spendable() > 0 {
			return 0
		}
		return 1
	}
	return has(a) - has(b)
}

// schedule runs the tasks in order, except that one whose vendor budget
// (ThousandEyes') is spent for the current window waits until it has
// reset, and the next tasks that need no budget run meanwhile.
func schedule(ctx context.Context, px *proxy, tasks []task) error {
	for len(tasks) > 0 {
		pick, wait, waiting, need := -1, time.Duration(0), "", 0
		now, a := clock.Now(), px.teAnnounced()
		for i, t := range tasks {
			w := budgetWait(now, a, t.need, t.budget)
			if w == 0 {
				pick = i
				break
			}
			if waiting == "" || w < wait {
				wait, waiting, need = w, t.name, t.need
			}
		}
		if pick < 0 {
			progress("%s: waiting %s for the vendor's rate-limit window to reset (%d requests needed)", waiting, wait.Round(time.Second), need)
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			continue
		}
		t := tasks[pick]
		tasks = slices.Delete(tasks, pick, pick+1)
		if err := t.run(); err != nil {
			return err
		}
	}
	return nil
}

// runSize starts a simulator holding n events per provider, runs every
// provider's formats and its sequential baseline against it, then the
// baseline decode of each provider's captured bodies.
func runSize(ctx context.Context, o *options, rep *report, tmp, simBin, exe string, n int) error {
	from, to := o.from(), o.end
	reserve := reserveFraction(o.settings)
	var provs []string
	for _, p := range o.providers {
		f := factsOf(p, o)
		est := minPages(n, f, windowCount(from, to, f.window)) + f.tokens
		b := engineBudget(p, o.teRateLimit, reserve)
		if need := b.need(est); o.maxBudgetWait > 0 && need > o.maxBudgetWait {
			rep.skipped = append(rep.skipped, fmt.Sprintf("%s at %s events: its rate budget (%s) alone needs %s for the %d requests the data takes at least, more than -max-budget-wait %s (run it with -provider %s -sizes %s -max-budget-wait 0)",
				p, countText(n), b, dur(need), est, dur(o.maxBudgetWait), p, countText(n)))
			progress("%s at %s events left out: its rate budget alone needs %s", p, countText(n), dur(need))
			continue
		}
		provs = append(provs, p)
	}
	if len(provs) == 0 {
		return nil
	}
	t0 := time.Now()
	progress("%s events: starting the simulator (latency %s)", countText(n), o.latency)
	sim, err := startSim(ctx, o, simBin, n, o.days, filepath.Join(tmp, fmt.Sprintf("vendorsim-%d.log", n)))
	if err != nil {
		return err
	}
	defer sim.stop()
	if !sim.health.Start.Equal(from) || !sim.health.End.Equal(to) {
		return fmt.Errorf("the simulator's data is [%s, %s), the query [%s, %s)", sim.health.Start, sim.health.End, from, to)
	}
	// The expected counts: the simulator's ground truth in the query range.
	// /_sim/truth renders every event, so beyond truthLimit the data set's
	// size from /_sim/health stands in for it (the same number: the query
	// range is the data range, checked above).
	truths := map[string]int{}
	for _, p := range provs {
		truth, ok := sim.health.Events[p]
		if !ok {
			return fmt.Errorf("the simulator's health has no count for %s", p)
		}
		if truth <= truthLimit {
			if truth, err = sim.truthCount(p, from, to); err != nil {
				return err
			}
		}
		truths[p] = truth
	}
	progress("%s events: simulator ready in %s (events in [%s, %s): %v)", countText(n), time.Since(t0).Round(time.Millisecond),
		from.Format(time.RFC3339), to.Format(time.RFC3339), truths)

	px, err := startProxy(sim.url, sim.cmd.Process.Pid)
	if err != nil {
		return err
	}
	defer px.close()

	var cases []*caseResult
	seqs := map[string]*seqCase{}
	captures := map[string]string{} // provider: its captured bodies
	var tasks []task
	for _, p := range provs {
		facts := factsOf(p, o)
		windows := windowCount(from, to, facts.window)
		for _, format := range o.formats {
			c := &caseResult{Provider: p, Format: format, Size: n, Events: truths[p], Windows: windows, PageSize: facts.pageSize,
				MinPages: minPages(truths[p], facts, windows), Tokens: facts.tokens, Concurrency: o.concurrency, Latency: o.latency,
				Budget: engineBudget(p, o.teRateLimit, reserve)}
			cases = append(cases, c)
			tasks = append(tasks, task{name: c.name(), need: c.MinPages + c.Tokens + c.Windows, budget: c.Budget, run: func() error {
				capture := ""
				if _, done := captures[p]; !done {
					capture = filepath.Join(tmp, fmt.Sprintf("bodies-%s-%d.bin", p, n))
					captures[p] = capture
				}
				return runCase(ctx, o, px, exe, c, from, to, capture)
			}})
		}
		sc := &seqCase{Provider: p, Size: n, Events: truths[p]}
		seqs[p] = sc
		tasks = append(tasks, task{name: fmt.Sprintf("%s sequential %s", p, countText(n)), need: minPages(truths[p], facts, 1) + 1 + facts.tokens,
			budget: clientBudget(p, o.teRateLimit), run: func() error {
				return runSeq(ctx, o, px, sc, from, to)
			}})
	}
	// Runs against a vendor budget first: the others then fill the time
	// until its window resets.
	slices.SortStableFunc(tasks, byBudget)
	err = schedule(ctx, px, tasks)
	// Completed cases are reported even when a later one failed.
	for _, c := range cases {
		if c.Child.Cold.Wall > 0 {
			c.Seq = seqs[c.Provider]
			rep.cases = append(rep.cases, c)
		}
	}
	for _, p := range provs {
		if seqs[p].Res.Wall > 0 || seqs[p].Err != "" {
			rep.seqs = append(rep.seqs, seqs[p])
		}
	}
	if err != nil {
		return err
	}

	for _, p := range provs {
		base, err := decodeBaseline(p, captures[p])
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		if base.Records < truths[p] {
			progress("warning: the captured %s bodies hold %d records, the range %d", p, base.Records, truths[p])
		}
		progress("%s %s events: baseline decode of %d pages (%s): %s CPU", p, countText(n), base.Pages, mib(base.Bytes), base.CPU.Round(time.Millisecond))
		for _, c := range cases {
			if c.Provider == p {
				c.Base = base
			}
		}
	}
	return nil
}

// runCase runs one engine case in a child process; capture, if set, is
// where the proxy captures the provider's page bodies of the cold query.
func runCase(ctx context.Context, o *options, px *proxy, exe string, c *caseResult, from, to time.Time, capture string) error {
	if capture != "" {
		if err := px.startCapture(capture, c.Provider); err != nil {
			return err
		}
	}
	spec := childSpec{Provider: c.Provider, Format: c.Format, URL: px.url, From: from, To: to,
		Interval: o.interval, Concurrency: o.concurrency, MaxEvents: 2*c.Events + 1000}
	if o.settings != "" {
		spec.Settings = json.RawMessage(o.settings)
	}
	name := fmt.Sprintf("%s-%s-%d", c.Provider, c.Format, c.Size)
	if o.cpuProfile != "" {
		spec.CPUProfile = filepath.Join(o.cpuProfile, "cpu-"+name)
	}
	if o.memProfile != "" {
		spec.MemProfile = filepath.Join(o.memProfile, "heap-"+name)
	}
	px.takeMarks()
	px.takeTrace()
	res, err := runChild(ctx, exe, spec)
	if capture != "" {
		px.stopCapture()
	}
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	c.Child = res
	if m := px.takeMarks(); len(m) == 4 {
		c.RigCold = m[1].SimCPU - m[0].SimCPU + m[1].ProxyCPU - m[0].ProxyCPU
		c.RigWarm = m[3].SimCPU - m[2].SimCPU + m[3].ProxyCPU - m[2].ProxyCPU
	}
	check(c)
	if o.verbose {
		progress("%s cold: %s", name, strings.ReplaceAll(res.Cold.Executed, "\n", " | "))
	}
	reqs := px.takeTrace()
	c.Rig = timing(res.Cold, reqs, o.concurrency)
	if o.trace {
		printTrace(os.Stderr, name, res.Cold, reqs)
	}
	progress("%s: cold %s (%d requests), warm %s (%d requests), peak RSS %s", c.name(),
		res.Cold.Wall.Round(time.Millisecond), res.Cold.Requests, res.Warm.Wall.Round(time.Microsecond), res.Warm.Requests, mib(res.PeakRSS))
	return nil
}

// runSeq runs the sequential baseline of one provider through the proxy.
func runSeq(ctx context.Context, o *options, px *proxy, sc *seqCase, from, to time.Time) error {
	n0 := px.requests.Load()
	res, err := readSequential(ctx, sc.Provider, px.url, from, to, factsOf(sc.Provider, o).pageSize)
	res.Requests = px.requests.Load() - n0
	px.takeTrace()
	sc.Res = res
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		sc.Err = err.Error()
	}
	msg := fmt.Sprintf("%s sequential %s: %s, %d requests, %d events", sc.Provider, countText(sc.Size), res.Wall.Round(time.Millisecond), res.Requests, res.Records)
	if res.RateLimited > 0 {
		msg += fmt.Sprintf(", %d × 429 waited %s", res.RateLimited, res.Waited.Round(time.Second))
	}
	if f := sc.finding(); f != "" {
		msg += "; " + f
	}
	progress("%s", msg)
	return nil
}

// check records wrong counts and engine errors, and notes where the
// engine's own accounting differs from the proxy's.
func check(c *caseResult) {
	for _, ph := range []struct {
		name string
		p    phaseResult
	}{{"cold", c.Child.Cold}, {"warm", c.Child.Warm}} {
		if ph.p.Error != "" {
			c.Problems = append(c.Problems, fmt.Sprintf("%s query failed: %s", ph.name, ph.p.Error))
			continue
		}
		if ph.p.Count != int64(c.Events) {
			what := "table rows"
			if c.Format == "timeseries" {
				what = "the series' total"
			} else if c.Format == "logs" {
				what = "log lines"
			}
			c.Problems = append(c.Problems, fmt.Sprintf("%s query: %s = %d, the simulator holds %d events", ph.name, what, ph.p.Count, c.Events))
		}
	}
	said := parseExecuted(c.Child.Cold.Executed)
	if !said.OK {
		return
	}
	if said.Requests != c.Child.Cold.Requests {
		c.Notes = append(c.Notes, fmt.Sprintf("the engine reports %d requests, the proxy counted %d", said.Requests, c.Child.Cold.Requests))
	}
	// The engine sizes its windows to the range and concurrency: the
	// request target allows one extra request per window it actually used
	// (and without paging, the minimum is one response per window).
	if int(said.Windows) != c.Windows {
		c.Notes = append(c.Notes, fmt.Sprintf("the engine split the range into %d windows (%d at the provider's largest window)", said.Windows, c.Windows))
		c.Windows = int(said.Windows)
		if c.PageSize <= 0 {
			c.MinPages = c.Windows
		}
	}
}

// runChild runs one case in a fresh process of this command.
func runChild(ctx context.Context, exe string, spec childSpec) (childResult, error) {
	var res childResult
	arg, err := json.Marshal(spec)
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, exe, childArg, string(arg))
	var out bytes.Buffer
	errs := &debugFilter{w: os.Stderr}
	cmd.Stdout, cmd.Stderr = &out, errs
	runErr := cmd.Run()
	errs.flush()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), &res); err != nil {
		if runErr != nil {
			return res, fmt.Errorf("child: %v: %s", runErr, strings.TrimSpace(out.String()))
		}
		return res, fmt.Errorf("child: unreadable result %q", last)
	}
	if res.Error != "" {
		return res, fmt.Errorf("child: %s", res.Error)
	}
	return res, nil
}

// debugFilter passes a child's stderr through, without the SDK's debug log
// lines (JSON with "@level":"debug").
type debugFilter struct {
	w   io.Writer
	buf []byte
}

func (f *debugFilter) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	for {
		i := bytes.IndexByte(f.buf, '\n')
		if i < 0 {
			break
		}
		line := f.buf[:i+1]
		if !bytes.Contains(line, []byte(`"@level":"debug"`)) {
			_, _ = f.w.Write(line)
		}
		f.buf = f.buf[i+1:]
	}
	return len(p), nil
}

func (f *debugFilter) flush() {
	if len(f.buf) > 0 && !bytes.Contains(f.buf, []byte(`"@level":"debug"`)) {
		_, _ = f.w.Write(append(f.buf, '\n'))
	}
	f.buf = nil
}
