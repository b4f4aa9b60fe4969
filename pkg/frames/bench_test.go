package frames_test

import (
	"sync"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/frames"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// benchEvents is the number of events every frame benchmark turns into frames.
const benchEvents = 100000

var (
	benchEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	benchStart = benchEnd.Add(-7 * 24 * time.Hour)
	benchOnce  sync.Once
	benchEvs   []events.Event
)

// simEvents returns benchEvents events of the simulator's ground truth,
// an equal share of each of the five providers over one week, newest
// first (what the engine hands the frame builders for "all").
func simEvents(b *testing.B) []events.Event {
	b.Helper()
	benchOnce.Do(func() {
		cfg := vendorsim.DefaultConfig()
		cfg.Start, cfg.End = benchStart, benchEnd
		cfg.Events = benchEvents / len(events.ProviderIDs)
		sim := vendorsim.New(cfg)
		for _, id := range events.ProviderIDs {
			benchEvs = append(benchEvs, sim.Truth(id)...)
		}
		events.SortNewestFirst(benchEvs)
	})
	if len(benchEvs) != benchEvents {
		b.Fatalf("%d events, want %d", len(benchEvs), benchEvents)
	}
	return benchEvs
}

func perEvent(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchEvents, "ns/event")
}

// BenchmarkTable: go test -bench . ./pkg/frames
func BenchmarkTable(b *testing.B) {
	evs := simEvents(b)
	b.ReportAllocs()
	for b.Loop() {
		if f := frames.Table("A", events.ListOf(evs)); f.Rows() != benchEvents {
			b.Fatalf("%d rows", f.Rows())
		}
	}
	perEvent(b)
}

func BenchmarkTimeSeries(b *testing.B) {
	evs := simEvents(b)
	for _, groupBy := range []string{models.GroupNone, models.GroupEvent, models.GroupUser, models.GroupProvider} {
		b.Run(groupBy, func(b *testing.B) {
			spec := frames.SeriesSpec{From: benchStart, To: benchEnd, Interval: 10 * time.Minute,
				GroupBy: groupBy, Limit: models.DefaultLimit, Provider: models.ProviderAll}
			b.ReportAllocs()
			for b.Loop() {
				if fr, _ := frames.TimeSeries(events.ListOf(evs), spec); len(fr) == 0 {
					b.Fatal("no series")
				}
			}
			perEvent(b)
		})
	}
}

func BenchmarkLogs(b *testing.B) {
	evs := simEvents(b)
	b.ReportAllocs()
	for b.Loop() {
		if f := frames.Logs("A", events.ListOf(evs)); f.Rows() != benchEvents {
			b.Fatalf("%d rows", f.Rows())
		}
	}
	perEvent(b)
}
