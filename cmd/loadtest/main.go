// Command loadtest runs dashboards against the plugin for a while and checks
// that every answer arrives and is right, that the vendors' rate limits are
// kept, and how long the answers take:
//
//	go run ./cmd/loadtest                 # 20 panels for 60 s
//	go run ./cmd/loadtest -duration 5m    # longer
//	go run ./cmd/loadtest -h              # every flag
//
// The simulator (pkg/vendorsim) runs in this process behind a real loopback
// HTTP server, with a vendor-like latency and its ThousandEyes rate limit on
// (240 requests per minute unless -te-rate-limit says otherwise). One data
// source is built through plugin.NewDatasource with all five providers
// pointed at it, as Grafana builds it, and queried through QueryData.
//
// The load is the demo's "Audit overview" dashboard (provisioning/): its
// five panels and its annotation query, open in several browsers at once,
// each with its own provider variable, time range and refresh interval.
// Every panel is its own QueryData call, as in Grafana. A panel refreshes on
// its interval once its previous answer is in. Every answer is compared
// with the simulator's ground truth: table and logs rows (count, and which
// events), and every time-series bucket.
//
// Requests are counted where the vendor would count them: a meter in front
// of the simulator records each request's arrival, so the peak per minute
// is over any 60-second window. The exit status is non-zero when a query
// failed, was wrong or unanswered, or a documented rate limit was exceeded.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/plugin"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

type options struct {
	duration    time.Duration
	panels      int
	perBoard    int
	events      int
	days        float64
	latency     time.Duration
	teRateLimit int
	concurrency int
	seed        int64
	grace       time.Duration
	timeout     time.Duration
	verbose     bool
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./cmd/loadtest [flags]\n\nRuns dashboards against the plugin and the simulator (see docs/performance.md, Load test).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long dashboards keep refreshing")
	fs.IntVar(&o.panels, "panels", 20, "panels open at once (each its own query loop)")
	fs.IntVar(&o.perBoard, "panels-per-dashboard", 5, "panels per open dashboard (they share its provider, range and refresh)")
	fs.IntVar(&o.events, "events", 20000, "simulator: events per provider")
	fs.Float64Var(&o.days, "days", 7, "simulator: days of data, ending now")
	fs.DurationVar(&o.latency, "latency", 100*time.Millisecond, "simulator: latency of every vendor request")
	fs.IntVar(&o.teRateLimit, "te-rate-limit", 240, "simulator: ThousandEyes requests per minute (the documented 240; <0 disables)")
	fs.IntVar(&o.concurrency, "concurrency", models.DefaultConcurrency, "data source setting: windows fetched at once per provider and query")
	fs.Int64Var(&o.seed, "seed", 1, "simulator: random seed")
	fs.DurationVar(&o.grace, "grace", 2*time.Minute, "how long to wait for answers still due after -duration")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "timeout of one query")
	fs.BoolVar(&o.verbose, "v", false, "log every query")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case o.duration <= 0:
		return nil, fmt.Errorf("-duration must be positive")
	case o.panels <= 0 || o.perBoard <= 0:
		return nil, fmt.Errorf("-panels and -panels-per-dashboard must be positive")
	case o.events <= 0 || o.days <= 0:
		return nil, fmt.Errorf("-events and -days must be positive")
	case o.latency < 0:
		return nil, fmt.Errorf("-latency must not be negative")
	case o.concurrency <= 0:
		return nil, fmt.Errorf("-concurrency must be positive")
	}
	return o, nil
}

// dashboard is one open copy of the overview dashboard.
type dashboard struct {
	provider string // the $provider variable
	span     time.Duration
	refresh  time.Duration
}

// dashboards, in the order they are opened.
var dashboards = []dashboard{
	{models.ProviderAll, 48 * time.Hour, 10 * time.Second}, // the dashboard's defaults
	{events.ThousandEyes, 24 * time.Hour, 5 * time.Second},
	{events.Domino, 7 * 24 * time.Hour, 30 * time.Second},
	{events.DomoPlatform, 6 * time.Hour, 15 * time.Second},
	{events.Domo, 12 * time.Hour, 10 * time.Second},
	{events.Datafold, time.Hour, 5 * time.Second},
}

// panelKind is one query of the overview dashboard.
type panelKind struct {
	title   string
	all     bool // always every provider, whatever the variable
	format  string
	groupBy string
	filter  string // a filterLists name
}

