// Command dashframes runs the panels of a provisioned dashboard through the
// plugin's real backend, against the vendor simulator started in-process, and
// writes what Grafana's frontend would receive: per panel, the queries sent
// and the backend's QueryDataResponse JSON (the data-frame JSON of
// /api/ds/query, which @grafana/runtime's toDataQueryResponse reads).
//
// The browser tests (tests/browser/dashboard-frames.ts) run it to render the
// dashboard with @grafana/ui's panels for the README's screenshot:
//
//	go run ./cmd/dashframes -datasource ds.json -out frames.json
//
// It does what Grafana does between the dashboard JSON and QueryData:
//
//   - the time range is the dashboard's default ("now-2d" to "now");
//   - dashboard variables keep their saved current values; one set to "All"
//     removes its filter and a provider variable set to "All" means every
//     provider, as the plugin's frontend (applyTemplateVariables) does;
//   - maxDataPoints is the panel's width in pixels on a dashboard -width
//     pixels wide (unless the panel sets one), and the interval is what
//     Grafana's rangeutil.calculateInterval derives from it (at least the
//     panel's min interval);
//   - every panel is its own QueryData call, all at once, on one data source
//     instance; annotation queries likewise.
//
// -datasource is one provisioned data source as JSON (uid, jsonData,
// secureJsonData, as in provisioning/datasources/*.yaml); every enabled
// provider's URL is replaced by the simulator's. The simulator has the
// demo's data set (docker-compose.yaml: -events 20000 -seed 1) ending at the
// dashboard's "now" (-now, default the current time; the tests fix it so
// that the screenshot is the same on every run).
//
// The output is one JSON file: the dashboard as read, the time range, and
// per panel and annotation query the queries sent and the response.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/plugin"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

type options struct {
	dashboard  string
	datasource string
	out        string
	width      int
	events     int
	seed       int64
	now        time.Time
}

func run(args []string) error {
	o := options{}
	fs := flag.NewFlagSet("dashframes", flag.ContinueOnError)
	fs.StringVar(&o.dashboard, "dashboard", "src/dashboards/audit-overview.json", "the dashboard JSON")
	fs.StringVar(&o.datasource, "datasource", "", "the provisioned data source as JSON: {uid, jsonData, secureJsonData} (required)")
	fs.StringVar(&o.out, "out", "", "where to write the frames JSON (required)")
	fs.IntVar(&o.width, "width", 1600, "width of the dashboard in pixels (sets each panel's maxDataPoints)")
	fs.IntVar(&o.events, "events", 20000, "simulated events per provider (the demo's docker-compose.yaml)")
	fs.Int64Var(&o.seed, "seed", 1, "simulator seed (the demo's docker-compose.yaml)")
	now := fs.String("now", "", "the dashboard's \"now\" (RFC 3339); default the current time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.datasource == "" || o.out == "" {
		fs.Usage()
		return errors.New("-datasource and -out are required")
	}
	o.now = clock.Now().UTC()
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			return fmt.Errorf("-now: %w", err)
		}
		o.now = t.UTC()
	}
	out, err := render(context.Background(), o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(o.out, out, 0o644)
}

// dashboard is the part of a dashboard JSON this command reads.
type dashboard struct {
	UID  string `json:"uid"`
	Time struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"time"`
	Annotations struct {
		List []annotation `json:"list"`
	} `json:"annotations"`
	Templating struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type annotation struct {
	Name       string         `json:"name"`
	Enable     bool           `json:"enable"`
	BuiltIn    int            `json:"builtIn"`
	Datasource *dsRef         `json:"datasource"`
	Target     map[string]any `json:"target"`
}

type panel struct {
	ID         int              `json:"id"`
	Type       string           `json:"type"`
	Title      string           `json:"title"`
	Datasource *dsRef           `json:"datasource"`
	GridPos    gridPos          `json:"gridPos"`
	Targets    []map[string]any `json:"targets"`
	Interval   string           `json:"interval"`
	MaxPoints  int              `json:"maxDataPoints"`
	Panels     []panel          `json:"panels"` // collapsed rows
}

type gridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// provisioned is one data source of a provisioning file.
type provisioned struct {
	UID            string            `json:"uid"`
	Name           string            `json:"name"`
	Type           string            `json:"type"`
	JSONData       map[string]any    `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
}

