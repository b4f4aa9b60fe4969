package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/auditlens/auditlog/internal/mdtable"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// replicaUsage is what one plugin process used (from /proc).
type replicaUsage struct {
	rssPeak int64
	cpu     time.Duration
}

type report struct {
	o                 *options
	spec              runSpec
	samples           []sample
	unanswered        int
	elapsed           time.Duration  // the load, answers due included
	wall              time.Duration  // the whole run, set-up included
	loads             []providerLoad // in events.ProviderIDs order
	rssSetup, rssPeak int64          // this process
	replicas          []replicaUsage // plugin processes, in replica order
	health            []healthShot   // after Redis was killed or restarted
	faults            []string       // what was done to Redis, when
	alertSkipped      int
	coldEnd           time.Time // every panel's first load answered (clock.Now)
	redis             *redisStats
}

// latencyRow is a table row of the samples keep selects: count, answered,
// errors, wrong and latency percentiles.
func (r *report) latencyRow(name string, keep func(s *sample) bool, unanswered int) []string {
	var lat []time.Duration
	errs, wrong := 0, 0
	for i := range r.samples {
		s := &r.samples[i]
		if !keep(s) {
			continue
		}
		lat = append(lat, s.latency)
		switch {
		case s.err != "":
			errs++
		case s.wrong != "":
			wrong++
		}
	}
	if len(lat) == 0 && unanswered == 0 {
		return nil
	}
	slices.Sort(lat)
	return []string{name, fmt.Sprint(len(lat) + unanswered), fmt.Sprint(len(lat)), fmt.Sprint(errs), fmt.Sprint(wrong),
		dur(pct(lat, 50)), dur(pct(lat, 95)), dur(pct(lat, 100))}
}

// printTables writes the run's tables.
func (r *report) printTables(w io.Writer) {
	fmt.Fprintf(w, "\nQueries (%s of load, every answer checked against the simulator's ground truth):\n\n", r.elapsed.Round(100*time.Millisecond))
	rows := [][]string{{"queries", "count", "answered", "errors", "wrong", "p50", "p95", "max"}}
	add := func(name string, keep func(s *sample) bool, unanswered int) {
		if row := r.latencyRow(name, keep, unanswered); row != nil {
			rows = append(rows, row)
		}
	}
	add("all", func(*sample) bool { return true }, r.unanswered)
	add("first load of each panel", func(s *sample) bool { return s.first && !s.alert }, 0)
	add("refreshes", func(s *sample) bool { return !s.first && !s.alert }, 0)
	for _, f := range []string{"table", "timeseries", "logs"} {
		add("format "+f, func(s *sample) bool { return s.format == f && !s.alert }, 0)
	}
	add("alert evaluations", func(s *sample) bool { return s.alert }, 0)
	for _, rule := range alertRules {
		add("  "+strings.TrimPrefix(rule.title, "Alert: "), func(s *sample) bool { return s.alert && s.title == rule.title }, 0)
	}
	mdtable.Write(w, rows)
	if r.alertSkipped > 0 {
		fmt.Fprintf(w, "\n%d alert ticks were skipped: the previous evaluation was still running.\n", r.alertSkipped)
	}

	fmt.Fprintf(w, "\nFirst loads by the panel's provider (target for thousandeyes and all: every first load ≤ %s):\n\n", dur(r.o.firstLoad))
	rows = [][]string{{"provider", "panels", "p50", "p95", "max", "target"}}
	for _, g := range r.firstLoadGroups() {
		rows = append(rows, []string{g.group, fmt.Sprint(g.count), dur(g.p50), dur(g.p95), dur(g.max), g.verdict})
	}
	mdtable.Write(w, rows)

	if len(r.replicas) > 0 {
		fmt.Fprintf(w, "\nReplicas (plugin processes; peak RSS and CPU from /proc):\n\n")
		rows = [][]string{{"replica", "panel queries", "alert evaluations", "errors", "wrong", "peak RSS", "CPU"}}
		for i, u := range r.replicas {
			panels, alerts, errs, wrong := 0, 0, 0, 0
			for _, s := range r.samples {
				if s.replica != i+1 {
					continue
				}
				if s.alert {
					alerts++
				} else {
					panels++
				}
				if s.err != "" {
					errs++
				} else if s.wrong != "" {
					wrong++
				}
			}
			rows = append(rows, []string{fmt.Sprint(i + 1), fmt.Sprint(panels), fmt.Sprint(alerts), fmt.Sprint(errs), fmt.Sprint(wrong),
				mib(u.rssPeak), fmt.Sprintf("%.1f s", u.cpu.Seconds())})
		}
		mdtable.Write(w, rows)
	}

	fmt.Fprintf(w, "\nRequests at the simulator, per provider (first loads: until every panel's first load was answered; peak: the most within any 60 s; per clock minute: the windows the vendor counts):\n\n")
	rows = [][]string{{"provider", "requests", "first loads", "peak / 60 s", "peak / clock minute", "limit", "429 answers", "other non-2xx", "peak ≤ limit"}}
	for i, id := range events.ProviderIDs {
		l := r.loads[i]
		limit := "none documented; not paced"
		verdict := "n/a"
		if n := documentedLimit(id); n > 0 {
			limit = fmt.Sprintf("%d/min (documented; paced at %d/min)", n, n)
			verdict = "PASS"
			if l.peak > n || l.limited > 0 {
				verdict = "FAIL"
			}
		}
		other := 0
		var codes []string
		for code, n := range l.status {
			if code/100 != 2 && code != 429 {
				other += n
				codes = append(codes, fmt.Sprintf("%d×%d", n, code))
			}
		}
		sort.Strings(codes)
		otherText := fmt.Sprint(other)
		if other > 0 {
			otherText += " (" + strings.Join(codes, ", ") + ")"
		}
		rows = append(rows, []string{id, fmt.Sprint(l.requests), fmt.Sprint(l.cold), fmt.Sprint(l.peak), fmt.Sprint(l.minutePeak), limit, fmt.Sprint(l.limited), otherText, verdict})
	}
	mdtable.Write(w, rows)

	if len(r.replicas) > 0 {
		fmt.Fprintf(w, "\nMemory: this process (simulator, ground truth, load) peak RSS %s; the replicas' are above.\n", mib(r.rssPeak))
	} else {
		fmt.Fprintf(w, "\nMemory: peak RSS (VmHWM) %s; %s after the simulator, its ground truth and the data source were set up, before the load.\n",
			mib(r.rssPeak), mib(r.rssSetup))
	}
	if r.redis != nil {
		if r.redis.err != nil {
			fmt.Fprintf(w, "Redis: INFO failed: %v\n", r.redis.err)
		} else {
			fmt.Fprintf(w, "Redis (since its last start): %d commands, %d keys, peak memory %s.\n", r.redis.commands, r.redis.keys, r.redis.peakMemory)
		}
	}
	if len(r.faults) > 0 {
		fmt.Fprintf(w, "\nRedis faults: %s. CheckHealth over gRPC on every replica:\n\n", strings.Join(r.faults, "; "))
		rows = [][]string{{"when", "replica", "status", "message", "Redis line"}}
		for _, h := range r.health {
			status, line := h.status.String(), h.redisLine
			if h.err != "" {
				status, line = "call failed", h.err
			}
			rows = append(rows, []string{fmt.Sprintf("%s (%.1f s)", h.moment, h.at.Seconds()), fmt.Sprint(h.replica), status, h.message, line})
		}
		mdtable.Write(w, rows)
	}
	if r.wall > 0 {
		fmt.Fprintf(w, "\nThis run took %s in all (set-up, load, answers due).\n", r.wall.Round(100*time.Millisecond))
	}
}

