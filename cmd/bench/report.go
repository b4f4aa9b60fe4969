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
	fmt.Fprintf(w, "command:   %s\n", command())
	te := "off"
	if o.teRateLimit >= 0 {
		te = fmt.Sprintf("%d/min", o.teRateLimit)
	}
	fmt.Fprintf(w, "simulator: own process, latency %s, %g days ending %s, seed %d, ThousandEyes rate limit %s\n",
		o.latency, o.days, o.end.Format(time.RFC3339), o.seed, te)
	extra := ""
	if o.settings != "" {
		extra = ", jsonData " + o.settings
	}
	fmt.Fprintf(w, "engine:    child process per case; provider %s, concurrency %d%s; one query over the whole range, cold then warm;\n", o.provider, o.concurrency, extra)
	fmt.Fprintf(w, "           timeseries grouped by event (top 10 + other), interval %s\n\n", o.interval)

	rows := [][]string{{"provider", "format", "events", "requests", "min pages", "windows", "wall", "ideal", "wall/ideal",
		"CPU µs/event", "decode µs/event", "CPU/decode", "sim+proxy CPU", "peak RSS", "warm wall", "warm req", "warm/cold"}}
	for _, c := range r.cases {
		cold, warm := c.Child.Cold, c.Child.Warm
		rows = append(rows, []string{c.Provider, c.Format, countText(c.Events),
			strconv.FormatInt(cold.Requests, 10), strconv.Itoa(c.MinPages), strconv.Itoa(c.Windows),
			dur(cold.Wall), dur(c.ideal()), ratio(float64(cold.Wall), float64(c.ideal())),
			perEvent(cold.CPU, c.Events), perEvent(c.Base.CPU, c.Events), ratio(float64(cold.CPU), float64(c.Base.CPU)),
			dur(c.RigCold), mib(c.Child.PeakRSS), dur(warm.Wall), strconv.FormatInt(warm.Requests, 10), percent(float64(warm.Wall), float64(cold.Wall))})
	}
	mdtable.Write(w, rows)
	fmt.Fprintf(w, "\nideal = latency × min pages ÷ concurrency; min pages = ceil(events ÷ max page size) (one per window without paging);\n")
	fmt.Fprintf(w, "requests = counted by the proxy (token requests included: the minimum adds the one a fresh domo-platform data source needs); windows = the engine's split of the range (meta.executedQueryString);\n")
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
		row := []string{fmt.Sprintf("%s %s %s", c.Provider, c.Format, countText(c.Events)),
			verdict(cold.Requests <= allowed, fmt.Sprintf("%d ≤ %d", cold.Requests, allowed))}
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

	var notes []string
	for _, c := range r.cases {
		name := fmt.Sprintf("%s %s %s", c.Provider, c.Format, countText(c.Events))
		for _, p := range c.Problems {
			notes = append(notes, "ERROR "+name+": "+p)
		}
		for _, n := range c.Notes {
			notes = append(notes, "note  "+name+": "+n)
		}
		notes = append(notes, fmt.Sprintf("info  %s: CPU cold %s, warm %s; Go heap after cold %s with the response, %s kept; peak RSS %s after cold; baseline %d pages, %s, %s CPU",
			name, dur(c.Child.Cold.CPU), dur(c.Child.Warm.CPU), mib(int64(c.Child.LiveWithResponse)), mib(int64(c.Child.LiveHeap)),
			mib(c.Child.PeakRSSCold), c.Base.Pages, mib(c.Base.Bytes), dur(c.Base.CPU)))
		if rt := c.Rig; rt.Requests > 0 {
			notes = append(notes, fmt.Sprintf("rig   %s: a request took %s at the proxy (median; %s–%s); %d requests on %d slots take %d rounds, %s at the median = %.2f × ideal; after the last answer the engine took %s",
				name, dur(rt.Median), dur(rt.Fastest), dur(rt.Slowest), rt.Requests, c.Concurrency, rt.Rounds,
				dur(rt.floor()), float64(rt.floor())/float64(c.ideal()), dur(rt.Tail)))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
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