var panelKinds = []panelKind{
	{title: "Events over time by provider", all: true, format: "timeseries", groupBy: "provider"},
	{title: "Top users", format: "timeseries", groupBy: "user"},
	{title: "Failed logins per user", format: "timeseries", groupBy: "user", filter: "failedLogins"},
	{title: "Recent events", format: "table"},
	{title: "Audit log", format: "logs"},
	{title: "Permission changes (annotations)", format: "table", filter: "permissionChanges"},
}

// panel is one query loop.
type panel struct {
	panelKind
	board    int
	dash     dashboard
	provider string
}

func (p *panel) providers() []string {
	if p.provider == models.ProviderAll {
		return events.ProviderIDs
	}
	return []string{p.provider}
}

func (p *panel) query(from, to time.Time) backend.DataQuery {
	q := map[string]any{"refId": "A", "provider": p.provider, "format": p.format, "limit": 10,
		// The dashboard's account-group switch on "all", so that
		// ThousandEyes answers are comparable with the simulator's truth.
		"options": map[string]any{"allAccountGroups": true}}
	if p.groupBy != "" {
		q["groupBy"] = p.groupBy
	}
	if p.filter != "" {
		q["events"] = filterLists[p.filter]
	}
	raw, _ := json.Marshal(q)
	return backend.DataQuery{RefID: "A", JSON: raw, TimeRange: backend.TimeRange{From: from, To: to},
		Interval: panelInterval(to.Sub(from)), MaxDataPoints: 1000}
}

// panelInterval is Grafana's interval for a 1000-point panel, rounded up to
// a usual step.
func panelInterval(span time.Duration) time.Duration {
	raw := span / 1000
	for _, s := range []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if s >= raw {
			return s
		}
	}
	return time.Hour
}

// sample is one answered (or failed) query.
type sample struct {
	panel   int
	first   bool // the panel's first load
	format  string
	latency time.Duration
	err     string
	wrong   string
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, o *options, out io.Writer) (bool, error) {
	// The simulator: data ending now, so that dashboards' "last N hours"
	// are live ranges with a moving edge.
	cfg := vendorsim.DefaultConfig()
	cfg.Seed, cfg.Events, cfg.Latency, cfg.ThousandEyesRateLimit = o.seed, o.events, o.latency, o.teRateLimit
	cfg.Start = cfg.End.Add(-time.Duration(o.days * float64(24*time.Hour)))
	t0 := time.Now()
	sim := vendorsim.New(cfg)
	tr := newTruth(sim)
	m := newMeter(sim)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return false, err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "Simulator on %s: %d events per provider over %g days (seed %d), latency %s, ThousandEyes limit %s; ready in %s. %d CPUs, %s.\n",
		base, o.events, o.days, o.seed, o.latency, limitText(o.teRateLimit), time.Since(t0).Round(time.Millisecond), runtime.NumCPU(), runtime.Version())

	settings := dataSourceSettings(base, o)
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return false, fmt.Errorf("NewDatasource: %w", err)
	}
	ds := inst.(*plugin.Datasource)
	defer ds.Dispose()
	s, err := models.LoadSettings(settings)
	if err != nil {
		return false, err
	}
	health, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{PluginContext: backend.PluginContext{DataSourceInstanceSettings: &settings}})
	if err != nil || health.Status != backend.HealthStatusOk {
		return false, fmt.Errorf("the data source is not healthy: %v %v", err, health)
	}
	fmt.Fprintf(out, "Health: %s\n", health.Message)
	rssSetup := procStatus("VmRSS")

	panels := makePanels(o)
	boards := (len(panels) + o.perBoard - 1) / o.perBoard
	fmt.Fprintf(out, "Load: %d panels on %d dashboards for %s:\n", len(panels), boards, o.duration)
	for b := 0; b < boards; b++ {
		d := dashboards[b%len(dashboards)]
		var titles []string
		for _, p := range panels {
			if p.board == b {
				titles = append(titles, p.title)
			}
		}
		fmt.Fprintf(out, "  dashboard %d: provider %s, last %s, refresh every %s: %s\n", b+1, d.provider, spanText(d.span), d.refresh, strings.Join(titles, ", "))
	}

	queryCtx, cancelQueries := context.WithCancel(ctx)
	defer cancelQueries()
	var (
		mu       sync.Mutex
		samples  []sample
		inFlight = map[int]bool{}
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(o.duration)
	for i := range panels {
		p := &panels[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Dashboards open within the first second; their panels fire together.
			next := start.Add(time.Duration(p.board) * 250 * time.Millisecond)
			for first := true; ; first = false {
				if wait := time.Until(next); wait > 0 {
					select {
					case <-time.After(wait):
					case <-queryCtx.Done():
						return
					}
				}
				if !time.Now().Before(deadline) || queryCtx.Err() != nil {
					return
				}
				to := clock.Now().Truncate(time.Millisecond)
				from := to.Add(-p.dash.span)
				mu.Lock()
				inFlight[i] = true
				mu.Unlock()
				smp := runPanel(queryCtx, ds, &settings, p, from, to, o.timeout, tr, s.MaxEvents)
				smp.panel, smp.first = i, first
				mu.Lock()
				delete(inFlight, i)
				if queryCtx.Err() == nil {
					samples = append(samples, smp)
				}
				mu.Unlock()
				if o.verbose {
					fmt.Fprintf(os.Stderr, "%6.1fs panel %2d %-32s %-13s %-10s %8s %s%s\n", time.Since(start).Seconds(), i, p.title, p.provider, p.format,
						smp.latency.Round(time.Millisecond), smp.err, smp.wrong)
				}
				// The next refresh tick after the answer.
				for next = next.Add(p.dash.refresh); !next.After(time.Now()); next = next.Add(p.dash.refresh) {
				}
			}
		}(i)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	unanswered := 0
	select {
	case <-done:
	case <-ctx.Done():
		cancelQueries()
		<-done
		return false, ctx.Err()
	case <-time.After(o.duration + o.grace):
		mu.Lock()
		unanswered = len(inFlight)
		mu.Unlock()
		cancelQueries()
		<-done
	}
	elapsed := time.Since(start)

	rep := report{o: o, samples: samples, unanswered: unanswered, elapsed: elapsed, rssSetup: rssSetup, rssPeak: procStatus("VmHWM")}
	for _, id := range events.ProviderIDs {
		rep.loads = append(rep.loads, m.load(id))
	}
	return rep.print(out), nil
}

// runPanel runs one panel query and checks its answer.
func runPanel(ctx context.Context, ds *plugin.Datasource, settings *backend.DataSourceInstanceSettings, p *panel, from, to time.Time,
	timeout time.Duration, tr truth, maxEvents int) sample {
	smp := sample{format: p.format}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t0 := time.Now()
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: settings},
		Queries:       []backend.DataQuery{p.query(from, to)},
	})
	smp.latency = time.Since(t0)
	switch {
	case err != nil:
		smp.err = err.Error()
	case resp.Responses["A"].Error != nil:
		smp.err = resp.Responses["A"].Error.Error()
	default:
		smp.wrong = tr.check(p, from, to, resp.Responses["A"].Frames, maxEvents)
	}
	return smp
}

