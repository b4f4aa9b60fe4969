package plugin

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/providers"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// rows reads a table frame back into normalised events.
func rows(t *testing.T, f *data.Frame) []normalised {
	t.Helper()
	col := func(name string) *data.Field {
		fld, idx := f.FieldByName(name)
		if idx < 0 {
			t.Fatalf("table has no %q column", name)
		}
		return fld
	}
	n, _ := f.RowLen()
	out := make([]normalised, n)
	str := func(name string, i int) string { return col(name).At(i).(string) }
	for i := 0; i < n; i++ {
		e := events.Event{
			Time: col("time").At(i).(time.Time), Provider: str("provider", i), User: str("user", i), Email: str("email", i),
			UserID: str("userId", i), Action: str("action", i), Event: str("event", i), ObjectType: str("objectType", i),
			ObjectID: str("objectId", i), ObjectName: str("objectName", i), IPAddress: str("ipAddress", i), UserAgent: str("userAgent", i),
			Scope: str("scope", i), Status: str("status", i), Message: str("message", i), Raw: col("raw").At(i).(json.RawMessage),
		}
		out[i] = project(e)
	}
	return out
}

func truthOf(evs []events.Event) []normalised {
	out := make([]normalised, len(evs))
	for i, e := range evs {
		out[i] = project(e)
	}
	return out
}

func sortNormalised(n []normalised) {
	sort.Slice(n, func(i, j int) bool {
		if !n[i].Time.Equal(n[j].Time) {
			return n[i].Time.After(n[j].Time)
		}
		return n[i].Raw < n[j].Raw
	})
}

// sameEvents compares two event lists as multisets and reports the first
// differences readably.
func sameEvents(t *testing.T, what string, got, want []normalised) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d events, the ground truth has %d", what, len(got), len(want))
	}
	g, w := append([]normalised(nil), got...), append([]normalised(nil), want...)
	sortNormalised(g)
	sortNormalised(w)
	diffs := 0
	for i := 0; i < len(g) && i < len(w) && diffs < 3; i++ {
		if g[i] != w[i] {
			diffs++
			t.Errorf("%s: event %d differs\n got: %+v\nwant: %+v", what, i, g[i], w[i])
		}
	}
}

func seriesTotal(t *testing.T, frs data.Frames) int {
	t.Helper()
	sum := 0.0
	for _, f := range frs {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 {
			t.Fatalf("not a timeseries-multi frame: %v", f.Meta)
		}
		v := f.Fields[1]
		if v.Type() != data.FieldTypeFloat64 {
			t.Fatalf("counts must be numeric float64, got %s", v.Type())
		}
		for i := 0; i < v.Len(); i++ {
			sum += v.At(i).(float64)
		}
	}
	return int(sum)
}

// The headline guarantee: a 7-day query over 50,000 simulated events per
// provider returns exactly the simulator's ground truth, and its time series
// adds up to the same number.
func TestEveryProviderReturnsTheGroundTruthForAWeek(t *testing.T) {
	sim, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	for _, id := range events.ProviderIDs {
		t.Run(id, func(t *testing.T) {
			truth := sim.TruthRange(id, simStart, simEnd)
			if len(truth) < simEvents {
				t.Fatalf("the simulator holds %d %s events in the week, want at least %d", len(truth), id, simEvents)
			}
			resp := run(t, ds,
				dataQuery("T", providerQuery(id, "table"), simStart, simEnd, time.Hour),
				dataQuery("S", providerQuery(id, "timeseries"), simStart, simEnd, time.Hour))
			tr, sr := resp.Responses["T"], resp.Responses["S"]
			if tr.Error != nil || sr.Error != nil {
				t.Fatalf("errors: %v / %v", tr.Error, sr.Error)
			}
			got := rows(t, tr.Frames[0])
			sameEvents(t, id, got, truthOf(truth))
			for i := 1; i < len(got); i++ {
				if got[i].Time.After(got[i-1].Time) {
					t.Fatal("the table must be newest first")
				}
			}
			if total := seriesTotal(t, sr.Frames); total != len(truth) {
				t.Errorf("the time series adds up to %d, the table has %d rows", total, len(truth))
			}
			if n := sr.Frames[0].Fields[0].Len(); n != 7*24 {
				t.Errorf("%d hourly buckets over a week, want 168", n)
			}
			if ev, _ := tr.Frames[0].FieldByName("event"); id == events.Domo || id == events.ThousandEyes {
				if ev.Config == nil || len(ev.Config.Links) != 1 || !strings.HasPrefix(ev.Config.Links[0].URL, "https://") {
					t.Errorf("the event column should link to the vendor's web app: %+v", ev.Config)
				}
			}
			exec := tr.Frames[0].Meta.ExecutedQueryString
			if !strings.Contains(exec, id+": GET "+srv.URL) || !strings.Contains(exec, "request(s)") {
				t.Errorf("executedQueryString %q does not say what was asked", exec)
			}
			for _, secret := range vendorsim.SecureJSONData() {
				if strings.Contains(exec, secret) {
					t.Fatalf("executedQueryString leaks a secret: %q", exec)
				}
			}
		})
	}
}

