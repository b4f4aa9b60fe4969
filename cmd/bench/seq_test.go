package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

var seqEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func seqOptions() *options { return &options{tePageSize: 300} }

func TestSequentialReadsTheSimulatorsTruth(t *testing.T) {
	sim := vendorsim.New(vendorsim.Config{Seed: 3, Start: seqEnd.Add(-7 * 24 * time.Hour), End: seqEnd, Events: 2500,
		ThousandEyesPageSize: 300})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	for _, r := range []struct {
		name     string
		from, to time.Time
	}{
		{"whole range", seqEnd.Add(-7 * 24 * time.Hour), seqEnd},
		{"part of it", seqEnd.Add(-5*24*time.Hour - 90*time.Minute), seqEnd.Add(-36 * time.Hour)},
	} {
		for _, p := range events.ProviderIDs {
			truth := len(sim.TruthRange(p, r.from, r.to))
			if truth == 0 {
				t.Fatalf("%s %s: the simulator holds nothing", r.name, p)
			}
			sim.ResetCounters()
			f := factsOf(p, seqOptions())
			res, err := readSequential(context.Background(), p, srv.URL, r.from, r.to, f.pageSize)
			if err != nil {
				t.Fatalf("%s %s: %v", r.name, p, err)
			}
			if res.Records != truth || res.Distinct != truth {
				t.Errorf("%s %s: read %d events (%d distinct), the simulator holds %d", r.name, p, res.Records, res.Distinct, truth)
			}
			if res.Sent != sim.Requests(p) {
				t.Errorf("%s %s: sent %d requests, the simulator served %d", r.name, p, res.Sent, sim.Requests(p))
			}
			// Page after page: full pages, then a short (or empty) one.
			want := 1 // datafold: one answer for the range
			switch p {
			case events.ThousandEyes:
				want = (truth + 299) / 300 // the last page has no next link
			case events.Domo, events.DomoPlatform, events.Domino:
				want = truth/1000 + 1
			}
			if res.Pages != want {
				t.Errorf("%s %s: %d pages for %d events, want %d", r.name, p, res.Pages, truth, want)
			}
			if res.RateLimited != 0 {
				t.Errorf("%s %s: %d 429s", r.name, p, res.RateLimited)
			}
		}
	}
}

func TestSequentialWaitsOutRateLimits(t *testing.T) {
	from := seqEnd.Add(-7 * 24 * time.Hour)
	t.Run("Retry-After", func(t *testing.T) {
		sim := vendorsim.New(vendorsim.Config{Seed: 3, Start: from, End: seqEnd, Events: 1500})
		srv := httptest.NewServer(sim)
		defer srv.Close()
		for _, p := range []string{events.Domo, events.ThousandEyes} {
			sim.InjectFaults(p, vendorsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"}, vendorsim.Fault{},
				vendorsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
			res, err := readSequential(context.Background(), p, srv.URL, from, seqEnd, 1000)
			// The zero Fault in between is a 503: a simple client stops there.
			if err == nil {
				t.Fatalf("%s: a 503 did not fail the read: %+v", p, res)
			}
			if res.RateLimited != 1 {
				t.Errorf("%s: %d 429s waited out before the 503, want 1", p, res.RateLimited)
			}
			sim.ClearFaults()
			sim.InjectFaults(p, vendorsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"},
				vendorsim.Fault{Status: http.StatusTooManyRequests, RetryAfter: "0"})
			res, err = readSequential(context.Background(), p, srv.URL, from, seqEnd, 1000)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if truth := len(sim.TruthRange(p, from, seqEnd)); res.Records != truth || res.RateLimited != 2 {
				t.Errorf("%s: read %d of %d events, %d 429s (want 2)", p, res.Records, truth, res.RateLimited)
			}
		}
	})
	t.Run("ThousandEyes minute", func(t *testing.T) {
		// The simulator's clock 1.2 s before a minute's end, 3 requests a
		// minute, 5 pages: the 4th is refused until the reset, which
		// X-Organization-Rate-Limit-Reset and Date put 2 s away.
		boundary := seqEnd.Add(time.Hour)
		t0 := time.Now()
		vendorNow := func() time.Time { return boundary.Add(-1200 * time.Millisecond).Add(time.Since(t0)) }
		sim := vendorsim.New(vendorsim.Config{Seed: 3, Start: from, End: seqEnd, Events: 50,
			ThousandEyesPageSize: 10, ThousandEyesRateLimit: 3, Now: vendorNow})
		srv := httptest.NewServer(sim)
		defer srv.Close()
		res, err := readSequential(context.Background(), events.ThousandEyes, srv.URL, from, seqEnd, 0)
		if err != nil {
			t.Fatal(err)
		}
		if truth := len(sim.TruthRange(events.ThousandEyes, from, seqEnd)); res.Records != truth || res.Pages != 5 {
			t.Errorf("read %d of %d events in %d pages", res.Records, truth, res.Pages)
		}
		if res.RateLimited != 1 || res.Sent != 6 || res.Waited < time.Second || res.Waited > 3*time.Second {
			t.Errorf("%d 429s, %d requests, waited %v: want one 429 waited out until the reset (2 s)", res.RateLimited, res.Sent, res.Waited)
		}
	})
}

func TestRetryWait(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 40, 300e6, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	date := now.Truncate(time.Second).Format(http.TimeFormat)
	reset := "1803902460" // 2027-03-01T12:01:00Z
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"Retry-After seconds", h("Retry-After", "7", "X-Organization-Rate-Limit-Reset", reset), 7 * time.Second},
		{"Retry-After date", h("Retry-After", now.Add(5*time.Second).Truncate(time.Second).Format(http.TimeFormat), "Date", date), 5 * time.Second},
		{"reset against the vendor's Date", h("X-Organization-Rate-Limit-Reset", reset, "Date", date), 20 * time.Second},
		{"reset without a Date", h("X-Organization-Rate-Limit-Reset", reset), 19700 * time.Millisecond},
		{"nothing said", h(), time.Second},
		{"Retry-After 0", h("Retry-After", "0"), 10 * time.Millisecond},
	} {
		if got := retryWait(tc.h, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