func makePanels(o *options) []panel {
	out := make([]panel, o.panels)
	for i := range out {
		b := i / o.perBoard
		d := dashboards[b%len(dashboards)]
		k := panelKinds[i%len(panelKinds)]
		prov := d.provider
		if k.all {
			prov = models.ProviderAll
		}
		out[i] = panel{panelKind: k, board: b, dash: d, provider: prov}
	}
	return out
}

// dataSourceSettings is the data source with every provider on the
// simulator, its credentials, and no override of the documented rates.
func dataSourceSettings(base string, o *options) backend.DataSourceInstanceSettings {
	jd, _ := json.Marshal(map[string]any{
		"providers": map[string]any{
			events.Domo:         map[string]any{"enabled": true, "instance": "acme", "url": base},
			events.DomoPlatform: map[string]any{"enabled": true, "clientId": vendorsim.DomoPlatformClientID, "url": base},
			events.Domino:       map[string]any{"enabled": true, "url": base, "authType": "bearer"},
			events.Datafold:     map[string]any{"enabled": true, "url": base},
			events.ThousandEyes: map[string]any{"enabled": true, "url": base, "accountGroupId": "1234"},
		},
		"concurrency": o.concurrency,
	})
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: "loadtest", Name: "Audit Log (load test)", Type: "auditlens-auditlog-datasource", JSONData: jd,
		DecryptedSecureJSONData: vendorsim.SecureJSONData(),
	}
}

// documentedLimit is the vendor's documented requests per minute (0: none).
func documentedLimit(id string) int {
	if id == events.ThousandEyes {
		return 240
	}
	return 0
}

func limitText(n int) string {
	if n < 0 {
		return "off"
	}
	return strconv.Itoa(n) + "/min"
}

func spanText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return fmt.Sprintf("%dh", d/time.Hour)
}

// procStatus reads a kB value of /proc/self/status in bytes (0 where there
// is no /proc).
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