// noPushdown hides the query filter from the vendor: the engine alone filters.
type noPushdown struct{ providers.Provider }

func (p noPushdown) NewRequest(ctx contextT, r providers.Request, cursor string) (*requestT, error) {
	r.Filter = events.Filter{}
	return p.Provider.NewRequest(ctx, r, cursor)
}
func (p noPushdown) Pushdown(providers.Request) events.Filter { return events.Filter{} }

func TestFiltersGiveTheSameResultPushedDownOrInTheEngine(t *testing.T) {
	sim, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	from, to := simEnd.Add(-3*24*time.Hour), simEnd
	pick := func(id string, field func(events.Event) string) string {
		counts := map[string]int{}
		for _, e := range sim.TruthRange(id, from, to) {
			counts[field(e)]++
		}
		best, n := "", 0
		for v, c := range counts {
			if v != "" && (c > n || (c == n && v < best)) {
				best, n = v, c
			}
		}
		return best
	}
	cases := []struct {
		id     string
		filter events.Filter
	}{
		{events.Domo, events.Filter{ObjectTypes: []string{pick(events.Domo, func(e events.Event) string { return e.ObjectType })}}},
		{events.DomoPlatform, events.Filter{Users: []string{pick(events.DomoPlatform, func(e events.Event) string { return e.UserID })}}},
		{events.Domino, events.Filter{Events: []string{pick(events.Domino, func(e events.Event) string { return e.Event })},
			ObjectTypes: []string{pick(events.Domino, func(e events.Event) string { return e.ObjectType })}}},
		{events.Datafold, events.Filter{Users: []string{strings.ToUpper(pick(events.Datafold, func(e events.Event) string { return e.Email }))}, Search: "a"}},
		{events.ThousandEyes, events.Filter{Events: []string{"Login failed."}}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			var want []events.Event
			for _, e := range sim.TruthRange(c.id, from, to) {
				if c.filter.Match(&e) {
					want = append(want, e)
				}
			}
			if len(want) == 0 {
				t.Fatal("the filter matches nothing; the test would prove nothing")
			}
			p, err := ds.provider(c.id)
			if err != nil {
				t.Fatal(err)
			}
			r := providers.Request{Window: providers.Window{From: from, To: to}, Filter: c.filter}
			if c.id == events.ThousandEyes {
				r.Options.AllAccountGroups = true
			}
			pushed, err := ds.fetcher.Fetch(ctxT(), p, r)
			if err != nil {
				t.Fatal(err)
			}
			engine, err := (&fetch.Fetcher{Client: ds.client}).Fetch(ctxT(), noPushdown{p}, r)
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, "pushed down", truthOf(pushed.Events.Flatten()), truthOf(want))
			sameEvents(t, "engine only", truthOf(engine.Events.Flatten()), truthOf(want))
			if !p.Pushdown(r).IsEmpty() && engine.Records <= pushed.Records {
				t.Errorf("pushing the filter down should read fewer records (%d) than not (%d)", pushed.Records, engine.Records)
			}
		})
	}
}

