package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/auditlens/auditlog/internal/mdtable"
	"github.com/auditlens/auditlog/pkg/events"
)

// verdict is one line of the end result: a must-hold (PASS/FAIL, fails
// the exit status) or a target (MET/MISS, fails it only with -strict).
type verdict struct {
	must       bool
	pass       bool
	text       string
	detail     string // shown under a failed line
	detailName string
}

func (v verdict) mark() string {
	switch {
	case v.must && v.pass:
		return "PASS"
	case v.must:
		return "FAIL"
	case v.pass:
		return "MET "
	}
	return "MISS"
}

// failed reports whether v fails the exit status.
func (v verdict) failed(strict bool) bool { return !v.pass && (v.must || strict) }

// comparison is one provider's vendor requests in the replicas' run
// against the one-replica run of the same load.
type comparison struct {
	provider    string
	base, multi int
	// baseCold, multiCold: of them, the requests until every panel's first
	// load was answered.
	baseCold, multiCold int
	ratio               float64 // multi / base; +Inf when base is 0 and multi is not
	pass                bool    // ratio ≤ the target
}

// compareRequests compares the runs' requests per provider (loads in ids'
// order) and adds a "total" row.
func compareRequests(ids []string, base, multi []providerLoad, maxRatio float64) []comparison {
	out := make([]comparison, 0, len(ids)+1)
	var total comparison
	for i, id := range ids {
		c := newComparison(id, base[i].requests, multi[i].requests, maxRatio)
		c.baseCold, c.multiCold = base[i].cold, multi[i].cold
		out = append(out, c)
		total.base += c.base
		total.multi += c.multi
		total.baseCold += c.baseCold
		total.multiCold += c.multiCold
	}
	t := newComparison("total", total.base, total.multi, maxRatio)
	t.baseCold, t.multiCold = total.baseCold, total.multiCold
	return append(out, t)
}

func newComparison(id string, base, multi int, maxRatio float64) comparison {
	c := comparison{provider: id, base: base, multi: multi}
	switch {
	case base > 0:
		c.ratio = float64(multi) / float64(base)
	case multi > 0:
		c.ratio = math.Inf(1)
	}
	// A hair of slack for the float division (1.1 × 10 = 11.000000000000002).
	c.pass = c.ratio <= maxRatio+1e-9
	return c
}

func (c comparison) ratioText() string {
	switch {
	case math.IsInf(c.ratio, 1):
		return "∞"
	case c.base == 0:
		return "–"
	}
	return fmt.Sprintf("%.2f×", c.ratio)
}

// healthVerdicts judge the replicas' health read after Redis was killed
// (must: the Redis line FAILED on every replica while every provider
// works, and no password in it) and after it was restarted (target: the
// line OK again).
func healthVerdicts(shots []healthShot) []verdict {
	var out []verdict
	var moments []string
	by := map[string][]healthShot{}
	for _, h := range shots {
		if _, ok := by[h.moment]; !ok {
			moments = append(moments, h.moment)
		}
		by[h.moment] = append(by[h.moment], h)
	}
	for _, m := range moments {
		hs := by[m]
		killed := strings.Contains(m, "kill")
		pass, leaked := true, false
		detail := ""
		for _, h := range hs {
			ok := h.err == "" && h.providers > 0 && h.providersOK == h.providers && h.redisOK != killed &&
				strings.Contains(h.redisLine, map[bool]string{true: "FAILED", false: "OK"}[killed])
			if !ok && detail == "" {
				detail = fmt.Sprintf("replica %d: %s%s | %s", h.replica, h.err, h.message, h.redisLine)
			}
			pass = pass && ok
			leaked = leaked || h.leaked
		}
		if killed {
			out = append(out, verdict{must: true, pass: pass, detail: detail, detailName: "first replica off",
				text: fmt.Sprintf("health %s: the Redis line FAILED on all %d replicas, every provider still working", m, len(hs))})
		} else {
			out = append(out, verdict{pass: pass, detail: detail, detailName: "first replica off",
				text: fmt.Sprintf("health %s: the Redis line OK again on all %d replicas", m, len(hs))})
		}
		if leaked {
			out = append(out, verdict{must: true, text: fmt.Sprintf("health %s shows the Redis password", m)})
		}
	}
	return out
}

