package events

import (
	"iter"
	"slices"
)

// List holds events as chunks (one per vendor page, in the order read), so
// that a million events are never copied from page slices into one big
// slice and again into a merged one. Chunks may be shared with the fetch
// cache: a List is read-only once built, except through DedupeList.
type List struct {
	chunks [][]Event
}

// ListOf makes a list of the given chunks, in order (they are not copied).
func ListOf(chunks ...[]Event) List {
	var l List
	for _, c := range chunks {
		l = l.Add(c)
	}
	return l
}

// Add returns l followed by the events of c (not copied).
func (l List) Add(c []Event) List {
	if len(c) > 0 {
		l.chunks = append(l.chunks, c)
	}
	return l
}

// Concat returns l followed by m.
func (l List) Concat(m List) List {
	for _, c := range m.chunks {
		l = l.Add(c)
	}
	return l
}

// Len is the number of events.
func (l List) Len() int {
	n := 0
	for _, c := range l.chunks {
		n += len(c)
	}
	return n
}

// All yields every event in order.
func (l List) All() iter.Seq[*Event] {
	return func(yield func(*Event) bool) {
		for _, c := range l.chunks {
			for i := range c {
				if !yield(&c[i]) {
					return
				}
			}
		}
	}
}

// Chunks yields the list's chunks in order.
func (l List) Chunks() iter.Seq[[]Event] {
	return slices.Values(l.chunks)
}

// Head returns the first n events (all of them when n >= Len).
func (l List) Head(n int) List {
	var out List
	for _, c := range l.chunks {
		if n <= 0 {
			break
		}
		if len(c) > n {
			c = c[:n]
		}
		out = out.Add(c)
		n -= len(c)
	}
	return out
}

// Flatten copies the events into one slice.
func (l List) Flatten() []Event {
	out := make([]Event, 0, l.Len())
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}

// Sorted returns the list ordered newest first (see SortNewestFirst). A
// list already in that order — vendors answer newest first, and windows
// are taken newest first — is returned as is, without a copy. A list of a
// few such runs (a query over several providers: each provider's events
// are in order) is merged; anything else is sorted.
func (l List) Sorted() List {
	var starts []int // the chunks that begin a run, after the first
	var prev *Event
	for i, c := range l.chunks {
		if !inOrder(c) {
			return sortAll(l)
		}
		if prev != nil && compareNewest(prev, &c[0]) > 0 {
			starts = append(starts, i)
		}
		prev = &c[len(c)-1]
	}
	switch {
	case len(starts) == 0:
		return l
	case len(starts) >= maxMergeRuns:
		return sortAll(l)
	}
	return ListOf(merge(l, starts))
}

// sortAll copies the events of l into one slice and sorts it.
func sortAll(l List) List {
	all := l.Flatten()
	slices.SortStableFunc(all, newestFirst)
	return ListOf(all)
}

// maxMergeRuns bounds the runs Sorted merges: each event taken compares
// the heads of every run.
const maxMergeRuns = 16

// merge interleaves the runs of l, each newest first, that begin at chunk
// 0 and at the chunks starts into one slice, newest first; of equal
// events, the one of the earlier run comes first (as a stable sort would
// leave them).
func merge(l List, starts []int) []Event {
	type cursor struct {
		chunks [][]Event // the run's chunks not yet taken
		i      int       // the next event in chunks[0]
	}
	cs := make([]cursor, 0, len(starts)+1)
	from := 0
	for _, to := range append(starts, len(l.chunks)) {
		cs = append(cs, cursor{chunks: l.chunks[from:to]})
		from = to
	}
	out := make([]Event, 0, l.Len())
	for len(cs) > 0 {
		best := 0
		for j := 1; j < len(cs); j++ {
			if compareNewest(&cs[j].chunks[0][cs[j].i], &cs[best].chunks[0][cs[best].i]) < 0 {
				best = j
			}
		}
		c := &cs[best]
		out = append(out, c.chunks[0][c.i])
		if c.i++; c.i == len(c.chunks[0]) {
			c.chunks, c.i = c.chunks[1:], 0
			if len(c.chunks) == 0 {
				cs = slices.Delete(cs, best, best+1)
			}
		}
	}
	return out
}

// Compact returns chunks that filtering left less than half full as
// exact-size copies, so that a cached window does not keep a page-sized
// array alive for a few events.
func (l List) Compact() List {
	var out List
	for _, c := range l.chunks {
		if len(c) < cap(c)/2 {
			c = slices.Clone(c)
		}
		out = out.Add(c)
	}
	return out
}

// DedupeList removes events whose Key was already seen at an earlier
// position of the list, keeping the first. It compacts the chunks in
// place: use it only on a list that nothing else holds.
func DedupeList(l List) List {
	type key struct{ provider, key string }
	seen := make(map[key]struct{}, l.Len())
	var out List
	for _, c := range l.chunks {
		n := 0
		for i := range c {
			if c[i].Key == "" {
				if n != i {
					c[n] = c[i]
				}
				n++
				continue
			}
			k := key{c[i].Provider, c[i].Key}
			if _, ok := seen[k]; ok {
				continue
			}
			seen[k] = struct{}{}
			if n != i {
				c[n] = c[i]
			}
			n++
		}
		out = out.Add(c[:n])
	}
	return out
}
