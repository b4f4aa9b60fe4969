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
// are taken newest first — is returned as is, without a copy.
func (l List) Sorted() List {
	var prev *Event
	for _, c := range l.chunks {
		if (prev != nil && newestFirst(*prev, c[0]) > 0) || !slices.IsSortedFunc(c, newestFirst) {
			all := l.Flatten()
			slices.SortStableFunc(all, newestFirst)
			return ListOf(all)
		}
		prev = &c[len(c)-1]
	}
	return l
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
