package plugin

import (
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

func smallSim(t *testing.T, end time.Time) (*vendorsim.Sim, *httptest.Server) {
	cfg := vendorsim.DefaultConfig()
	cfg.End, cfg.Start, cfg.Events = end, end.Add(-3*24*time.Hour), 20000
	cfg.ThousandEyesRateLimit = -1
	sim := vendorsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv
}

// Six panels of one dashboard over the same provider and range cost one
// fetch, whatever their formats: each window is fetched by one panel, and
// the others take it from the cache or share the fetch in flight.
func TestSixPanelsOverOneRangeCostOneFetch(t *testing.T) {
	sim, srv := smallSim(t, simEnd)
	from, to := simEnd.Add(-48*time.Hour), simEnd

	alone := newSimDatasource(t, simSettings(srv.URL))
	windows, _, _ := fetchedWindows(t, run(t, alone, dataQuery("A", map[string]any{"provider": "domo"}, from, to, time.Minute)))
	one := sim.Requests(events.Domo)
	sim.ResetCounters()

	ds := newSimDatasource(t, simSettings(srv.URL))
	panels := []map[string]any{
		{"provider": "domo", "format": "table"},
		{"provider": "domo", "format": "timeseries", "groupBy": "user"},
		{"provider": "domo", "format": "timeseries", "groupBy": "event", "events": []string{"Viewed page"}},
		{"provider": "domo", "format": "logs"},
		{"provider": "domo", "format": "table", "search": "card"},
		{"provider": "domo", "format": "timeseries"},
	}
	fresh := make([]int, len(panels))
	var wg sync.WaitGroup
	for i, p := range panels {
		wg.Add(1)
		go func(i int, p map[string]any) { // each panel is its own request, as in a browser
			defer wg.Done()
			resp := run(t, ds, dataQuery("A", p, from, to, time.Minute))
			if resp.Responses["A"].Error != nil {
				t.Errorf("panel %d: %v", i, resp.Responses["A"].Error)
				return
			}
			w, cached, shared := fetchedWindows(t, resp)
			if w != windows {
				t.Errorf("panel %d: %d windows, one panel alone %d", i, w, windows)
			}
			fresh[i] = w - cached - shared
		}(i, p)
	}
	wg.Wait()
	total := 0
	for _, n := range fresh {
		total += n
	}
	if total != windows {
		t.Fatalf("the six panels fetched %d windows (per panel %v); the range has %d", total, fresh, windows)
	}
	// The requests are those of one fetch. Pages asked for ahead of a
	// span's end are sent or cancelled depending on timing, so one fetch
	// varies by up to one request per window.
	if got := sim.Requests(events.Domo); got > one+windows || got < one-windows {
		t.Fatalf("six panels sent %d requests; one panel alone sends %d (± %d)", got, one, windows)
	}
}

// fetchedWindows reads a one-provider response's window counts from its
// executed-query text: windows, taken from the cache, shared with another
// query in flight.
func fetchedWindows(t *testing.T, resp *backend.QueryDataResponse) (windows, cached, shared int) {
	t.Helper()
	r := resp.Responses["A"]
	if r.Error != nil || len(r.Frames) == 0 || r.Frames[0].Meta == nil {
		t.Fatalf("no frames: %v", r.Error)
	}
	m := regexp.MustCompile(`(\d+) window\(s\) \((\d+) from cache, (\d+) shared`).FindStringSubmatch(r.Frames[0].Meta.ExecutedQueryString)
	if m == nil {
		t.Fatalf("no window counts in %q", r.Frames[0].Meta.ExecutedQueryString)
	}
	windows, _ = strconv.Atoi(m[1])
	cached, _ = strconv.Atoi(m[2])
	shared, _ = strconv.Atoi(m[3])
	return windows, cached, shared
}

// A 30-second refresh of "last 24 hours" re-reads only the live edge. The
// engine's clock is fixed so that the result does not depend on when the
// test runs: once mid-hour, once when the refresh moves the settled edge
// across an hour (the hour that just settled is read whole, once).
func TestRefreshReadsOnlyTheNewTail(t *testing.T) {
	day := clock.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	for _, tc := range []struct {
		name    string
		at      time.Time
		maxWarm int
	}{
		{"mid-hour", day.Add(10*time.Hour + 30*time.Minute), 1},
		{"settled edge crosses an hour", day.Add(11*time.Hour + 4*time.Minute + 45*time.Second), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, srv := smallSim(t, tc.at.Add(time.Minute))
			ds := newSimDatasource(t, simSettings(srv.URL))
			var clock time.Time
			ds.fetcher.Clock = func() time.Time { return clock }
			q := func(at time.Time) backend.DataResponse {
				clock = at
				return run(t, ds, dataQuery("A", map[string]any{"provider": "thousandeyes", "format": "timeseries",
					"options": map[string]any{"allAccountGroups": true}}, at.Add(-24*time.Hour), at, time.Minute)).Responses["A"]
			}
			cold := q(tc.at)
			coldRequests := sim.Requests(events.ThousandEyes)
			sim.ResetCounters()
			warm := q(tc.at.Add(30 * time.Second))
			if cold.Error != nil || warm.Error != nil {
				t.Fatalf("%v %v", cold.Error, warm.Error)
			}
			if got := sim.Requests(events.ThousandEyes); got < 1 || got > tc.maxWarm || coldRequests < 5 {
				t.Fatalf("the refresh sent %d requests (cold: %d); want 1..%d", got, coldRequests, tc.maxWarm)
			}
		})
	}
}
