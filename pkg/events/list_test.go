package events

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func at(sec int, key string) Event {
	return Event{Time: t0.Add(time.Duration(sec) * time.Second), Provider: "p", Key: key}
}

func keys(l List) []string {
	var out []string
	for e := range l.All() {
		out = append(out, e.Key)
	}
	return out
}

func TestListKeepsChunksInOrderWithoutCopying(t *testing.T) {
	a := []Event{at(9, "a"), at(8, "b")}
	b := []Event{at(5, "c")}
	l := ListOf(a, nil, b)
	if l.Len() != 3 || !slices.Equal(keys(l), []string{"a", "b", "c"}) {
		t.Fatalf("list %v", keys(l))
	}
	if s := l.Sorted(); &slices.Collect(s.Chunks())[0][0] != &a[0] {
		t.Fatal("a list already newest first must be returned as is, not copied")
	}
	if h := l.Head(2); !slices.Equal(keys(h), []string{"a", "b"}) || l.Head(0).Len() != 0 || l.Head(10).Len() != 3 {
		t.Fatalf("head %v", keys(h))
	}
}

func TestListSortsWhenChunksOverlap(t *testing.T) {
	// Two providers merged: each chunk is sorted, the whole is not.
	l := ListOf([]Event{at(9, "a"), at(3, "b")}, []Event{at(7, "c"), at(1, "d")})
	if got := keys(l.Sorted()); !slices.Equal(got, []string{"a", "c", "b", "d"}) {
		t.Fatalf("sorted %v", got)
	}
	// An unsorted chunk is sorted too.
	if got := keys(ListOf([]Event{at(1, "x"), at(2, "y")}).Sorted()); !slices.Equal(got, []string{"y", "x"}) {
		t.Fatalf("sorted %v", got)
	}
}

func TestDedupeListSpansChunks(t *testing.T) {
	// Offset paging: a record shifted onto the next page is read twice.
	l := DedupeList(ListOf([]Event{at(9, "a"), at(8, "b")}, []Event{at(8, "b"), at(7, "c")}))
	if got := keys(l); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("deduped %v", got)
	}
}

func TestCompactReleasesMostlyEmptyPages(t *testing.T) {
	page := make([]Event, 1, 1000)
	page[0] = at(1, "a")
	full := []Event{at(0, "b")}
	chunks := slices.Collect(ListOf(page, full).Compact().Chunks())
	if len(chunks) != 2 || cap(chunks[0]) != 1 || &chunks[1][0] != &full[0] {
		t.Fatalf("compact: caps %d, shared %v", cap(chunks[0]), &chunks[1][0] == &full[0])
	}
}

// Hash keys differ from process to process; the order of events with the
// same time must not depend on them, or a table would reorder on every
// plugin restart (and the sorted fast path would rarely apply).
func TestSameTimeEventsKeepTheVendorOrder(t *testing.T) {
	page := []Event{at(5, "z"), at(5, "a"), at(4, "m")}
	got := ListOf(page).Sorted()
	if !slices.Equal(keys(got), []string{"z", "a", "m"}) || &slices.Collect(got.Chunks())[0][0] != &page[0] {
		t.Fatalf("order %v", keys(got))
	}
}

// A query over several providers merges their lists, each already newest
// first and in several chunks: the result is what a stable sort gives, and
// the providers' lists (shared with the cache) are left as they were.
func TestSortedMergesProvidersInOrder(t *testing.T) {
	of := func(p string, e Event) Event { e.Provider = p; return e }
	a := [][]Event{{of("a", at(9, "a9")), of("a", at(5, "a5"))}, {of("a", at(5, "a5b")), of("a", at(1, "a1"))}}
	b := [][]Event{{of("b", at(8, "b8")), of("b", at(5, "b5"))}, {of("b", at(2, "b2"))}}
	c := [][]Event{{of("a", at(7, "c7")), of("a", at(5, "c5"))}} // same provider and time as a5: after a's
	l := ListOf(append(append(slices.Clone(a), b...), c...)...)
	before := keys(l)
	all := l.Flatten()
	slices.SortStableFunc(all, newestFirst)
	want := keys(ListOf(all))
	got := keys(l.Sorted())
	if !slices.Equal(got, want) {
		t.Fatalf("merged %v, a stable sort gives %v", got, want)
	}
	if !slices.Equal(want, []string{"a9", "b8", "c7", "a5", "a5b", "c5", "b5", "b2", "a1"}) {
		t.Fatalf("sorted %v", want)
	}
	if !slices.Equal(keys(l), before) {
		t.Fatalf("the input changed: %v", keys(l))
	}

	// More runs than are merged: sorted all the same.
	var many [][]Event
	for i := range 3 * maxMergeRuns {
		many = append(many, []Event{at(i, fmt.Sprint(i))})
	}
	ml := ListOf(many...).Sorted()
	if n := ml.Len(); n != 3*maxMergeRuns || !inOrder(ml.Flatten()) {
		t.Fatalf("%d runs: %d events, in order %v", 3*maxMergeRuns, n, inOrder(ml.Flatten()))
	}
}

// BenchmarkSortedInOrder is the check every merged query result goes
// through: a list already newest first, as vendors answer, in page-sized
// chunks.
func BenchmarkSortedInOrder(b *testing.B) {
	const n, page = 100000, 1000
	var chunks [][]Event
	for i := 0; i < n; i += page {
		c := make([]Event, page)
		for j := range c {
			c[j] = at(n-i-j, "k")
		}
		chunks = append(chunks, c)
	}
	benchSorted(b, ListOf(chunks...), n)
}

// benchSorted times l.Sorted, reporting ns per event.
func benchSorted(b *testing.B, l List, n int) {
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if l.Sorted().Len() != n {
			b.Fatal("lost events")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

// BenchmarkSortedMerge is a query over several providers: each provider's
// events are newest first, the providers' lists interleave.
func BenchmarkSortedMerge(b *testing.B) {
	const n, page, providers = 100000, 1000, 4
	var lists []List
	for p := range providers {
		var chunks [][]Event
		for i := 0; i < n/providers; i += page {
			c := make([]Event, page)
			for j := range c {
				c[j] = at(n-(i+j)*providers-p, "k")
				c[j].Provider = string(rune('a' + p))
			}
			chunks = append(chunks, c)
		}
		lists = append(lists, ListOf(chunks...))
	}
	var l List
	for _, m := range lists {
		l = l.Concat(m)
	}
	benchSorted(b, l, n)
}
