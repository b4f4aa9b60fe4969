package frames

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/experimental"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Golden files change only with: go test ./pkg/frames -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func sample() []events.Event {
	mk := func(sec int, provider, user, event, objType string) events.Event {
		raw, _ := json.Marshal(map[string]any{"user": user, "event": event, "t": sec})
		return events.Event{Time: t0.Add(time.Duration(sec) * time.Second), Provider: provider, User: user, UserID: "id-" + user,
			Action: event, Event: event, ObjectType: objType, Message: event + " by " + user, Raw: raw, Key: fmt.Sprint(sec)}
	}
	evs := []events.Event{
		mk(5, events.ThousandEyes, "Ana", "Login failed.", ""),
		mk(7, events.ThousandEyes, "Ana", "Login failed.", ""),
		mk(65, events.ThousandEyes, "Ben", "Test created.", "testName"),
		mk(130, events.Domo, "Ana", "Viewed page", "PAGE"),
		mk(131, events.Domo, "Cy", "Deleted card", "CARD"),
		mk(290, events.Domo, "Ben", "Viewed page", "PAGE"),
	}
	events.SortNewestFirst(evs)
	return evs
}

func TestTableGolden(t *testing.T) {
	experimental.CheckGoldenJSONFrame(t, "testdata", "table", Table("A", events.ListOf(sample())), *update)
}

// A table is the same over chunks of any size.
func TestTableOverChunksIsTheSame(t *testing.T) {
	evs := sample()
	whole := Table("A", events.ListOf(evs))
	got := Table("A", events.ListOf(evs[:2], evs[2:3], evs[3:]))
	if diff := cmp.Diff(whole, got, data.FrameTestCompareOptions()...); diff != "" {
		t.Fatal(diff)
	}
}

// Log labels are the JSON json.Marshal makes of the map of non-empty
// values, whatever the values hold, across arena blocks.
func TestLogLabelsAreTheJSONOfTheirMap(t *testing.T) {
	values := []string{"", "Ana Silva", `say "hi" \ there`, "<b>&amp;</b>", "Zoë Müller 🌟", "tab\tnew\nline\x01", "bad \xff utf-8",
		"line\u2028sep", strings.Repeat("long ", 400)}
	var a labelArena
	var kept []string
	var gots []json.RawMessage
	for i := range 200 {
		v := func(k int) string { return values[(i+k)%len(values)] }
		e := events.Event{Provider: events.Domo, User: v(0), Email: v(1), UserID: v(2), Event: v(3), Action: v(4), ObjectType: v(5),
			ObjectID: v(6), ObjectName: v(7), IPAddress: v(8), Scope: v(9), Status: v(10)}
		want := map[string]string{"provider": e.Provider}
		for k, val := range map[string]string{"user": e.User, "email": e.Email, "userId": e.UserID, "event": e.Event, "action": e.Action,
			"objectType": e.ObjectType, "objectId": e.ObjectID, "objectName": e.ObjectName, "ipAddress": e.IPAddress, "scope": e.Scope, "status": e.Status} {
			if val != "" {
				want[k] = val
			}
		}
		wantJSON, _ := json.Marshal(want)
		got := a.labels(&e)
		if string(got) != string(wantJSON) {
			t.Fatalf("event %d:\n got %s\nwant %s", i, got, wantJSON)
		}
		kept = append(kept, string(wantJSON))
		gots = append(gots, got)
	}
	for i, g := range gots { // later labels did not overwrite earlier ones
		if string(g) != kept[i] {
			t.Fatalf("labels %d changed afterwards: %s", i, g)
		}
	}
}

func TestLogsGolden(t *testing.T) {
	f := Logs("A", events.ListOf(sample()))
	if f.Meta.Type != data.FrameTypeLogLines || f.Meta.PreferredVisualization != data.VisTypeLogs {
		t.Fatalf("meta %+v", f.Meta)
	}
	experimental.CheckGoldenJSONFrame(t, "testdata", "logs", f, *update)
}

func TestTimeSeriesGolden(t *testing.T) {
	fr, _ := TimeSeries(events.ListOf(sample()), SeriesSpec{From: t0, To: t0.Add(5 * time.Minute), Interval: time.Minute, GroupBy: models.GroupEvent, Limit: 2, Provider: models.ProviderAll})
	experimental.CheckGoldenJSONResponse(t, "testdata", "timeseries_event_top2", &backend.DataResponse{Frames: fr}, *update)
}

func total(frs []*data.Frame) (sum float64) {
	for _, f := range frs {
		for i := 0; i < f.Fields[1].Len(); i++ {
			sum += f.Fields[1].At(i).(float64)
		}
	}
	return sum
}