// An alert rule sends the saved query JSON alone (no dashboard variables,
// no panel keys) with the alert's interval: it must get the same numbers as
// the panel.
func TestAnAlertQueryGetsThePanelsNumbers(t *testing.T) {
	_, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	from, to := simEnd.Add(-36*time.Hour), simEnd
	saved := `{"refId":"A","provider":"thousandeyes","format":"timeseries","events":["Login failed."],"groupBy":"user","limit":5,"options":{"allAccountGroups":true}}`
	panel := `{"refId":"A","datasource":{"type":"auditlens-auditlog-datasource","uid":"audit"},"provider":"thousandeyes","format":"timeseries","events":["Login failed."],"objectTypes":[],"users":[],"search":"","groupBy":"user","limit":5,"options":{"allAccountGroups":true},"intervalMs":300000,"maxDataPoints":1200,"hide":false,"key":"Q-1"}`
	alert := backend.DataQuery{RefID: "A", JSON: []byte(saved), TimeRange: backend.TimeRange{From: from, To: to}, Interval: 5 * time.Minute, MaxDataPoints: 43200}
	pq := backend.DataQuery{RefID: "A", JSON: []byte(panel), TimeRange: backend.TimeRange{From: from, To: to}, Interval: 5 * time.Minute, MaxDataPoints: 1200}
	a, p := run(t, ds, alert).Responses["A"], run(t, ds, pq).Responses["A"]
	if a.Error != nil || p.Error != nil {
		t.Fatalf("errors %v %v", a.Error, p.Error)
	}
	if len(a.Frames) == 0 || len(a.Frames) != len(p.Frames) {
		t.Fatalf("%d alert frames vs %d panel frames", len(a.Frames), len(p.Frames))
	}
	for i := range a.Frames {
		af, pf := a.Frames[i], p.Frames[i]
		if fmt.Sprint(af.Fields[1].Labels) != fmt.Sprint(pf.Fields[1].Labels) {
			t.Fatalf("series %d labels %v vs %v", i, af.Fields[1].Labels, pf.Fields[1].Labels)
		}
		for j := 0; j < af.Fields[1].Len(); j++ {
			if af.Fields[1].At(j) != pf.Fields[1].At(j) || !af.Fields[0].At(j).(time.Time).Equal(pf.Fields[0].At(j).(time.Time)) {
				t.Fatalf("series %d point %d differs", i, j)
			}
		}
	}
	if seriesTotal(t, a.Frames) == 0 {
		t.Fatal("the failed-login burst should be in the last 36 hours")
	}
}

func TestOneFailingQueryDoesNotHideTheOthers(t *testing.T) {
	_, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	resp := run(t, ds,
		dataQuery("OK", map[string]any{"provider": "domo"}, simEnd.Add(-time.Hour), simEnd, time.Minute),
		dataQuery("BAD", map[string]any{"provider": "splunk"}, simEnd.Add(-time.Hour), simEnd, time.Minute),
		dataQuery("RANGE", map[string]any{"provider": "domo"}, simEnd, simEnd.Add(-time.Hour), time.Minute))
	if resp.Responses["OK"].Error != nil || len(resp.Responses["OK"].Frames) != 1 {
		t.Fatalf("OK: %v", resp.Responses["OK"].Error)
	}
	if e := resp.Responses["BAD"].Error; e == nil || !strings.HasPrefix(e.Error(), "provider:") || resp.Responses["BAD"].Status != backend.StatusBadRequest {
		t.Fatalf("BAD: %v", e)
	}
	if e := resp.Responses["RANGE"].Error; e == nil || !strings.Contains(e.Error(), "time range") {
		t.Fatalf("RANGE: %v", e)
	}
}

func TestAllProvidersMergeIntoOneStream(t *testing.T) {
	sim, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	from, to := simEnd.Add(-6*time.Hour), simEnd
	resp := run(t, ds,
		dataQuery("T", map[string]any{"provider": "all", "format": "table"}, from, to, time.Minute),
		dataQuery("S", map[string]any{"provider": "all", "format": "timeseries", "groupBy": "provider"}, from, to, time.Minute),
		dataQuery("L", map[string]any{"provider": "all", "format": "logs"}, from, to, time.Minute))
	want := 0
	for _, id := range events.ProviderIDs {
		for _, e := range sim.TruthRange(id, from, to) {
			if id != events.ThousandEyes || aidOf(e) == "1234" {
				want++
			}
		}
	}
	n, _ := resp.Responses["T"].Frames[0].RowLen()
	if n != want || seriesTotal(t, resp.Responses["S"].Frames) != want {
		t.Fatalf("table %d rows, series %d, truth %d", n, seriesTotal(t, resp.Responses["S"].Frames), want)
	}
	if len(resp.Responses["S"].Frames) != 5 {
		t.Fatalf("group by provider: %d series", len(resp.Responses["S"].Frames))
	}
	l := resp.Responses["L"].Frames[0]
	if l.Meta.Type != data.FrameTypeLogLines || l.Fields[1].Name != "body" {
		t.Fatalf("logs frame %v", l.Meta)
	}
}

