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
)

type report struct {
	o                 *options
	samples           []sample
	unanswered        int
	elapsed           time.Duration
	loads             []providerLoad // in events.ProviderIDs order
	rssSetup, rssPeak int64
}

// print writes the tables and returns whether every check passed.
func (r *report) print(w io.Writer) bool {
	fmt.Fprintf(w, "\nQueries (%s of load, every answer checked against the simulator's ground truth):\n\n", r.elapsed.Round(100*time.Millisecond))
	rows := [][]string{{"queries", "count", "answered", "errors", "wrong", "p50", "p95", "max"}}
	add := func(name string, keep func(s *sample) bool, unanswered int) {
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
			return
		}
		slices.Sort(lat)
		rows = append(rows, []string{name, fmt.Sprint(len(lat) + unanswered), fmt.Sprint(len(lat)), fmt.Sprint(errs), fmt.Sprint(wrong),
			dur(pct(lat, 50)), dur(pct(lat, 95)), dur(pct(lat, 100))})
	}
	add("all", func(*sample) bool { return true }, r.unanswered)
	add("first load of each panel", func(s *sample) bool { return s.first }, 0)
	add("refreshes", func(s *sample) bool { return !s.first }, 0)
	for _, f := range []string{"table", "timeseries", "logs"} {
		add("format "+f, func(s *sample) bool { return s.format == f }, 0)
	}
	mdtable.Write(w, rows)

	fmt.Fprintf(w, "\nRequests at the simulator, per provider (peak: the most within any 60 s):\n\n")
	rows = [][]string{{"provider", "requests", "peak / 60 s", "limit", "429 answers", "other non-2xx", "peak ≤ limit"}}
	ok := true
	for i, id := range events.ProviderIDs {
		l := r.loads[i]
		limit := "none documented; not paced"
		verdict := "n/a"
		if n := documentedLimit(id); n > 0 {
			limit = fmt.Sprintf("%d/min (documented; paced at %d/min)", n, n)
			verdict = "PASS"
			if l.peak > n || l.limited > 0 {
				verdict = "FAIL"
				ok = false
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
		rows = append(rows, []string{id, fmt.Sprint(l.requests), fmt.Sprint(l.peak), limit, fmt.Sprint(l.limited), otherText, verdict})
	}
	mdtable.Write(w, rows)

	fmt.Fprintf(w, "\nMemory: peak RSS (VmHWM) %s; %s after the simulator, its ground truth and the data source were set up, before the load.\n",
		mib(r.rssPeak), mib(r.rssSetup))

	errs, wrong := 0, 0
	var firstErr, firstWrong string
	for _, s := range r.samples {
		if s.err != "" {
			errs++
			if firstErr == "" {
				firstErr = s.err
			}
		}
		if s.wrong != "" {
			wrong++
			if firstWrong == "" {
				firstWrong = fmt.Sprintf("panel %d (%s): %s", s.panel, s.format, s.wrong)
			}
		}
	}
	verdict := func(pass bool, what string) {
		mark := "PASS"
		if !pass {
			mark = "FAIL"
			ok = false
		}
		fmt.Fprintf(w, "%s %s\n", mark, what)
	}
	fmt.Fprintln(w)
	verdict(r.unanswered == 0 && errs == 0, fmt.Sprintf("all answered: %d queries, %d errors, %d unanswered", len(r.samples)+r.unanswered, errs, r.unanswered))
	if firstErr != "" {
		fmt.Fprintf(w, "     first error: %.300s\n", firstErr)
	}
	verdict(wrong == 0, fmt.Sprintf("none wrong: %d of %d answers differ from the ground truth", wrong, len(r.samples)-errs))
	if firstWrong != "" {
		fmt.Fprintf(w, "     first wrong answer: %.300s\n", firstWrong)
	}
	te := r.loads[slices.Index(events.ProviderIDs, events.ThousandEyes)]
	verdict(te.peak <= documentedLimit(events.ThousandEyes) && te.limited == 0,
		fmt.Sprintf("ThousandEyes under its documented 240 requests/min: peak %d in 60 s, %d answered 429", te.peak, te.limited))
	return ok
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
