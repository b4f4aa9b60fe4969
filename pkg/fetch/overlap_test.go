package fetch

import (
	"fmt"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// rec is a record at second s with the given content.
func rec(s int, content string) events.Event {
	return events.Event{Time: t0.Add(time.Duration(s) * time.Second), Provider: "domo",
		Raw: []byte(fmt.Sprintf(`{"t":%d,"c":%q}`, s, content))}
}

func pageOf(evs ...events.Event) providers.Page {
	return providers.Page{Events: evs, Records: len(evs)}
}

func contents(l events.List) []string {
	var out []string
	for e := range l.All() {
		out = append(out, string(e.Raw))
	}
	return out
}

func TestIdenticalRecordsWithinAPageAreDistinctEvents(t *testing.T) {
	j := joinPages([]providers.Page{pageOf(rec(9, "a"), rec(8, "fail"), rec(8, "fail"), rec(8, "fail"), rec(7, "b"))})
	if n := j.events.Len(); n != 5 || len(j.ties) != 0 {
		t.Fatalf("%d events, ties %v; three identical failed logins are three events", n, j.ties)
	}
}

func TestAShiftedPageLosesItsRepeatsOnce(t *testing.T) {
	// Two records were inserted above page 1 while it was read: page 2
	// begins with page 1's last two (one newer than its last time).
	p1 := pageOf(rec(9, "a"), rec(8, "b"), rec(7, "c"), rec(6, "d"))
	p2 := pageOf(rec(7, "c"), rec(6, "d"), rec(5, "e"), rec(4, "f"))
	j := joinPages([]providers.Page{p1, p2})
	got := contents(j.events)
	// c (beyond the boundary's time) is dropped; d, at the time page 1
	// ended, may be a repeat or a second d: that time is read again.
	cs := 0
	for _, g := range got {
		if g == string(rec(7, "c").Raw) {
			cs++
		}
	}
	if len(got) != 7 || cs != 1 {
		t.Fatalf("joined %v", got)
	}
	if len(j.ties) != 1 || !j.ties[0].Equal(t0.Add(6*time.Second)) {
		t.Fatalf("ties %v, want the 6th second", j.ties)
	}
	// The tie read holds the one d: it replaces both pages' d.
	l := replaceAt(j.events, j.ties[0], []events.Event{rec(6, "d")})
	if got := contents(l); len(got) != 6 || got[3] != string(rec(6, "d").Raw) || got[4] != string(rec(5, "e").Raw) {
		t.Fatalf("after the tie read %v", got)
	}
}

func TestABurstAcrossAPageBoundaryIsReadAgainNotMerged(t *testing.T) {
	// Four identical failed logins in one second, two on each page, no
	// shift: the pages alone cannot tell 4 from 2 (+2 repeats).
	p1 := pageOf(rec(9, "a"), rec(8, "fail"), rec(8, "fail"))
	p2 := pageOf(rec(8, "fail"), rec(8, "fail"), rec(7, "b"))
	j := joinPages([]providers.Page{p1, p2})
	if j.events.Len() != 6 || len(j.ties) != 1 {
		t.Fatalf("%d events, ties %v", j.events.Len(), j.ties)
	}
	burst := []events.Event{rec(8, "fail"), rec(8, "fail"), rec(8, "fail"), rec(8, "fail")}
	if l := replaceAt(j.events, j.ties[0], burst); l.Len() != 6 {
		t.Fatalf("%d events after the tie read, want a, four failed logins and b", l.Len())
	}
}

func TestDistinctRecordsAtTheBoundarysTimeNeedNoSecondRead(t *testing.T) {
	p1 := pageOf(rec(9, "a"), rec(8, "x"))
	p2 := pageOf(rec(8, "y"), rec(7, "b"))
	if j := joinPages([]providers.Page{p1, p2}); j.events.Len() != 4 || len(j.ties) != 0 {
		t.Fatalf("%d events, ties %v", j.events.Len(), j.ties)
	}
}

func TestARecordBeyondTheBoundaryThatThePageBeforeLacksIsKept(t *testing.T) {
	p1 := pageOf(rec(9, "a"), rec(8, "b"))
	p2 := pageOf(rec(9, "new"), rec(7, "c")) // out of the vendor's order: kept, never lost
	if j := joinPages([]providers.Page{p1, p2}); j.events.Len() != 4 {
		t.Fatalf("%d events, want 4", j.events.Len())
	}
}

func TestOldestFirstPagesAreJoinedTheOtherWayRound(t *testing.T) {
	p1 := pageOf(rec(1, "a"), rec(2, "b"), rec(3, "c"))
	p2 := pageOf(rec(2, "b"), rec(3, "c"), rec(4, "d")) // overlaps by two
	j := joinPages([]providers.Page{p1, p2})
	if got := contents(j.events); len(got) != 5 || len(j.ties) != 1 || !j.ties[0].Equal(t0.Add(3*time.Second)) {
		t.Fatalf("joined %v, ties %v", got, j.ties)
	}
}

func TestAnEmptyPageDoesNotHideTheBoundary(t *testing.T) {
	p1 := pageOf(rec(9, "a"), rec(8, "b"))
	p3 := pageOf(rec(9, "a"), rec(7, "c"))
	if j := joinPages([]providers.Page{p1, pageOf(), p3}); j.events.Len() != 3 {
		t.Fatalf("%d events, want the repeat of a dropped across the empty page", j.events.Len())
	}
}
