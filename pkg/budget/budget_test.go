package budget

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A minute that starts on the clock, so that windows are predictable.
var t0 = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)

func takeN(b *Budget, now time.Time, n int) int {
	for i := range n {
		if b.Take(context.Background(), now) != 0 {
			return i
		}
	}
	return n
}

func TestFullSpeedUntilOnlyTheReserveIsLeftThenTheReset(t *testing.T) {
	b := New("org", Limit{Requests: 240, Window: time.Minute, Reserve: 0.1}, nil)
	now := t0.Add(10 * time.Second)
	if got := takeN(b, now, 300); got != 216 {
		t.Fatalf("%d requests went at once; 240 less a reserve of 24 is 216", got)
	}
	if wait := b.Take(context.Background(), now); wait != 50*time.Second {
		t.Fatalf("the next waits %s, want the 50 s to the minute's reset", wait)
	}
	// A new minute: requests still in flight count against it until they
	// are answered (the vendor may count them in either minute).
	for range 200 {
		b.Done(Announcement{})
	}
	if got := takeN(b, t0.Add(time.Minute), 300); got != 240-16-24 {
		t.Fatalf("%d in the next minute, want 240 less 16 in flight less 24 kept", got)
	}
}

func TestTheVendorsCountReplacesTheEstimate(t *testing.T) {
	b := New("org", Limit{Requests: 240, Window: time.Minute, Reserve: 0.1}, nil)
	now := t0.Add(15 * time.Second)
	if b.Take(context.Background(), now) != 0 {
		t.Fatal("the first request waits")
	}
	// Others in the organisation spent most of the minute, and the
	// vendor's minute ends at :45 (its clock is not ours).
	b.Done(Announcement{Limit: 240, Remaining: 30, Reset: now.Add(30 * time.Second)})
	if got := takeN(b, now, 100); got != 6 {
		t.Fatalf("%d requests went; 30 left less 24 kept is 6", got)
	}
	if wait := b.Take(context.Background(), now); wait != 30*time.Second {
		t.Fatalf("wait %s, want the vendor's reset in 30 s", wait)
	}
	// An answer of the same window cannot raise the count; one of a later
	// window starts it afresh, less what is still in flight (6).
	b.Done(Announcement{Limit: 240, Remaining: 200, Reset: now.Add(30 * time.Second)})
	if got := takeN(b, now, 10); got != 0 {
		t.Fatalf("an answer of the same minute raised the budget: %d more went", got)
	}
	later := now.Add(31 * time.Second)
	b.Done(Announcement{Limit: 240, Remaining: 239, Reset: later.Add(59 * time.Second)})
	if got := takeN(b, later, 300); got != 239-4-24 {
		t.Fatalf("%d in the vendor's next minute, want 239 less 4 in flight less 24 kept", got)
	}
}

func TestAnAdminsLowerRateWinsAndMinusOneTurnsPacingOff(t *testing.T) {
	b := New("org", Limit{Requests: 60, Window: time.Minute}, nil)
	b.Done(Announcement{Limit: 240, Remaining: 240, Reset: t0.Add(time.Minute)})
	if got := takeN(b, t0, 100); got != 60 {
		t.Fatalf("%d went; the admin's 60 a minute wins over the vendor's 240", got)
	}
	off := New("org", Limit{Requests: -1, Window: time.Minute}, nil)
	off.Done(Announcement{Limit: 240, Remaining: 0, Reset: t0.Add(time.Minute)})
	if got := takeN(off, t0, 1000); got != 1000 {
		t.Fatalf("pacing off, yet only %d went", got)
	}
	none := New("org", Limit{}, nil) // no documented limit
	if got := takeN(none, t0, 1000); got != 1000 {
		t.Fatalf("no limit, yet only %d went", got)
	}
}

func TestA429StopsTheOrganisationUntilItsEnd(t *testing.T) {
	b := New("org", Limit{}, nil)
	b.Block(t0.Add(20 * time.Second))
	b.Block(t0.Add(5 * time.Second)) // an earlier end does not shorten it
	if got := b.Blocked(); !got.Equal(t0.Add(20 * time.Second)) {
		t.Fatalf("blocked until %s", got)
	}
	if st := b.Stats(); st.RateLimited != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReleaseGivesBackARequestNeverSent(t *testing.T) {
	b := New("org", Limit{Requests: 2, Window: time.Minute}, nil)
	takeN(b, t0, 2)
	b.Release()
	if b.Take(context.Background(), t0) != 0 {
		t.Fatal("a released request is not available again")
	}
}

func TestForSharesOneBudgetPerOrganisation(t *testing.T) {
	l := Limit{Requests: 240, Window: time.Minute, Reserve: 0.1}
	a, b := For("te|https://api.thousandeyes.com|abc", l, nil), For("te|https://api.thousandeyes.com|abc", l, nil)
	c := For("te|https://api.thousandeyes.com|def", l, nil)
	if a != b || a == c {
		t.Fatal("data sources with the same credentials share a budget, others do not")
	}
	if d := For("te|https://api.thousandeyes.com|abc", Limit{Requests: 60, Window: time.Minute}, nil); d == a {
		t.Fatal("changed settings must give a new budget")
	}
}

func TestConcurrentTakesNeverSpendMoreThanTheBudget(t *testing.T) {
	b := New("org", Limit{Requests: 100, Window: time.Minute, Reserve: 0.1}, nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	went := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := takeN(b, t0, 50)
			mu.Lock()
			went += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if went != 90 {
		t.Fatalf("%d went at once, want 100 less 10 kept", went)
	}
}

func TestHeadersAreReadOnThePluginsClock(t *testing.T) {
	h := Headers{Limit: "X-Organization-Rate-Limit-Limit", Remaining: "X-Organization-Rate-Limit-Remaining", Reset: "X-Organization-Rate-Limit-Reset"}
	now := t0.Add(10 * time.Second)
	vendorNow := now.Add(10 * time.Minute) // the vendor's clock is 10 minutes ahead
	hdr := http.Header{}
	hdr.Set("Date", vendorNow.Format(http.TimeFormat))
	hdr.Set(h.Limit, "240")
	hdr.Set(h.Remaining, "17")
	hdr.Set(h.Reset, strconv.FormatInt(vendorNow.Truncate(time.Minute).Add(time.Minute).Unix(), 10))
	a := h.Read(hdr, now, time.Minute)
	if a.Limit != 240 || a.Remaining != 17 || !a.Reset.Equal(now.Add(50*time.Second)) {
		t.Fatalf("read %+v, want the reset 50 s from our now", a)
	}
	for _, bad := range []map[string]string{
		{h.Limit: "x", h.Remaining: "1", h.Reset: "1"},
		{h.Limit: "240", h.Remaining: "", h.Reset: "1"},
		{h.Limit: "0", h.Remaining: "1", h.Reset: "1"},
		{},
	} {
		hh := http.Header{}
		for k, v := range bad {
			hh.Set(k, v)
		}
		if a := h.Read(hh, now, time.Minute); a.Known() {
			t.Fatalf("%v read as %+v", bad, a)
		}
	}
	// A reset far away (a wrong clock, a wrong header) is at most a window.
	hdr.Set(h.Reset, strconv.FormatInt(vendorNow.Add(time.Hour).Unix(), 10))
	if a := h.Read(hdr, now, time.Minute); !a.Reset.Equal(now.Add(time.Minute)) {
		t.Fatalf("reset %s", a.Reset)
	}
}
