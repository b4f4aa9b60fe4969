package fetch

import (
	"slices"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Joining the pages of one read of a window.
//
// Identical records are distinct events: a burst of the same failed login
// from the same address within one second is several records that render
// byte for byte alike, and every one of them counts. So a record repeated
// within a page, or within the pages of one read, is never dropped.
//
// What is dropped is what a shift of the vendor's pages repeated: when
// records are inserted above an offset page while a window is read
// (newest first), or a vendor's next link overlaps, the next page begins
// with the last records of the page before. Those repeats sit at the
// boundary: records at or beyond the time where the page before ended.
// Beyond that time, the page before holds every record the vendor has, so
// a record there is a repeat of one of them, and dropped once for each
// (as a multiset: one copy per copy the page before holds). At exactly
// that time the two pages may hold both repeats and distinct identical
// records, and nothing in the pages tells them apart: that time is read
// again on its own (a tie read) and its records replace theirs.

// joined is the outcome of joinPages.
type joined struct {
	events events.List
	// ties are the times whose records the pages cannot tell apart.
	ties []time.Time
}

// joinPages joins pages read one after another, in the vendor's order.
func joinPages(pages []providers.Page) joined {
	var out joined
	desc := newestFirst(pages)
	var prev []events.Event
	for _, page := range pages {
		evs := page.Events
		if len(prev) > 0 && len(evs) > 0 {
			var tie bool
			evs, tie = dropRepeats(prev, evs, desc)
			if tie {
				t := prev[len(prev)-1].Time
				if !slices.ContainsFunc(out.ties, t.Equal) {
					out.ties = append(out.ties, t)
				}
			}
		}
		out.events = out.events.Add(evs)
		if len(evs) > 0 {
			prev = evs
		}
	}
	return out
}

// newestFirst reports the vendor's order from the first two records of
// different times (newest first when none differ).
func newestFirst(pages []providers.Page) bool {
	var first *events.Event
	for _, p := range pages {
		for i := range p.Events {
			e := &p.Events[i]
			if first == nil {
				first = e
			} else if !e.Time.Equal(first.Time) {
				return e.Time.Before(first.Time)
			}
		}
	}
	return true
}

// dropRepeats returns next without the records that repeat prev's last
// ones beyond prev's last time, and whether records at that time may be
// repeats or distinct (tie).
func dropRepeats(prev, next []events.Event, desc bool) ([]events.Event, bool) {
	t := prev[len(prev)-1].Time
	beyond := func(u time.Time) bool {
		if desc {
			return u.After(t)
		}
		return u.Before(t)
	}
	// The head of next that lies at or beyond t.
	h := 0
	for h < len(next) && (beyond(next[h].Time) || next[h].Time.Equal(t)) {
		h++
	}
	if h == 0 {
		return next, false
	}
	// prev's records by content, from t to the head's farthest time.
	far := next[0].Time
	copies := map[string]int{}
	atT := map[string]bool{}
	for i := len(prev) - 1; i >= 0; i-- {
		u := prev[i].Time
		if !u.Equal(far) && (desc && u.After(far) || !desc && u.Before(far)) {
			break
		}
		copies[string(prev[i].Raw)]++
		if u.Equal(t) {
			atT[string(prev[i].Raw)] = true
		}
	}
	kept := make([]events.Event, 0, len(next))
	tie := false
	for i := range next[:h] {
		e := &next[i]
		key := string(e.Raw)
		switch {
		case e.Time.Equal(t):
			tie = tie || atT[key]
			kept = append(kept, *e)
		case copies[key] > 0:
			copies[key]-- // a repeat of a record prev holds
		default:
			kept = append(kept, *e) // not in prev: nothing is lost
		}
	}
	if len(kept) == h {
		return next, tie
	}
	return append(kept, next[h:]...), tie
}

// replaceAt returns evs with the events at time t replaced by with (the
// tie read of t): with goes where the first of them was.
func replaceAt(evs events.List, t time.Time, with []events.Event) events.List {
	var out events.List
	placed := false
	for c := range evs.Chunks() {
		i := slices.IndexFunc(c, func(e events.Event) bool { return e.Time.Equal(t) })
		if i < 0 {
			out = out.Add(c)
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(c[i:]), func(e events.Event) bool { return e.Time.Equal(t) })
		out = out.Add(c[:i])
		if !placed {
			out = out.Add(with)
			placed = true
		}
		out = out.Add(rest)
	}
	if !placed {
		out = out.Add(with)
	}
	return out
}