func TestMaxEventsIsANoticeNotASilentCut(t *testing.T) {
	_, srv := shared(t)
	s := simSettings(srv.URL)
	s.JSONData = []byte(strings.Replace(string(s.JSONData), `"maxEvents":1000000`, `"maxEvents":100`, 1))
	s.JSONData = []byte(strings.Replace(string(s.JSONData), `"maxEvents":100,`, `"maxEvents":100,"concurrency":1,`, 1))
	ds := newSimDatasource(t, s)
	resp := run(t, ds, dataQuery("A", map[string]any{"provider": "domo"}, simStart, simEnd, time.Minute))
	f := resp.Responses["A"].Frames[0]
	if n, _ := f.RowLen(); n != 100 {
		t.Fatalf("%d rows", n)
	}
	if len(f.Meta.Notices) == 0 || !strings.Contains(f.Meta.Notices[0].Text, "Showing the newest 100 of at least") {
		t.Fatalf("notices %v", f.Meta.Notices)
	}
	// Only the newest day was read (its pages plus the short last one): the
	// six older day-windows were skipped.
	newestDay := len(sharedSim.TruthRange(events.Domo, simEnd.Add(-24*time.Hour), simEnd))
	want := fmt.Sprintf("7 window(s) (0 from cache, 0 shared with another query), %d request(s)", newestDay/1000+1)
	if !strings.Contains(f.Meta.ExecutedQueryString, want) {
		t.Fatalf("executed %q, want %q", f.Meta.ExecutedQueryString, want)
	}
	// The newest 100 rows are the truth's newest 100.
	truth := truthOf(sharedSim.TruthRange(events.Domo, simStart, simEnd)[:100])
	sameEvents(t, "newest 100", rows(t, f), truth)
}

// aidOf reads a ThousandEyes record's account group id.
func aidOf(e events.Event) string {
	var r struct {
		Aid any `json:"aid"`
	}
	_ = json.Unmarshal(e.Raw, &r)
	return fmt.Sprint(r.Aid)
}

// A range beyond a vendor's documented retention is named: an error when
// that vendor is the only one asked, a notice when others can answer.
func TestRangeBeyondRetentionIsNamed(t *testing.T) {
	_, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	now := clock.Now()
	old := dataQuery("A", map[string]any{"provider": "domo"}, now.Add(-500*24*time.Hour), now.Add(-400*24*time.Hour), time.Hour)
	r := run(t, ds, old).Responses["A"]
	if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.HasPrefix(r.Error.Error(), "time range: Domo keeps audit events for about one year") {
		t.Fatalf("status %v, error %v", r.Status, r.Error)
	}
	all := dataQuery("B", map[string]any{"provider": "all", "format": "timeseries"}, now.Add(-500*24*time.Hour), now.Add(-400*24*time.Hour), time.Hour)
	r = run(t, ds, all).Responses["B"]
	if r.Error != nil || len(r.Frames) == 0 {
		t.Fatalf("the other providers answer: %v", r.Error)
	}
	if n := r.Frames[0].Meta.Notices; len(n) == 0 || !strings.Contains(n[0].Text, "Domo keeps audit events") || strings.Contains(r.Frames[0].Meta.ExecutedQueryString, "domo:") {
		t.Fatalf("notices %v; executed %q", n, r.Frames[0].Meta.ExecutedQueryString)
	}
	// Partly beyond: a notice, and the query runs.
	part := dataQuery("C", map[string]any{"provider": "thousandeyes", "options": map[string]any{"allAccountGroups": true}}, now.Add(-800*24*time.Hour), now.Add(-700*24*time.Hour), time.Hour)
	r = run(t, ds, part).Responses["C"]
	if r.Error != nil || len(r.Frames) == 0 || len(r.Frames[0].Meta.Notices) == 0 || !strings.Contains(r.Frames[0].Meta.Notices[0].Text, "events before") {
		t.Fatalf("partly beyond: %v %+v", r.Error, r.Frames)
	}
}
