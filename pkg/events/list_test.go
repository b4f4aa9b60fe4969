package events

import (
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
