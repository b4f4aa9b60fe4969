package fetch

import (
	"slices"
	"time"

	"github.com/auditlens/auditlog/pkg/providers"
)

// growAfter is how far before its end a row-limited plan begins to grow.
const growAfter = 7 * day

// grow widens the settled windows of a row-limited plan older than a
// week before its end with their distance from it: each may be twice as
// long as the one after it (newer), up to maxSize. The last week is read
// as planned (a day at a time at most, so that a row limit reads little
// past what it keeps, and in the same windows as a time series over the
// range, which a dashboard's panels share), and years of nothing cost a
// few requests. Windows stay aligned to their size (see plan), so the
// cache serves them to any range.
func grow(wins []planned, maxSize time.Duration) []planned {
	if len(wins) == 0 {
		return wins
	}
	keep := wins[len(wins)-1].fetch.To.Add(-growAfter)
	var out []planned // newest first
	last := time.Duration(0)
	for i := len(wins) - 1; i >= 0; {
		w := wins[i]
		if !w.settled || w.pieces != nil || w.fetch.To.After(keep) {
			out = append(out, w)
			i--
			continue
		}
		size := w.fetch.To.Sub(w.fetch.From)
		if last == 0 {
			last = size
		}
		end := w.fetch.To
		// The widest size allowed whose window ends here, aligned, and
		// covers only settled windows of the plan.
		j, best := i, w
		for _, s := range slices.Backward(windowSizes) {
			if s > min(2*last, maxSize) || s <= size || end.Truncate(s) != end {
				continue
			}
			start := end.Add(-s)
			k := i
			for k >= 0 && wins[k].settled && wins[k].pieces == nil && !wins[k].fetch.From.Before(start) {
				k--
			}
			// wins[k+1..i] lie in [start, end); the window may reach past
			// the plan's first one only where the range begins.
			if k >= 0 && wins[k].fetch.To.After(start) {
				continue
			}
			j = k + 1
			best = planned{fetch: providers.Window{From: start, To: end},
				clip: providers.Window{From: wins[j].clip.From, To: w.clip.To}, settled: true}
			break
		}
		out = append(out, best)
		last = best.fetch.To.Sub(best.fetch.From)
		i = j - 1
	}
	slices.Reverse(out)
	return out
}
