package plugin

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// identicalSim holds two days of 20,000 records a provider (some 30 Domo
// pages) in which a third of the records happen 2 to 4 times at once, byte
// for byte alike where the vendor has no event id, and ThousandEyes pages
// of 100 records, so that page boundaries fall inside runs of identical
// records.
func identicalSim(t *testing.T) (*vendorsim.Sim, *httptest.Server, time.Time, time.Time) {
	t.Helper()
	cfg := vendorsim.DefaultConfig()
	cfg.End = simEnd
	cfg.Start = simEnd.Add(-48 * time.Hour)
	cfg.Events, cfg.Seed, cfg.Identical = 20000, 5, 0.3
	cfg.ThousandEyesRateLimit = -1
	cfg.ThousandEyesPageSize = 100
	sim := vendorsim.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv, cfg.Start, cfg.End
}

// The vendors without event ids (Domo, the Domo platform, ThousandEyes):
// a burst of the same failed login is several events, in tables and in the
// counts an alert rule reads, also where a page boundary cuts the burst.
func TestIdenticalRecordsAreCountedEveryTime(t *testing.T) {
	sim, srv, from, to := identicalSim(t)
	failed := map[string]string{events.Domo: "Failed login", events.DomoPlatform: "Failed login", events.ThousandEyes: "Login failed."}
	pageSize := map[string]int{events.Domo: 1000, events.DomoPlatform: 1000, events.ThousandEyes: 100}
	for _, id := range []string{events.Domo, events.DomoPlatform, events.ThousandEyes} {
		t.Run(id, func(t *testing.T) {
			truth := sim.TruthRange(id, from, to)
			if alike, cut := identicalRuns(truth, pageSize[id]); alike < 100 || cut == 0 {
				t.Fatalf("the simulator holds %d repeated records, %d page boundaries inside a run: the test proves nothing", alike, cut)
			}
			ds := newSimDatasource(t, simSettings(srv.URL))
			q := providerQuery(id, "table")
			series := map[string]any{"provider": id, "format": "timeseries", "events": []string{failed[id]}, "groupBy": "user"}
			if id == events.ThousandEyes {
				series["options"] = q["options"]
			}
			resp := run(t, ds, dataQuery("T", q, from, to, time.Hour), dataQuery("S", series, from, to, 15*time.Minute))
			tr, sr := resp.Responses["T"], resp.Responses["S"]
			if tr.Error != nil || sr.Error != nil {
				t.Fatalf("errors: %v / %v", tr.Error, sr.Error)
			}
			sameEvents(t, id, rows(t, tr.Frames[0]), truthOf(truth))
			wantFailed := 0
			for _, e := range truth {
				if e.Event == failed[id] {
					wantFailed++
				}
			}
			if got := seriesTotal(t, sr.Frames); got != wantFailed || wantFailed == 0 {
				t.Errorf("the failed-login counts add up to %d, the simulator holds %d", got, wantFailed)
			}
		})
	}
}

// identicalRuns counts the records that repeat the one before them, and
// the page boundaries (every size records, newest first) that fall
// between two alike records.
func identicalRuns(truth []events.Event, size int) (alike, cut int) {
	for i := 1; i < len(truth); i++ {
		if truth[i].Time.Equal(truth[i-1].Time) && string(truth[i].Raw) == string(truth[i-1].Raw) {
			alike++
			if i%size == 0 {
				cut++
			}
		}
	}
	return alike, cut
}
