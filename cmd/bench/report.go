package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/internal/mdtable"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Targets (docs/performance.md, "Targets"), all ratios within one run.
const (
	wallFactor    = 1.3     // wall <= 1.3 x ideal
	cpuFactor     = 1.5     // engine CPU/event <= 1.5 x plain decode
	rssLimit      = 1 << 30 // peak RSS at 1M events
	rssAtEvents   = 1000000
	warmMaxReqs   = 1
	warmMaxFactor = 0.05 // warm <= 5 % of cold
)

func (r *report) print(w io.Writer, o *options) {
	fmt.Fprintf(w, "Audit Log engine benchmark, %s\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "machine:   %s\n", machine())
	if r.loadBefore != "" {
		fmt.Fprintf(w, "load:      1-minute load average %s before the run (other work on the machine skews wall and CPU)\n", r.loadBefore)
	}
	fmt.Fprintf(w, "command:   %s (took %s)\n", command(), dur(r.took.Round(time.Second)))
	te := "off"
	if o.teRateLimit >= 0 {
		te = fmt.Sprintf("%d/min per organisation (429 beyond)", cmpOr(o.teRateLimit, 240))
	}
	endNote := ""
	if o.endDefault {
		endNote = " (the last midnight but one on the plugin's clock)"
	}
	fmt.Fprintf(w, "simulator: own process, latency %s, %g days ending %s%s, seed %d, ThousandEyes rate limit %s\n",
		o.latency, o.days, o.end.Format(time.RFC3339), endNote, o.seed, te)
	extra := ""
	if o.settings != "" {
		extra = ", jsonData " + o.settings
	}
	fmt.Fprintf(w, "engine:    child process per case; providers %s; concurrency %d%s; one query over the whole range, cold then warm;\n", strings.Join(o.providers, ", "), o.concurrency, extra)
	fmt.Fprintf(w, "           timeseries grouped by event (top 10 + other), interval %s\n", o.interval)
	for _, s := range r.skipped {
		fmt.Fprintf(w, "left out:  %s\n", s)
	}
	fmt.Fprintln(w)

	if len(r.cases) > 0 {
		r.printCases(w, o)
	}
	if len(r.seqs) > 0 {
		r.printSequential(w, o)
	}
	if r.sparse != nil && len(r.sparse.cases) > 0 {
		r.sparse.print(w, o)
	}
	r.printNotes(w)
}

// printCases prints the results table, its footnotes and the targets.
func (r *report) printCases(w io.Writer, o *options) {
	rows := [][]string{{"provider", "format", "events", "requests", "min pages", "windows", "wall", "ideal", "ideal by", "wall/ideal",
		"seq req", "seq wall", "wall/seq",
		"CPU µs/event", "decode µs/event", "CPU/decode", "sim+proxy CPU", "peak RSS", "warm wall", "warm req", "warm/cold"}}
	for _, c := range r.cases {
		cold, warm := c.Child.Cold, c.Child.Warm
		seqReq, seqWall, vsSeq := "n/a", "n/a", "n/a"
		if s := c.Seq; s != nil && s.Err == "" && s.Res.Wall > 0 {
			seqReq, seqWall, vsSeq = strconv.FormatInt(s.Res.Requests, 10), dur(s.Res.Wall), ratio(float64(cold.Wall), float64(s.Res.Wall))
			if !s.ok() {
				seqReq += " ≠"
			}
		} else if s != nil && s.Err != "" {
			seqReq, seqWall = "failed", "failed"
		}
		rows = append(rows, []string{c.Provider, c.Format, countText(c.Events),
			strconv.FormatInt(cold.Requests, 10), strconv.Itoa(c.MinPages), strconv.Itoa(c.Windows),
			dur(cold.Wall), dur(c.ideal()), c.idealBy(), ratio(float64(cold.Wall), float64(c.ideal())),
			seqReq, seqWall, vsSeq,
			perEvent(cold.CPU, c.Events), perEvent(c.Base.CPU, c.Events), ratio(float64(cold.CPU), float64(c.Base.CPU)),
			dur(c.RigCold), mib(c.Child.PeakRSS), dur(warm.Wall), strconv.FormatInt(warm.Requests, 10), percent(float64(warm.Wall), float64(cold.Wall))})
	}
	mdtable.Write(w, rows)
	spend := engineBudget("thousandeyes", o.teRateLimit, reserveFraction(o.settings))
	fmt.Fprintf(w, "\nideal = max(latency × min pages ÷ concurrency, budget); min pages = ceil(events ÷ max page size) (one per window without paging);\n")
	fmt.Fprintf(w, "budget = what the vendor's documented request budget needs for the min pages (+ token requests): ThousandEyes %s a minute:\n", spend)
	fmt.Fprintf(w, "  the first %d at once, every further %d one more minute. Assumption: the query starts at the beginning of a fresh minute with\n", spend.spendable(), spend.spendable())
	fmt.Fprintf(w, "  nothing spent (the bench starts ThousandEyes runs so: after a reset, or at a minute's start when one minute is not enough);\n")
	fmt.Fprintf(w, "  a user's query may start late in a minute (its reset comes sooner) or in a partly spent one. Vendors without a documented budget: 0.\n")
	fmt.Fprintf(w, "  ideal by = the term that set it;\n")
	fmt.Fprintf(w, "requests = counted by the proxy (token requests included: the minimum adds the one a fresh domo-platform data source needs); windows = the engine's split of the range (meta.executedQueryString);\n")
	fmt.Fprintf(w, "seq = the sequential baseline of the provider and size (below); wall/seq = engine wall ÷ sequential wall (below 1: the engine is faster); ≠: the baseline did not read the simulator's truth;\n")
	fmt.Fprintf(w, "CPU = user+sys time of the engine's process during the cold QueryData; decode = plain encoding/json of the same bodies;\n")
	fmt.Fprintf(w, "sim+proxy CPU = what the simulator and the counting proxy used meanwhile, on the same %d CPUs.\n\n", runtime.NumCPU())

	fmt.Fprintf(w, "Targets:\n\n")
	trows := [][]string{{"case", "requests ≤ min + 1/window", fmt.Sprintf("wall ≤ %g × ideal", wallFactor),
		fmt.Sprintf("CPU ≤ %g × decode", cpuFactor), "peak RSS ≤ 1 GiB (1M)", "warm ≤ 1 req and ≤ 5 % of cold"}}
	var pass, miss, na int
	verdict := func(ok bool, s string) string {
		if ok {
			pass++
			return "PASS " + s
		}
		miss++
		return "MISS " + s
	}
	for _, c := range r.cases {
		cold, warm := c.Child.Cold, c.Child.Warm
		allowed := int64(c.MinPages + c.Tokens + c.Windows)
		row := []string{c.name(), verdict(cold.Requests <= allowed, fmt.Sprintf("%d ≤ %d", cold.Requests, allowed))}
		if c.ideal() > 0 {
			row = append(row, verdict(float64(cold.Wall) <= wallFactor*float64(c.ideal()), ratio(float64(cold.Wall), float64(c.ideal()))+"×"))
		} else {
			na++
			row = append(row, "n/a (latency 0)")
		}
		if c.Base.CPU > 0 {
			row = append(row, verdict(float64(cold.CPU) <= cpuFactor*float64(c.Base.CPU), ratio(float64(cold.CPU), float64(c.Base.CPU))+"×"))
		} else {
			na++
			row = append(row, "n/a")
		}
		if c.Events >= rssAtEvents {
			row = append(row, verdict(c.Child.PeakRSS <= rssLimit, mib(c.Child.PeakRSS)))
		} else {
			na++
			row = append(row, "n/a ("+mib(c.Child.PeakRSS)+")")
		}
		row = append(row, verdict(warm.Requests <= warmMaxReqs && float64(warm.Wall) <= warmMaxFactor*float64(cold.Wall),
			fmt.Sprintf("%d req, %s", warm.Requests, percent(float64(warm.Wall), float64(cold.Wall)))))
		trows = append(trows, row)
	}
	mdtable.Write(w, trows)
	fmt.Fprintf(w, "\n%d PASS, %d MISS, %d n/a\n", pass, miss, na)
}

// printNotes prints errors, notes and the per-case details.
func (r *report) printNotes(w io.Writer) {
	var notes []string
	for _, c := range r.cases {
		name := c.name()
		for _, p := range c.Problems {
			notes = append(notes, "ERROR "+name+": "+p)
		}
		for _, n := range c.Notes {
			notes = append(notes, "note  "+name+": "+n)
		}
		notes = append(notes, fmt.Sprintf("info  %s: CPU cold %s, warm %s; Go heap after cold %s with the response, %s kept; peak RSS %s after cold; baseline %d pages, %s, %s CPU",
			name, dur(c.Child.Cold.CPU), dur(c.Child.Warm.CPU), mib(int64(c.Child.LiveWithResponse)), mib(int64(c.Child.LiveHeap)),
			mib(c.Child.PeakRSSCold), c.Base.Pages, mib(c.Base.Bytes), dur(c.Base.CPU)))
		if rt := c.Rig; rt.Requests > 0 && c.ideal() > 0 {
			notes = append(notes, fmt.Sprintf("rig   %s: a request took %s at the proxy (median; %s–%s); %d requests on %d slots take %d rounds, %s at the median = %.2f × ideal; after the last answer the engine took %s",
				name, dur(rt.Median), dur(rt.Fastest), dur(rt.Slowest), rt.Requests, c.Concurrency, rt.Rounds,
				dur(rt.floor()), float64(rt.floor())/float64(c.ideal()), dur(rt.Tail)))
		}
	}
	if r.sparse != nil {
		for _, c := range r.sparse.cases {
			for _, p := range c.Problems {
				notes = append(notes, fmt.Sprintf("ERROR %s nearly empty range: %s", c.Provider, p))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
}

// printSequential prints the sequential baseline: one row per provider and
// size, and whether it read the simulator's truth.
func (r *report) printSequential(w io.Writer, o *options) {
	fmt.Fprintf(w, "\nSequential baseline (a generic REST client: the whole range in one request, the largest page, then page after page):\n\n")
	rows := [][]string{{"provider", "size", "events", "requests", "pages", "429s", "waited", "wall", "largest answer", "read = truth", "engine wall/seq (table, timeseries)"}}
	for _, s := range r.seqs {
		read := "yes"
		if f := s.finding(); f != "" {
			read = "NO: " + f
		}
		waited := "–"
		if s.Res.RateLimited > 0 {
			waited = dur(s.Res.Waited)
		}
		var ratios []string
		for _, c := range r.cases {
			if c.Seq == s && s.Res.Wall > 0 {
				ratios = append(ratios, ratio(float64(c.Child.Cold.Wall), float64(s.Res.Wall)))
			}
		}
		rows = append(rows, []string{s.Provider, countText(s.Size), countText(s.Events), strconv.FormatInt(s.Res.Requests, 10), strconv.Itoa(s.Res.Pages),
			strconv.Itoa(s.Res.RateLimited), waited, dur(s.Res.Wall), bytesText(int64(s.Res.MaxBody)), read, strings.Join(ratios, ", ")})
	}
	mdtable.Write(w, rows)
	fmt.Fprintf(w, "\nPages: domo, domo-platform, domino offset += 1000 until a short page; thousandeyes _links.next.href (the server's %d a page) until none;\n", o.tePageSize)
	fmt.Fprintf(w, "datafold one answer for the whole range (no paging). Same proxy, simulator and latency as the engine; one request at a time;\n")
	fmt.Fprintf(w, "a 429 is waited out (Retry-After, else X-Organization-Rate-Limit-Reset) and sent again; requests include 429s and token requests.\n")
	fmt.Fprintf(w, "The plugin's own reader refuses answers over %s (providers.MaxBodyBytes); this client reads any.\n", mib(providers.MaxBodyBytes))
	var slower []string
	for _, c := range r.cases {
		if s := c.Seq; s != nil && s.ok() && s.Res.Wall > 0 && c.Child.Cold.Wall > s.Res.Wall {
			slower = append(slower, fmt.Sprintf("%s (%s × the sequential wall, %d requests against %d)", c.name(),
				ratio(float64(c.Child.Cold.Wall), float64(s.Res.Wall)), c.Child.Cold.Requests, s.Res.Requests))
		}
	}
	if len(slower) > 0 {
		fmt.Fprintf(w, "The engine was slower than the sequential reader in: %s.\n", strings.Join(slower, "; "))
	}
}

func (r *sparseReport) print(w io.Writer, o *options) {
	fmt.Fprintf(w, "\nNearly empty range: %d events per provider over %g days [%s, %s), one cold table query per provider:\n\n",
		r.events, o.sparseDays, r.from.Format(time.DateOnly), r.to.Format(time.DateOnly))
	rows := [][]string{{"provider", "events", "requests", "windows", "wall", "engine", "projected requests", "projected wall", "seq req", "seq wall"}}
	for _, c := range r.cases {
		cold := c.Child.Cold
		state, projReq, projWall := "complete", "", ""
		switch {
		case c.Capped:
			state = "stopped at " + dur(r.cap)
			projReq, projWall = fmt.Sprintf("≈ %d", c.Projected), "≈ "+dur(c.ProjectedWall)
		case len(c.Problems) > 0:
			state = "ERROR"
		}
		seqReq, seqWall := "n/a", "n/a"
		if s := c.Seq; s != nil && s.Res.Wall > 0 {
			seqReq, seqWall = strconv.FormatInt(s.Res.Requests, 10), dur(s.Res.Wall)
			if !s.ok() {
				seqReq += " ≠"
			}
		}
		rows = append(rows, []string{c.Provider, strconv.Itoa(c.Events), strconv.FormatInt(cold.Requests, 10), strconv.Itoa(c.Windows),
			dur(cold.Wall), state, projReq, projWall, seqReq, seqWall})
	}
	mdtable.Write(w, rows)
	fmt.Fprintf(w, "\nrequests and wall until the query returned or was stopped (-sparse-cap %s); windows = the engine's split of the range\n", dur(r.cap))
	fmt.Fprintf(w, "(from meta.executedQueryString; for a stopped query, the range at the provider's window size);\n")
	fmt.Fprintf(w, "projected = one request per window (+ token requests), at the measured pace or at what the vendor's budget needs, whichever is slower;\n")
	fmt.Fprintf(w, "seq = the sequential baseline over the same range.\n")
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func countText(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func dur(d time.Duration) string {
	switch {
	case d >= 100*time.Second:
		return fmt.Sprintf("%.1f min", d.Minutes())
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func perEvent(d time.Duration, events int) string {
	if events <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Microsecond)/float64(events))
}

func ratio(a, b float64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func percent(a, b float64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %%", 100*a/b)
}

// bytesText is a size in KiB below 1 MiB, else in MiB.
func bytesText(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
	}
	return mib(b)
}

func mib(b int64) string {
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// machine describes where the run happened.
func machine() string {
	s := fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if m := procField("/proc/cpuinfo", "model name"); m != "" {
		s += " (" + m + ")"
	}
	if m := procField("/proc/meminfo", "MemTotal"); m != "" {
		if kb, err := strconv.ParseInt(strings.Fields(m)[0], 10, 64); err == nil {
			s += fmt.Sprintf(", %.0f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return s + ", " + runtime.Version()
}

func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func command() string {
	args := append([]string{"go", "run", "./cmd/bench"}, os.Args[1:]...)
	for i, a := range args {
		if strings.ContainsAny(a, " '\"{}") {
			args[i] = "'" + a + "'"
		}
	}
	return strings.Join(args, " ")
}

// loadAverage is the 1-minute load average ("" where unknown).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
