package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTimingIsTheColdQuerysRequests(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	cold := phaseResult{Start: t0, Wall: 170 * time.Millisecond}
	reqs := []traced{
		{Start: at(110), End: at(162), Status: 200},
		{Start: at(1), End: at(53), Status: 200},
		{Start: at(2), End: at(55), Status: 200},
		{Start: at(3), End: at(54), Status: 200},
		{Start: at(56), End: at(108), Status: 200},
		{Start: at(-40), End: at(-30), Status: 200}, // before the query: not its own
		{Start: at(500), End: at(560), Status: 200}, // the warm query's
	}
	got := timing(cold, reqs, 2)
	want := rigTiming{Requests: 5, Median: 52 * time.Millisecond, Fastest: 51 * time.Millisecond, Slowest: 53 * time.Millisecond,
		Rounds: 3, Tail: 8 * time.Millisecond}
	if got != want {
		t.Fatalf("timing = %+v, want %+v", got, want)
	}
	if got.floor() != 156*time.Millisecond {
		t.Errorf("floor = %v, want 3 rounds of 52ms", got.floor())
	}
	if z := timing(cold, nil, 2); z.Requests != 0 || z.floor() != 0 {
		t.Errorf("no requests: %+v", z)
	}

	var b strings.Builder
	printTrace(&b, "domo-table", cold, reqs)
	out := b.String()
	if !strings.Contains(out, "QueryData returned after 170.0 ms, 5 request(s)") {
		t.Errorf("trace header:\n%s", out)
	}
	if lines := strings.Count(out, "\n"); lines != 6 {
		t.Errorf("trace has %d lines, want a header and 5 requests:\n%s", lines, out)
	}
	if i, j := strings.Index(out, "   1.0 →"), strings.Index(out, " 110.0 →"); i < 0 || j < i {
		t.Errorf("trace not in start order:\n%s", out)
	}
}

func TestProxyCountsAndTracesRequests(t *testing.T) {
	sim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") == "9000" {
			http.Error(w, "no", http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, `[]`)
	}))
	defer sim.Close()
	px, err := startProxy(sim.URL, os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer px.close()
	get := func(q string) {
		resp, err := http.Get(px.url + dataPaths["domo"] + q)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get("?offset=0") // before the last take: counted, not in the trace
	px.takeTrace()
	get("?offset=1000")
	get("?offset=9000")
	tr := px.takeTrace()
	if px.requests.Load() != 3 {
		t.Errorf("the proxy counted %d requests, want 3", px.requests.Load())
	}
	if len(tr) != 2 {
		t.Fatalf("traced %d requests, want 2: %+v", len(tr), tr)
	}
	if tr[0].Query != dataPaths["domo"]+"?offset=1000" || tr[0].Status != 200 || tr[1].Status != 502 {
		t.Errorf("trace = %+v", tr)
	}
	if tr[0].End.Before(tr[0].Start) {
		t.Errorf("a request ended before it started: %+v", tr[0])
	}
}
