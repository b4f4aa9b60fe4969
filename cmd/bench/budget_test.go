package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/models"
)

func TestBudgetOfEachVendor(t *testing.T) {
	def := reserveFraction("")
	if def != models.DefaultRateLimitReserve/100.0 {
		t.Fatalf("default reserve = %v, want models.DefaultRateLimitReserve %d %%", def, models.DefaultRateLimitReserve)
	}
	te := engineBudget("thousandeyes", 240, def)
	if te != (vendorBudget{Requests: 240, Window: time.Minute, Reserve: 24}) || te.spendable() != 216 {
		t.Errorf("ThousandEyes engine budget = %+v (spendable %d), want 240/min less 24 = 216", te, te.spendable())
	}
	// The simulator's limit off or at its default: the documented 240; a
	// lower announced limit is what the engine spends.
	for _, sim := range []int{-1, 0, 600} {
		if b := engineBudget("thousandeyes", sim, def); b.spendable() != 216 {
			t.Errorf("simulator limit %d: spendable %d, want 216", sim, b.spendable())
		}
	}
	if b := engineBudget("thousandeyes", 120, def); b.Requests != 120 || b.spendable() != 108 {
		t.Errorf("simulator limit 120: %+v", b)
	}
	if b := engineBudget("thousandeyes", 240, reserveFraction(`{"rateLimitReserve":50}`)); b.spendable() != 120 {
		t.Errorf("rateLimitReserve 50: spendable %d, want 120", b.spendable())
	}
	for _, p := range []string{"domo", "domo-platform", "domino", "datafold"} {
		if b := engineBudget(p, 240, def); b.Requests != 0 || b.need(1_000_000) != 0 {
			t.Errorf("%s documents no budget, got %+v", p, b)
		}
		if b := clientBudget(p, 240); b.spendable() != 0 {
			t.Errorf("%s: a client meets no limit, got %+v", p, b)
		}
	}
	if b := clientBudget("thousandeyes", 240); b.spendable() != 240 {
		t.Errorf("a plain client spends the whole 240, got %+v", b)
	}
	if b := clientBudget("thousandeyes", -1); b.spendable() != 0 {
		t.Errorf("no simulator limit: %+v", b)
	}
}

func TestIdealCountsTheBudget(t *testing.T) {
	te := engineBudget("thousandeyes", 240, reserveFraction(""))
	for _, tc := range []struct {
		requests int
		want     time.Duration
	}{{0, 0}, {1, 0}, {216, 0}, {217, time.Minute}, {432, time.Minute}, {433, 2 * time.Minute}, {2000, 9 * time.Minute}, {2007, 9 * time.Minute}} {
		if got := te.need(tc.requests); got != tc.want {
			t.Errorf("need(%d) = %v, want %v", tc.requests, got, tc.want)
		}
	}
	lat := 50 * time.Millisecond
	// ThousandEyes at 1M events: 2000 pages of 500, 9 minutes of budget.
	if d, by := idealOf(lat, 2000, 0, 4, te); d != 9*time.Minute || by != "budget" {
		t.Errorf("1M: ideal %v by %s, want 9m0s by budget", d, by)
	}
	// 100k: 200 pages fit the minute: latency × pages ÷ concurrency.
	if d, by := idealOf(lat, 200, 0, 4, te); d != 2500*time.Millisecond || by != "latency" {
		t.Errorf("100k: ideal %v by %s, want 2.5s by latency", d, by)
	}
	// Token requests count against the budget, not the latency term.
	if d, by := idealOf(lat, 216, 1, 4, te); d != time.Minute || by != "budget" {
		t.Errorf("216 pages + a token: ideal %v by %s", d, by)
	}
	// No documented budget: latency only, whatever the count.
	if d, by := idealOf(lat, 1000, 0, 4, vendorBudget{}); d != 12500*time.Millisecond || by != "latency" {
		t.Errorf("domo 1M: ideal %v by %s", d, by)
	}
	c := &caseResult{Latency: lat, MinPages: 2000, Concurrency: 4, Budget: te}
	if c.ideal() != 9*time.Minute || c.idealBy() != "budget" {
		t.Errorf("caseResult: ideal %v by %s", c.ideal(), c.idealBy())
	}
}

