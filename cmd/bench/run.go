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
	"strconv"
	"strings"
	"time"
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
	Events      int // the simulator's count in the range
	PageSize    int // the API's largest page; 0 without paging
	MinPages    int
	Tokens      int // token requests before the first page (part of the minimum requests)
	Windows     int // the engine's windows where it reports them
	Concurrency int
	Latency     time.Duration
	Child       childResult
	Base        baseline
	// RigCold and RigWarm are the CPU time the simulator and the proxy used
	// during each query: they share the machine with the engine.
	RigCold, RigWarm time.Duration
	Rig              rigTiming // the cold query's requests at the proxy
	Problems         []string  // engine errors and wrong counts: the run fails
	Notes            []string
}

func (c *caseResult) ideal() time.Duration {
	return time.Duration(float64(c.Latency) * float64(c.MinPages) / float64(c.Concurrency))
}

type report struct {
	started    time.Time
	loadBefore string
	cases      []*caseResult
}

func (r *report) failed() bool {
	for _, c := range r.cases {
		if len(c.Problems) > 0 {
			return true
		}
	}
	return false
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func run(ctx context.Context, o *options) (*report, error) {
	rep := &report{started: time.Now(), loadBefore: loadAverage()}
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
	return rep, nil
}

// runSize starts a simulator holding n events per provider, runs every
// format against it, then the baseline decode of the captured bodies.
func runSize(ctx context.Context, o *options, rep *report, tmp, simBin, exe string, n int) error {
	t0 := time.Now()
	progress("%s events: starting the simulator (latency %s)", countText(n), o.latency)
	sim, err := startSim(ctx, o, simBin, n, filepath.Join(tmp, fmt.Sprintf("vendorsim-%d.log", n)))
	if err != nil {
		return err
	}
	defer sim.stop()
	from, to := o.from(), o.end
	// The expected count: the simulator's ground truth in the query range.
	// /_sim/truth renders every event, so beyond truthLimit the data set's
	// size from /_sim/health stands in for it (the same number: the query
	// range is the data range, checked here).
	truth, ok := sim.health.Events[o.provider]
	if !ok {
		return fmt.Errorf("the simulator's health has no count for %s", o.provider)
	}
	if !sim.health.Start.Equal(from) || !sim.health.End.Equal(to) {
		return fmt.Errorf("the simulator's data is [%s, %s), the query [%s, %s)", sim.health.Start, sim.health.End, from, to)
	}
	if truth <= truthLimit {
		if truth, err = sim.truthCount(o.provider, from, to); err != nil {
			return err
		}
	}
	progress("%s events: simulator ready in %s (%d %s events in [%s, %s))", countText(n), time.Since(t0).Round(time.Millisecond),
		truth, o.provider, from.Format(time.RFC3339), to.Format(time.RFC3339))

	px, err := startProxy(sim.url, o.provider, sim.cmd.Process.Pid)
	if err != nil {
		return err
	}
	defer px.close()

	facts := factsOf(o.provider, o)
	windows := windowCount(from, to, facts.window)
	capture := filepath.Join(tmp, fmt.Sprintf("bodies-%d.bin", n))
	var cases []*caseResult
	for i, format := range o.formats {
		c := &caseResult{Provider: o.provider, Format: format, Events: truth, Windows: windows, PageSize: facts.pageSize,
			MinPages: minPages(truth, facts, windows), Tokens: facts.tokens, Concurrency: o.concurrency, Latency: o.latency}
		if i == 0 {
			if err := px.startCapture(capture); err != nil {
				return err
			}
		}
		spec := childSpec{Provider: o.provider, Format: format, URL: px.url, From: from, To: to,
			Interval: o.interval, Concurrency: o.concurrency, MaxEvents: 2*truth + 1000}
		if o.settings != "" {
			spec.Settings = json.RawMessage(o.settings)
		}
		name := fmt.Sprintf("%s-%s-%d", o.provider, format, n)
		if o.cpuProfile != "" {
			spec.CPUProfile = filepath.Join(o.cpuProfile, "cpu-"+name)
		}
		if o.memProfile != "" {
			spec.MemProfile = filepath.Join(o.memProfile, "heap-"+name)
		}
		px.takeMarks()
		px.takeTrace()
		res, err := runChild(ctx, exe, spec)
		if i == 0 {
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
		progress("%s %s: cold %s (%d requests), warm %s (%d requests), peak RSS %s", o.provider, format,
			res.Cold.Wall.Round(time.Millisecond), res.Cold.Requests, res.Warm.Wall.Round(time.Microsecond), res.Warm.Requests, mib(res.PeakRSS))
		cases = append(cases, c)
		rep.cases = append(rep.cases, c)
	}

	base, err := decodeBaseline(o.provider, capture)
	if err != nil {
		return err
	}
	if base.Records < truth {
		progress("warning: the captured bodies hold %d records, the range %d", base.Records, truth)
	}
	progress("%s events: baseline decode of %d pages (%s): %s CPU", countText(n), base.Pages, mib(base.Bytes), base.CPU.Round(time.Millisecond))
	for _, c := range cases {
		c.Base = base
	}
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
