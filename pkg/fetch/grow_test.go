package fetch

import (
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/providers"
)

// A row-limited plan over two years: the last week day by day, then
// windows twice as long each time, up to the provider's widest, aligned,
// covering the range without a gap or an overlap.
func TestARowLimitedPlanGrowsBeyondItsLastWeek(t *testing.T) {
	to := t0.Add(10 * time.Hour)
	from := to.Add(-730 * day)
	edge := to.Add(-5 * time.Minute)
	wins := grow(plan(from, to, day, edge), providers.MaxWindow)
	if len(wins) > 50 {
		t.Fatalf("%d windows for two years", len(wins))
	}
	if !wins[0].clip.From.Equal(from) || !wins[len(wins)-1].clip.To.Equal(to) {
		t.Fatalf("the plan covers %s..%s", wins[0].clip.From, wins[len(wins)-1].clip.To)
	}
	days := 0
	for i, w := range wins {
		if i > 0 && !w.clip.From.Equal(wins[i-1].clip.To) {
			t.Fatalf("gap or overlap at %s", w.clip.From)
		}
		size := w.fetch.To.Sub(w.fetch.From)
		if w.settled && (w.fetch.From.Truncate(size) != w.fetch.From || size > providers.MaxWindow) {
			t.Fatalf("window %s..%s is not aligned to its size", w.fetch.From, w.fetch.To)
		}
		if w.fetch.To.After(to.Add(-7*day)) && size > day {
			t.Fatalf("the last week must stay in days: %s..%s", w.fetch.From, w.fetch.To)
		}
		if size == day {
			days++
		}
	}
	if days < 6 {
		t.Fatalf("only %d windows of a day", days)
	}
}