func TestBudgetWaitStartsRunsTheBudgetCovers(t *testing.T) {
	te := engineBudget("thousandeyes", 240, 0.1) // 216 a minute
	minute := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return minute.Add(time.Duration(s * float64(time.Second))) }
	const margin = 50 * time.Millisecond
	none := budget.Announcement{}
	spent := func(n int, reset time.Time) budget.Announcement {
		return budget.Announcement{Limit: 240, Remaining: 240 - n, Reset: reset}
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		a    budget.Announcement
		need int
		b    vendorBudget
		want time.Duration
	}{
		{"no budget", at(30), spent(240, at(60)), 5000, vendorBudget{}, 0},
		{"nothing seen, fits", at(30), none, 207, te, 0},
		{"nothing seen, more than a minute: the next minute's start", at(30), none, 730, te, 30*time.Second + margin},
		{"more than a minute, at a fresh minute's start", at(60.3), none, 730, te, 0},
		{"fits what is left", at(30), spent(9, at(60)), 207, te, 0},
		{"spent: wait for the reset", at(30), spent(207, at(60)), 207, te, 30*time.Second + margin},
		{"reset passed: nothing spent", at(70), spent(207, at(60)), 207, te, 0},
		{"more than a minute after a reset passed: the next boundary", at(70), spent(207, at(60)), 730, te, 50*time.Second + margin},
		{"more than a minute, some spent at a minute's start", at(60.3), spent(3, at(120)), 730, te, 60*time.Second - 300*time.Millisecond + margin},
	} {
		if got := budgetWait(tc.now, tc.a, tc.need, tc.b); got != tc.want {
			t.Errorf("%s: wait %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestProjectCarriesOnACappedQuery(t *testing.T) {
	te := engineBudget("thousandeyes", 240, 0.1)
	// ThousandEyes: 216 requests at once, then the budget.
	if n, d := project(216, 30*time.Second, 730, 0, te); n != 730 || d != 3*time.Minute {
		t.Errorf("thousandeyes: %d requests in %v, want 730 in 3m0s", n, d)
	}
	// Datafold: no budget, the measured pace.
	if n, d := project(2400, 30*time.Second, 17520, 0, vendorBudget{}); n != 17520 || d != 219*time.Second {
		t.Errorf("datafold: %d requests in %v, want 17520 in 3m39s", n, d)
	}
}

func TestDefaultEndIsTheLastMidnightButOne(t *testing.T) {
	defer clock.Set(time.Date(2027, 3, 5, 10, 20, 0, 0, time.UTC))()
	if got, want := defaultEnd(), time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("defaultEnd = %v, want %v", got, want)
	}
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !o.end.Equal(time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC)) || !o.endDefault {
		t.Errorf("default -end = %v", o.end)
	}
	if !slices.Equal(o.providers, knownProviders) || o.teRateLimit != 240 {
		t.Errorf("defaults: providers %v, te-rate-limit %d", o.providers, o.teRateLimit)
	}
	o, err = parseFlags([]string{"-end", "2026-11-01T00:00:00Z", "-provider", "thousandeyes, domo", "-quick"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.end.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || o.endDefault {
		t.Errorf("-end: %v", o.end)
	}
	if !slices.Equal(o.providers, []string{"domo", "thousandeyes"}) || !slices.Equal(o.sizes, []int{10000, 100000}) {
		t.Errorf("-provider thousandeyes,domo -quick: %v %v", o.providers, o.sizes)
	}
	if _, err := parseFlags([]string{"-provider", "domo,splunk"}); err == nil {
		t.Error("-provider splunk: no error")
	}
}

func TestProxyKeepsThousandEyesAnnouncement(t *testing.T) {
	if teHeaders.Limit == "" {
		t.Fatal("no ThousandEyes rate-limit headers from its provider adapter")
	}
	remaining, reset := "200", strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10)
	sim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.Header().Set(teHeaders.Limit, "240")
		w.Header().Set(teHeaders.Remaining, remaining)
		w.Header().Set(teHeaders.Reset, reset)
		_, _ = io.WriteString(w, `{"auditEvents":[]}`)
	}))
	defer sim.Close()
	px, err := startProxy(sim.URL, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()
	get := func(path string) {
		resp, err := http.Get(px.url + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get(dataPaths["domo"]) // not ThousandEyes: its headers mean nothing
	if a := px.teAnnounced(); a.Known() {
		t.Fatalf("announcement from another vendor's path: %+v", a)
	}
	get(dataPaths["thousandeyes"])
	remaining = "230" // an answer read late: the lower count stands
	get(dataPaths["thousandeyes"])
	a := px.teAnnounced()
	if !a.Known() || a.Limit != 240 || a.Remaining != 200 || !a.Reset.After(clock.Now()) {
		t.Errorf("announcement %+v", a)
	}
}
