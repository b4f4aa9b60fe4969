package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
)

// Ranges that reach far into the future or the past cost what can exist:
// nothing after now is asked for, nothing before a vendor's retention, and
// dates beyond what Go's durations hold do not wrap around.
func TestFarFutureAndAncientRangesCostWhatCanExist(t *testing.T) {
	sim, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	now := clock.Now()
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"a day, then until 2100", now.Add(-24 * time.Hour), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"until the year 9999", simStart, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"from the year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), simEnd},
		{"from 1970", time.Unix(0, 0), simEnd},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, id := range events.ProviderIDs {
				before := sim.Requests(id)
				for _, format := range []string{"table", "timeseries"} {
					r := run(t, ds, dataQuery("A", providerQuery(id, format), c.from, c.to, time.Hour)).Responses["A"]
					if r.Error != nil {
						if !strings.HasPrefix(r.Error.Error(), "time range:") {
							t.Fatalf("%s %s: %v", id, format, r.Error)
						}
						continue
					}
					want := len(sim.TruthRange(id, c.from, c.to))
					got := 0
					if format == "table" {
						got, _ = r.Frames[0].RowLen()
					} else {
						got = seriesTotal(t, r.Frames)
					}
					if got != want {
						t.Errorf("%s %s: %d events, the simulator holds %d", id, format, got, want)
					}
				}
				if n := sim.Requests(id) - before; n > 120 {
					t.Errorf("%s: %d requests", id, n)
				} else {
					t.Logf("%s: %d requests", id, n)
				}
			}
		})
	}
}