func TestTimeSeriesIsZeroFilledAlignedAndSumsToTheEvents(t *testing.T) {
	evs := sample()
	for _, g := range []string{models.GroupNone, models.GroupEvent, models.GroupUser, models.GroupObjectType, models.GroupProvider, models.GroupIPAddress} {
		// A range not aligned to the bucket: buckets start on the epoch grid.
		from, to := t0.Add(-30*time.Second), t0.Add(10*time.Minute)
		frs, bucket := TimeSeries(events.ListOf(evs), SeriesSpec{From: from, To: to, Interval: time.Minute, GroupBy: g, Limit: 10, Provider: models.ProviderAll})
		if bucket != time.Minute {
			t.Fatalf("bucket %s", bucket)
		}
		if total(frs) != float64(len(evs)) {
			t.Fatalf("%s: series add up to %v, want %d", g, total(frs), len(evs))
		}
		for _, f := range frs {
			times := f.Fields[0]
			if times.Len() != 11 {
				t.Fatalf("%s: %d buckets, want 11 (zero-filled over the whole range)", g, times.Len())
			}
			first := times.At(0).(time.Time)
			if !first.Equal(from.Truncate(time.Minute)) || first.Unix()%60 != 0 {
				t.Fatalf("%s: first bucket %s is not epoch-aligned", g, first)
			}
			if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[1].Type() != data.FieldTypeFloat64 || f.Fields[1].Labels["provider"] == "" {
				t.Fatalf("%s: frame shape %v %v %v", g, f.Meta.Type, f.Fields[1].Type(), f.Fields[1].Labels)
			}
		}
	}
}

func TestTopNFoldsTheRestIntoOther(t *testing.T) {
	frs, _ := TimeSeries(events.ListOf(sample()), SeriesSpec{From: t0, To: t0.Add(5 * time.Minute), Interval: time.Minute, GroupBy: models.GroupUser, Limit: 1, Provider: events.Domo})
	if len(frs) != 2 || frs[0].Fields[1].Labels["user"] != "Ana" || frs[1].Fields[1].Labels["user"] != Other {
		t.Fatalf("frames %v / %v", frs[0].Fields[1].Labels, frs[len(frs)-1].Fields[1].Labels)
	}
	if total(frs) != 6 {
		t.Fatalf("other must keep the rest of the counts: %v", total(frs))
	}
}

func TestFilteredValuesGetZeroSeries(t *testing.T) {
	frs, _ := TimeSeries(events.List{}, SeriesSpec{From: t0, To: t0.Add(time.Hour), Interval: time.Minute, GroupBy: models.GroupEvent, Limit: 10,
		Provider: events.ThousandEyes, Seeds: []string{"Login failed."}})
	if len(frs) != 1 || frs[0].Fields[1].Labels["event"] != "Login failed." || frs[0].Fields[1].Len() != 60 || total(frs) != 0 {
		t.Fatalf("an alert on a quiet hour needs a zero series, got %d frames", len(frs))
	}
	none, _ := TimeSeries(events.List{}, SeriesSpec{From: t0, To: t0.Add(time.Hour), Interval: time.Minute, GroupBy: models.GroupUser, Limit: 10, Provider: events.Domo})
	if len(none) != 1 || none[0].Fields[1].Len() != 60 {
		t.Fatal("no events still gives one zero series")
	}
}

func TestBucketIsWidenedForHugeRanges(t *testing.T) {
	b, widened := Bucket(t0, t0.Add(365*24*time.Hour), time.Second)
	if !widened || b%time.Second != 0 || t0.Add(365*24*time.Hour).Sub(t0)/b > MaxBuckets {
		t.Fatalf("bucket %s widened=%v", b, widened)
	}
	if b, w := Bucket(t0, t0.Add(time.Hour), 10*time.Millisecond); b != time.Second || w {
		t.Fatalf("sub-second intervals become 1s: %s", b)
	}
}

func TestSeverity(t *testing.T) {
	for ev, want := range map[string]string{"Login failed.": "error", "login_failed": "error", "Delete User": "warning", "Remove Collaborator": "warning", "Viewed page": "info"} {
		if got := Severity(&events.Event{Event: ev}); got != want {
			t.Errorf("%s: %s, want %s", ev, got, want)
		}
	}
}

// Counting window by window (in any order, as windows arrive) and merging
// per-provider counters gives the same series as counting all at once.
func TestCounterAddsWindowsInAnyOrderAndMerges(t *testing.T) {
	evs := sample()
	spec := SeriesSpec{From: t0, To: t0.Add(5 * time.Minute), Interval: time.Minute, GroupBy: models.GroupUser, Limit: 2, Provider: models.ProviderAll}
	want, _ := TimeSeries(events.ListOf(evs), spec)
	te, domo := NewCounter(spec), NewCounter(spec)
	for i := len(evs) - 1; i >= 0; i-- { // oldest first, one event per "window"
		c := domo
		if evs[i].Provider == events.ThousandEyes {
			c = te
		}
		c.Add(events.ListOf(evs[i : i+1]))
	}
	merged := NewCounter(spec)
	merged.Merge(te)
	merged.Merge(domo)
	got, _ := merged.Frames()
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) || total(got) != float64(len(evs)) {
		t.Fatalf("merged counters differ from one count:\n%s\n%s", gj, wj)
	}
}