// Output is the file written: what the harness page renders.
type Output struct {
	Dashboard   json.RawMessage `json:"dashboard"`
	Datasource  string          `json:"datasource"`
	Width       int             `json:"width"`
	Range       timeRange       `json:"range"`
	Simulator   simInfo         `json:"simulator"`
	Panels      []panelOut      `json:"panels"`
	Annotations []annotationOut `json:"annotations"`
}

type timeRange struct {
	From int64             `json:"from"` // epoch ms
	To   int64             `json:"to"`
	Raw  map[string]string `json:"raw"`
}

type simInfo struct {
	Events int       `json:"events"`
	Seed   int64     `json:"seed"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
}

type panelOut struct {
	ID            int               `json:"id"`
	MaxDataPoints int               `json:"maxDataPoints"`
	IntervalMs    int64             `json:"intervalMs"`
	Queries       []json.RawMessage `json:"queries"`
	Response      json.RawMessage   `json:"response"`
	Millis        int64             `json:"ms"`
}

type annotationOut struct {
	Name     string            `json:"name"`
	Queries  []json.RawMessage `json:"queries"`
	Response json.RawMessage   `json:"response"`
}

func render(ctx context.Context, o options) ([]byte, error) {
	rawDash, err := os.ReadFile(o.dashboard)
	if err != nil {
		return nil, err
	}
	var dash dashboard
	if err := json.Unmarshal(rawDash, &dash); err != nil {
		return nil, fmt.Errorf("%s: %w", o.dashboard, err)
	}
	rawDS, err := os.ReadFile(o.datasource)
	if err != nil {
		return nil, err
	}
	var ds provisioned
	if err := json.Unmarshal(rawDS, &ds); err != nil {
		return nil, fmt.Errorf("%s: %w", o.datasource, err)
	}

	from, to, err := dashboardRange(dash.Time.From, dash.Time.To, o.now)
	if err != nil {
		return nil, err
	}

	// The demo's simulator, with data up to now (what `docker compose up` serves).
	cfg := vendorsim.DefaultConfig()
	cfg.Events, cfg.Seed = o.events, o.seed
	cfg.End = o.now.Truncate(time.Minute)
	cfg.Start = cfg.End.Add(-7 * 24 * time.Hour)
	sim := vendorsim.New(cfg)
	srv := httptest.NewServer(sim)
	defer srv.Close()

	settings, err := instanceSettings(ds, srv.URL)
	if err != nil {
		return nil, err
	}
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return nil, fmt.Errorf("data source: %w", err)
	}
	d := inst.(*plugin.Datasource)
	defer d.Dispose()

	vars := variables(dash.Templating.List)
	usesDS := func(r *dsRef) bool { return r != nil && replace(r.UID, vars, ",") == ds.UID } // ${ds}: the data source variable

	out := Output{
		Dashboard: rawDash, Datasource: ds.UID, Width: o.width,
		Range:     timeRange{From: from.UnixMilli(), To: to.UnixMilli(), Raw: map[string]string{"from": dash.Time.From, "to": dash.Time.To}},
		Simulator: simInfo{Events: cfg.Events, Seed: cfg.Seed, Start: cfg.Start, End: cfg.End},
	}

	type job struct {
		queries []backend.DataQuery
		done    func(sent []json.RawMessage, resp []byte, took time.Duration)
	}
	var jobs []job
	grid := newGrid(o.width)
	for _, p := range flatten(dash.Panels) {
		if !usesDS(p.Datasource) || len(p.Targets) == 0 {
			continue
		}
		maxPoints := grid.contentWidth(p.GridPos.W)
		if p.MaxPoints > 0 {
			maxPoints = p.MaxPoints
		}
		interval := calculateInterval(to.Sub(from), maxPoints)
		if p.Interval != "" {
			// The panel's "Min interval" (Go duration syntax here: 1m, 30s).
			low, err := time.ParseDuration(strings.TrimPrefix(p.Interval, ">"))
			if err != nil {
				return nil, fmt.Errorf("panel %q: interval %q: %w", p.Title, p.Interval, err)
			}
			interval = max(interval, low)
		}
		var qs []backend.DataQuery
		for _, t := range p.Targets {
			if hide, _ := t["hide"].(bool); hide {
				continue
			}
			q, err := dataQuery(t, vars, from, to, interval, maxPoints)
			if err != nil {
				return nil, fmt.Errorf("panel %q: %w", p.Title, err)
			}
			qs = append(qs, q)
		}
		i := len(out.Panels)
		out.Panels = append(out.Panels, panelOut{ID: p.ID, MaxDataPoints: maxPoints, IntervalMs: interval.Milliseconds()})
		jobs = append(jobs, job{qs, func(sent []json.RawMessage, resp []byte, took time.Duration) {
			out.Panels[i].Queries, out.Panels[i].Response, out.Panels[i].Millis = sent, resp, took.Milliseconds()
		}})
	}
	for _, a := range dash.Annotations.List {
		if a.BuiltIn != 0 || !a.Enable || !usesDS(a.Datasource) || a.Target == nil {
			continue
		}
		// The plugin's annotation support always asks for a table (src/annotations.ts).
		t := map[string]any{}
		for k, v := range a.Target {
			t[k] = v
		}
		t["format"] = "table"
		q, err := dataQuery(t, vars, from, to, calculateInterval(to.Sub(from), grid.contentWidth(24)), grid.contentWidth(24))
		if err != nil {
			return nil, fmt.Errorf("annotation %q: %w", a.Name, err)
		}
		i := len(out.Annotations)
		out.Annotations = append(out.Annotations, annotationOut{Name: a.Name})
		jobs = append(jobs, job{[]backend.DataQuery{q}, func(sent []json.RawMessage, resp []byte, _ time.Duration) {
			out.Annotations[i].Queries, out.Annotations[i].Response = sent, resp
		}})
	}

	// Each panel and annotation is its own request, sent at once, as a browser does.
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			resp, err := d.QueryData(ctx, &backend.QueryDataRequest{
				PluginContext: backend.PluginContext{DataSourceInstanceSettings: &settings},
				Queries:       j.queries,
			})
			if err != nil {
				errs[i] = err
				return
			}
			body, err := json.Marshal(resp)
			if err != nil {
				errs[i] = err
				return
			}
			sent := make([]json.RawMessage, len(j.queries))
			for k, q := range j.queries {
				sent[k] = q.JSON
			}
			j.done(sent, body, time.Since(t0))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// flatten lists the panels, with those of collapsed rows.
func flatten(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, flatten(p.Panels)...)
	}
	return out
}

// instanceSettings is the provisioned data source as Grafana hands it to the
// plugin, every enabled provider pointed at the simulator.
func instanceSettings(ds provisioned, simURL string) (backend.DataSourceInstanceSettings, error) {
	jd := ds.JSONData
	providers, _ := jd["providers"].(map[string]any)
	if len(providers) == 0 {
		return backend.DataSourceInstanceSettings{}, errors.New("the data source has no providers")
	}
	for id, p := range providers {
		m, ok := p.(map[string]any)
		if !ok {
			return backend.DataSourceInstanceSettings{}, fmt.Errorf("provider %s: not an object", id)
		}
		if enabled, _ := m["enabled"].(bool); enabled {
			m["url"] = simURL
		}
	}
	raw, err := json.Marshal(jd)
	if err != nil {
		return backend.DataSourceInstanceSettings{}, err
	}
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: ds.UID, Name: ds.Name, Type: ds.Type, JSONData: raw,
		DecryptedSecureJSONData: ds.SecureJSONData, Updated: clock.Now(),
	}, nil
}

// dataQuery is a panel target as Grafana's /api/ds/query hands it to the
// plugin: variables interpolated, with intervalMs and maxDataPoints.
func dataQuery(target map[string]any, vars map[string]any, from, to time.Time, interval time.Duration, maxPoints int) (backend.DataQuery, error) {
	q, err := interpolate(target, vars)
	if err != nil {
		return backend.DataQuery{}, err
	}
	refID, _ := q["refId"].(string)
	if refID == "" {
		refID = "A"
		q["refId"] = refID
	}
	q["intervalMs"] = interval.Milliseconds()
	q["maxDataPoints"] = maxPoints
	raw, err := json.Marshal(q)
	if err != nil {
		return backend.DataQuery{}, err
	}
	return backend.DataQuery{
		RefID: refID, JSON: raw, Interval: interval, MaxDataPoints: int64(maxPoints),
		TimeRange: backend.TimeRange{From: from, To: to},
	}, nil
}

// dashboardRange resolves a relative dashboard time range of the form
// "now-<n><unit>" .. "now" (the units Grafana's date math knows, without
// rounding; enough for provisioned dashboards like the demo's).
func dashboardRange(from, to string, now time.Time) (time.Time, time.Time, error) {
	f, err := relative(from, now)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t, err := relative(to, now)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !f.Before(t) {
		return time.Time{}, time.Time{}, fmt.Errorf("time range %s to %s is empty", from, to)
	}
	return f, t, nil
}

func relative(expr string, now time.Time) (time.Time, error) {
	if expr == "now" {
		return now, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(expr, "now-%d%s", &n, &unit); err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("time %q: only now-<n><unit> and now are supported", expr)
	}
	switch unit {
	case "s":
		return now.Add(-time.Duration(n) * time.Second), nil
	case "m":
		return now.Add(-time.Duration(n) * time.Minute), nil
	case "h":
		return now.Add(-time.Duration(n) * time.Hour), nil
	case "d":
		return now.AddDate(0, 0, -n), nil
	case "w":
		return now.AddDate(0, 0, -7*n), nil
	case "M":
		return now.AddDate(0, -n, 0), nil
	case "y":
		return now.AddDate(-n, 0, 0), nil
	}
	return time.Time{}, fmt.Errorf("time %q: unknown unit %q", expr, unit)
}

// grid is Grafana's dashboard grid (24 columns, 8px gaps) on a page of a
// given width with Grafana's 16px dashboard padding on each side; the same
// layout as tests/browser/harness/dashboard.tsx.
type grid struct{ width float64 }

const (
	gridColumns = 24
	gridMargin  = 8
	pagePadding = 16
	// panelPadding is PanelChrome's content padding (theme.spacing(1)) on each side.
	panelPadding = 8
)

func newGrid(pageWidth int) grid { return grid{float64(pageWidth - 2*pagePadding)} }

// contentWidth is the width of a panel's visualization, w columns wide: the
// maxDataPoints Grafana sends.
func (g grid) contentWidth(w int) int {
	col := (g.width - gridMargin*(gridColumns-1)) / gridColumns
	px := math.Round(col*float64(w) + gridMargin*float64(w-1))
	return int(px) - 2*panelPadding
}

// calculateInterval is Grafana's rangeutil.calculateInterval without a
// minimum interval: the range over maxDataPoints, rounded to a nice step.
func calculateInterval(span time.Duration, maxPoints int) time.Duration {
	ms := float64(span.Milliseconds()) / float64(max(maxPoints, 1))
	return time.Duration(roundInterval(ms)) * time.Millisecond
}

// roundInterval is Grafana's rangeutil.roundInterval (milliseconds).
func roundInterval(ms float64) int64 {
	steps := []struct{ below, to float64 }{
		{10, 1}, {15, 10}, {35, 20}, {75, 50}, {150, 100}, {350, 200}, {750, 500},
		{1500, 1e3}, {3500, 2e3}, {7500, 5e3}, {12500, 1e4}, {17500, 15e3}, {25e3, 2e4},
		{45e3, 3e4}, {9e4, 6e4}, {21e4, 12e4}, {45e4, 3e5}, {75e4, 6e5}, {105e4, 9e5},
		{15e5, 12e5}, {27e5, 18e5}, {54e5, 36e5}, {9e6, 72e5}, {162e5, 108e5},
		{324e5, 216e5}, {864e5, 432e5}, {6048e5, 864e5}, {18144e5, 6048e5}, {3628800000, 2592e6},
	}
	for _, s := range steps {
		if ms < s.below {
			return int64(s.to)
		}
	}
	return 31536e6
}