// summarize prints the comparison of the runs and every verdict, and
// returns whether the exit status is success.
func summarize(w io.Writer, o *options, reps []*report) bool {
	var all []verdict
	var names []string
	for _, r := range reps {
		for _, v := range r.checks() {
			all = append(all, v)
			names = append(names, r.spec.name)
		}
	}
	if len(reps) > 1 {
		multi, base := reps[0], reps[len(reps)-1]
		fmt.Fprintf(w, "\n=== %s against %s, the same load ===\n\n", multi.spec.name, base.spec.name)
		cs := compareRequests(events.ProviderIDs, base.loads, multi.loads, o.maxRatio)
		rows := [][]string{{"provider", "requests, " + base.spec.name, "requests, " + multi.spec.name, "ratio", fmt.Sprintf("≤ %g×", o.maxRatio),
			"first loads (1 / N)", "after them (1 / N)"}}
		worst := cs[0]
		for _, c := range cs {
			mark := "MET"
			if !c.pass {
				mark = "MISSED"
			}
			rows = append(rows, []string{c.provider, fmt.Sprint(c.base), fmt.Sprint(c.multi), c.ratioText(), mark,
				fmt.Sprintf("%d / %d", c.baseCold, c.multiCold), fmt.Sprintf("%d / %d", c.base-c.baseCold, c.multi-c.multiCold)})
			if c.provider != "total" && (c.ratio > worst.ratio || math.IsNaN(worst.ratio)) {
				worst = c
			}
		}
		mdtable.Write(w, rows)
		fmt.Fprintln(w, "\nFirst loads: the requests until every panel's first load was answered (alert evaluations that fell in it included); after them: refreshes and alert evaluations.")
		te := func(r *report) providerLoad { return r.loads[indexOf(events.ProviderIDs, events.ThousandEyes)] }
		fmt.Fprintf(w, "ThousandEyes peak per 60 s: %d (%s), %d (%s); 429 answers: %d, %d.\n",
			te(multi).peak, multi.spec.name, te(base).peak, base.spec.name, te(multi).limited, te(base).limited)
		fmt.Fprintf(w, "Time: %s took %s, %s %s.\n", multi.spec.name, multi.wall.Round(100*time.Millisecond), base.spec.name, base.wall.Round(100*time.Millisecond))
		pass := true
		var missed []string
		for _, c := range cs[:len(cs)-1] {
			if !c.pass {
				pass = false
				missed = append(missed, fmt.Sprintf("%s %d vs %d (%s)", c.provider, c.multi, c.base, c.ratioText()))
			}
		}
		text := fmt.Sprintf("%s send at most %g× the vendor requests of %s, per provider: worst %s %s",
			multi.spec.name, o.maxRatio, base.spec.name, worst.provider, worst.ratioText())
		if len(multi.faults) > 0 {
			text += " (Redis was down for part of the run)"
		}
		all = append(all, verdict{pass: pass, text: text, detail: strings.Join(missed, "; "), detailName: "over"})
		names = append(names, "comparison")
	}
	fmt.Fprintln(w)
	ok := true
	for i, v := range all {
		prefix := ""
		if len(reps) > 1 {
			prefix = names[i] + ": "
		}
		fmt.Fprintf(w, "%s %s%s\n", v.mark(), prefix, v.text)
		if v.detail != "" && !v.pass {
			fmt.Fprintf(w, "     %s: %.300s\n", v.detailName, v.detail)
		}
		if v.failed(o.strict) {
			ok = false
		}
	}
	if !o.strict {
		fmt.Fprintln(w, "(PASS/FAIL must hold and set the exit status; MET/MISS are targets, which fail it only with -strict.)")
	}
	return ok
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}