// firstLoadGroup is the first loads of the panels of one provider
// variable.
type firstLoadGroup struct {
	group          string
	count          int
	p50, p95, max  time.Duration
	targeted, pass bool
	verdict        string
}

// firstLoadGroups groups the panels' first loads by provider, in the order
// the panels open; thousandeyes and all have the first-load target.
func (r *report) firstLoadGroups() []firstLoadGroup {
	var order []string
	lat := map[string][]time.Duration{}
	for _, s := range r.samples {
		if !s.first || s.alert {
			continue
		}
		if _, ok := lat[s.group]; !ok {
			order = append(order, s.group)
		}
		lat[s.group] = append(lat[s.group], s.latency)
	}
	sort.SliceStable(order, func(i, j int) bool { return groupRank(order[i]) < groupRank(order[j]) })
	var out []firstLoadGroup
	for _, g := range order {
		l := lat[g]
		slices.Sort(l)
		fg := firstLoadGroup{group: g, count: len(l), p50: pct(l, 50), p95: pct(l, 95), max: pct(l, 100), verdict: "–"}
		if g == events.ThousandEyes || g == models.ProviderAll {
			fg.targeted, fg.pass = true, fg.max <= r.o.firstLoad
			fg.verdict = "MET"
			if !fg.pass {
				fg.verdict = "MISSED"
			}
		}
		out = append(out, fg)
	}
	return out
}

// groupRank puts the targeted groups first.
func groupRank(g string) int {
	switch g {
	case models.ProviderAll:
		return 0
	case events.ThousandEyes:
		return 1
	}
	return 2
}

// checks are the run's verdicts: must-holds and targets.
func (r *report) checks() []verdict {
	var out []verdict
	errs, wrong := 0, 0
	var firstErr, firstWrong string
	for _, s := range r.samples {
		if s.err != "" {
			errs++
			if firstErr == "" {
				firstErr = fmt.Sprintf("replica %d: %s", s.replica, s.err)
			}
		}
		if s.wrong != "" {
			wrong++
			if firstWrong == "" {
				firstWrong = fmt.Sprintf("loop %d (%s, replica %d): %s", s.panel, s.format, s.replica, s.wrong)
			}
		}
	}
	out = append(out, verdict{must: true, pass: r.unanswered == 0 && errs == 0,
		text:   fmt.Sprintf("all answered: %d queries, %d errors, %d unanswered", len(r.samples)+r.unanswered, errs, r.unanswered),
		detail: firstErr, detailName: "first error"})
	out = append(out, verdict{must: true, pass: wrong == 0,
		text:   fmt.Sprintf("none wrong: %d of %d answers differ from the ground truth", wrong, len(r.samples)-errs),
		detail: firstWrong, detailName: "first wrong answer"})
	te := r.loads[slices.Index(events.ProviderIDs, events.ThousandEyes)]
	out = append(out, verdict{must: true, pass: te.peak <= documentedLimit(events.ThousandEyes) && te.limited == 0,
		text: fmt.Sprintf("ThousandEyes under its documented 240 requests/min: peak %d in 60 s (%d in a clock minute), %d answered 429", te.peak, te.minutePeak, te.limited)})
	out = append(out, healthVerdicts(r.health)...)
	for _, g := range r.firstLoadGroups() {
		if g.targeted {
			out = append(out, verdict{pass: g.pass, text: fmt.Sprintf("first loads of %s panels ≤ %s: p50 %s, p95 %s, max %s over %d panels",
				g.group, dur(r.o.firstLoad), dur(g.p50), dur(g.p95), dur(g.max), g.count)})
		}
	}
	return out
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func dur(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%d MiB", b>>20)
}
