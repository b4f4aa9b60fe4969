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
//
// With -replicas N (N > 1) the load test plays Grafana HA: N plugin
// processes (the built binary, driven over Grafana's gRPC plugin protocol)
// share one redis-server, the dashboards' refreshes are spread over them
// round robin, and every replica evaluates the alert rules on the same
// schedule. The same load then runs against one replica without Redis,
// and the vendor requests of both runs are compared:
//
//	go run ./cmd/loadtest -replicas 3 -duration 60s
//	go run ./cmd/loadtest -replicas 3 -kill-redis-at 20s -restart-redis-at 40s
package main

import (
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
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

const pluginID = "auditlens-auditlog-datasource"

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

	// Grafana HA.
	replicas       int
	redis          bool // the replicas share a redis-server
	grpc           bool // drive the built binary even with one replica
	pluginBinary   string
	alertInterval  time.Duration // 0: no alert rules
	compare        bool          // also run the load on one replica without Redis
	killRedisAt    time.Duration // 0: never
	restartRedisAt time.Duration // 0: never
	maxRatio       float64       // target: N replicas' requests ≤ maxRatio × one replica's
	firstLoad      time.Duration // target: first loads of ThousandEyes and all panels
	strict         bool          // missed targets fail the exit status too
	balance        string        // balanceRoundRobin or balanceDashboard
}

// How the load balancer in front of the replicas sends panel queries.
const (
	balanceRoundRobin = "round-robin" // each query to the next replica
	balanceDashboard  = "dashboard"   // a dashboard's queries to one replica (sticky sessions)
)

// processes reports whether the replicas are plugin processes (else the
// data source is built in this process, as the load test always did).
func (o *options) processes() bool { return o.replicas > 1 || o.grpc || o.pluginBinary != "" }

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
	fs.IntVar(&o.replicas, "replicas", 1, "Grafana replicas: plugin processes of the built binary, driven over gRPC (1: the data source in this process, as before)")
	fs.BoolVar(&o.redis, "redis", false, "the replicas share a redis-server started here (jsonData.redisUrl; default on when -replicas > 1)")
	fs.BoolVar(&o.grpc, "grpc", false, "drive the built plugin binary over gRPC even with -replicas 1")
	fs.StringVar(&o.pluginBinary, "plugin-binary", "", "the plugin binary to run (default: go build ./pkg into a temporary directory)")
	fs.DurationVar(&o.alertInterval, "alert-interval", 0, "alert rules every replica evaluates, at multiples of this on the clock (default 60s when -replicas > 1, else none; 0: none)")
	fs.BoolVar(&o.compare, "compare", false, "then run the same load on 1 replica without Redis and compare vendor requests (default on when -replicas > 1)")
	fs.DurationVar(&o.killRedisAt, "kill-redis-at", 0, "kill the redis-server this long into the load, then check the replicas' health (0: never)")
	fs.DurationVar(&o.restartRedisAt, "restart-redis-at", 0, "start the killed redis-server again (empty) this long into the load (0: never)")
	fs.Float64Var(&o.maxRatio, "max-request-ratio", 1.1, "target: the replicas' vendor requests per provider at most this times one replica's")
	fs.DurationVar(&o.firstLoad, "first-load-target", 3*time.Second, "target: slowest first load of a ThousandEyes or all panel")
	fs.StringVar(&o.balance, "balance", balanceRoundRobin, "how panel queries go to replicas: "+balanceRoundRobin+" (each refresh to the next replica) or "+balanceDashboard+" (each dashboard's browser stays on one replica)")
	fs.BoolVar(&o.strict, "strict", false, "missed targets (request ratio, first loads) fail the exit status too")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["redis"] {
		o.redis = o.replicas > 1
	}
	if !set["compare"] {
		o.compare = o.replicas > 1
	}
	if !set["alert-interval"] && o.replicas > 1 {
		o.alertInterval = time.Minute
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
	case o.replicas <= 0:
		return nil, fmt.Errorf("-replicas must be positive")
	case o.alertInterval < 0:
		return nil, fmt.Errorf("-alert-interval must not be negative")
	case o.killRedisAt < 0 || o.restartRedisAt < 0:
		return nil, fmt.Errorf("-kill-redis-at and -restart-redis-at must not be negative")
	case o.killRedisAt > 0 && !o.redis:
		return nil, fmt.Errorf("-kill-redis-at needs Redis (-redis, the default with -replicas > 1)")
	case o.killRedisAt >= o.duration:
		return nil, fmt.Errorf("-kill-redis-at must fall within -duration")
	case o.restartRedisAt > 0 && (o.killRedisAt == 0 || o.restartRedisAt <= o.killRedisAt):
		return nil, fmt.Errorf("-restart-redis-at must come after -kill-redis-at")
	case o.balance != balanceRoundRobin && o.balance != balanceDashboard:
		return nil, fmt.Errorf("-balance must be %s or %s", balanceRoundRobin, balanceDashboard)
	case o.maxRatio <= 0:
		return nil, fmt.Errorf("-max-request-ratio must be positive")
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

// panel is one query loop: a dashboard panel, or an alert rule (which
// every replica evaluates).
type panel struct {
	panelKind
	board    int
	dash     dashboard
	provider string

	// An alert rule's query: the rule's interval (intervalMs) and
	// maxDataPoints, and Grafana's FromAlert header.
	alert         bool
	interval      time.Duration
	maxDataPoints int64
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
	interval, points := panelInterval(to.Sub(from)), int64(1000)
	if p.alert {
		q["limit"], interval, points = 50, p.interval, p.maxDataPoints
		q["intervalMs"], q["maxDataPoints"] = p.interval.Milliseconds(), p.maxDataPoints
	}
	raw, _ := json.Marshal(q)
	return backend.DataQuery{RefID: "A", JSON: raw, TimeRange: backend.TimeRange{From: from, To: to},
		Interval: interval, MaxDataPoints: points}
}

// alertRules are the rules every replica evaluates: the demo's failed-login
// rule (provisioning/alerting/failed-logins.yml: ThousandEyes "Login
// failed." per user in 15-minute buckets over the last 7 days), and the
// same over every provider with the dashboard's failed-login list. Both
// ask for every account group, as the panels do, so that the answers are
// comparable with the simulator's truth.
var alertRules = []panel{
	{panelKind: panelKind{title: "Alert: failed login burst (thousandeyes)", format: "timeseries", groupBy: "user", filter: "teFailedLogins"},
		provider: events.ThousandEyes, dash: dashboard{span: 7 * 24 * time.Hour}, alert: true, interval: 15 * time.Minute, maxDataPoints: 43200},
	{panelKind: panelKind{title: "Alert: failed logins (all)", format: "timeseries", groupBy: "user", filter: "failedLogins"},
		provider: models.ProviderAll, dash: dashboard{span: 7 * 24 * time.Hour}, alert: true, interval: 15 * time.Minute, maxDataPoints: 43200},
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
	first   bool   // the panel's first load (or the rule's first evaluation on its replica)
	alert   bool   // an alert rule's evaluation
	group   string // the panel's provider variable (all for all-provider panels)
	title   string
	replica int // 1-based
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

// runSpec is one run of the load: how many replicas, whether they share
// Redis, and whether it is killed.
type runSpec struct {
	name      string
	replicas  int
	processes bool
	redis     bool
	kill      time.Duration
	restart   time.Duration
}

func (s runSpec) describe() string {
	what := "the data source in this process"
	if s.processes {
		what = "plugin process"
		if s.replicas > 1 {
			what += "es"
		}
		what = fmt.Sprintf("%d %s over gRPC", s.replicas, what)
	}
	if s.redis {
		what += ", sharing one redis-server"
	} else if s.replicas == 1 {
		what += ", no Redis"
	} else {
		what += ", no Redis (each alone)"
	}
	return what
}

func run(ctx context.Context, o *options, out io.Writer) (bool, error) {
	tmp, err := os.MkdirTemp("", "auditlog-loadtest-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(tmp)
	bin := o.pluginBinary
	if o.processes() && bin == "" {
		t0 := time.Now()
		if bin, err = buildPlugin(ctx, tmp); err != nil {
			return false, err
		}
		fmt.Fprintf(out, "Built the plugin binary (go build ./pkg) in %s.\n", time.Since(t0).Round(100*time.Millisecond))
	}
	mainRun := runSpec{name: fmt.Sprintf("%d replicas", o.replicas), replicas: o.replicas, processes: o.processes(), redis: o.redis,
		kill: o.killRedisAt, restart: o.restartRedisAt}
	if o.replicas == 1 {
		mainRun.name = "1 replica"
	}
	if o.redis {
		mainRun.name += " + Redis"
	}
	specs := []runSpec{mainRun}
	if o.compare {
		specs = append(specs, runSpec{name: "1 replica, no Redis", replicas: 1, processes: o.processes()})
	}
	var reps []*report
	for i, spec := range specs {
		if len(specs) > 1 {
			fmt.Fprintf(out, "\n=== Run %d of %d: %s (%s) ===\n\n", i+1, len(specs), spec.name, spec.describe())
		}
		t0 := time.Now()
		rep, err := runLoad(ctx, o, spec, bin, filepath.Join(tmp, fmt.Sprint("run", i+1)), out)
		if err != nil {
			return false, fmt.Errorf("%s: %w", spec.name, err)
		}
		rep.wall = time.Since(t0)
		rep.printTables(out)
		reps = append(reps, rep)
	}
	return summarize(out, o, reps), nil
}

// runLoad runs the load once against spec's replicas.
func runLoad(ctx context.Context, o *options, spec runSpec, bin, dir string, out io.Writer) (*report, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// The simulator: data ending now, so that dashboards' "last N hours"
	// are live ranges with a moving edge. Each run has its own, so that
	// its request meter and its rate-limit minute start fresh.
	cfg := vendorsim.DefaultConfig()
	cfg.Seed, cfg.Events, cfg.Latency, cfg.ThousandEyesRateLimit = o.seed, o.events, o.latency, o.teRateLimit
	cfg.Start = cfg.End.Add(-time.Duration(o.days * float64(24*time.Hour)))
	t0 := time.Now()
	sim := vendorsim.New(cfg)
	tr := newTruth(sim)
	m := newMeter(sim)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "Simulator on %s: %d events per provider over %g days (seed %d), latency %s, ThousandEyes limit %s; ready in %s. %d CPUs, %s.\n",
		base, o.events, o.days, o.seed, o.latency, limitText(o.teRateLimit), time.Since(t0).Round(time.Millisecond), runtime.NumCPU(), runtime.Version())

	var rds *sharedRedis
	if spec.redis {
		if rds, err = startRedis(dir); err != nil {
			return nil, err
		}
		defer rds.srv.Stop()
		fmt.Fprintf(out, "Redis: redis-server on %s (with a password, in secureJsonData.redisPassword).\n", rds.url())
	}
	settings := dataSourceSettings(base, o, rds)
	s, err := models.LoadSettings(settings)
	if err != nil {
		return nil, err
	}
	targets := make([]target, spec.replicas)
	for i := range targets {
		var t target
		if spec.processes {
			t, err = startProcess(bin, o.verbose, fmt.Sprintf("replica%d", i+1))
		} else {
			t, err = newInProcess(ctx, settings)
		}
		if err != nil {
			for _, t := range targets[:i] {
				t.close()
			}
			return nil, err
		}
		targets[i] = t
	}
	defer func() {
		for _, t := range targets {
			t.close()
		}
	}()
	pctx := backend.PluginContext{OrgID: 1, PluginID: pluginID, DataSourceInstanceSettings: &settings}
	password := ""
	if rds != nil {
		password = rds.password
	}
	for _, h := range checkAll(ctx, targets, pctx, password, "before the load", 0) {
		if h.err != "" || h.status != backend.HealthStatusOk {
			return nil, fmt.Errorf("replica %d is not healthy: %s%s", h.replica, h.err, h.message)
		}
		if h.replica == 1 {
			fmt.Fprintf(out, "Health: %s", h.message)
			if h.redisLine != "" {
				fmt.Fprintf(out, "; %s", h.redisLine)
			}
			if len(targets) > 1 {
				fmt.Fprintf(out, " (all %d replicas alike)", len(targets))
			}
			fmt.Fprintln(out)
		}
	}
	rssSetup := procStatusOf("self", "VmRSS")

	panels := makePanels(o)
	boards := (len(panels) + o.perBoard - 1) / o.perBoard
	fmt.Fprintf(out, "Load: %d panels on %d dashboards for %s", len(panels), boards, o.duration)
	if len(targets) > 1 {
		if o.balance == balanceRoundRobin {
			fmt.Fprintf(out, ", each query sent to the next replica (round robin)")
		} else {
			fmt.Fprintf(out, ", each dashboard's queries to one replica (dashboard d on replica d mod %d)", len(targets))
		}
	}
	fmt.Fprintln(out, ":")
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
	if o.alertInterval > 0 {
		for _, r := range alertRules {
			fmt.Fprintf(out, "  alert rule on every replica, every %s at the clock's multiples of it: %s (last %s, %s buckets)\n",
				o.alertInterval, r.title, spanText(r.dash.span), r.interval)
		}
	}

	queryCtx, cancelQueries := context.WithCancel(ctx)
	defer cancelQueries()
	var (
		mu       sync.Mutex
		samples  []sample
		inFlight = map[int]bool{} // loop index → a query is out
		wg       sync.WaitGroup
		rr       atomic.Uint64 // the load balancer's round robin
		firsts   atomic.Int64  // panels whose first load is answered
		coldEnd  time.Time     // when the last was (clock.Now, as the meter)
		skipped  atomic.Int64  // alert ticks missed while an evaluation ran
	)
	start := time.Now()
	deadline := start.Add(o.duration)
	// record runs one query of loop i and keeps its sample.
	record := func(i int, p *panel, t target, replica int, first bool, from, to time.Time) {
		mu.Lock()
		inFlight[i] = true
		mu.Unlock()
		smp := runPanel(queryCtx, t, pctx, p, from, to, o.timeout, tr, s.MaxEvents)
		smp.panel, smp.first, smp.alert, smp.replica = i, first, p.alert, replica
		smp.group, smp.title = p.provider, p.title
		mu.Lock()
		delete(inFlight, i)
		if queryCtx.Err() == nil {
			samples = append(samples, smp)
		}
		mu.Unlock()
		if o.verbose {
			fmt.Fprintf(os.Stderr, "%6.1fs r%d loop %2d %-40s %-13s %-10s %8s %s%s\n", time.Since(start).Seconds(), replica, i, p.title, p.provider, p.format,
				smp.latency.Round(time.Millisecond), smp.err, smp.wrong)
		}
	}
	// sleepUntil waits for t, and reports whether the load goes on then
	// (nobody waits past its end).
	sleepUntil := func(t time.Time) bool {
		if !t.Before(deadline) {
			return false
		}
		if wait := time.Until(t); wait > 0 {
			select {
			case <-time.After(wait):
			case <-queryCtx.Done():
				return false
			}
		}
		return time.Now().Before(deadline) && queryCtx.Err() == nil
	}
	for i := range panels {
		p := &panels[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Dashboards open within the first second; their panels fire together.
			next := start.Add(time.Duration(p.board) * 250 * time.Millisecond)
			for first := true; ; first = false {
				if !sleepUntil(next) {
					return
				}
				to := clock.Now().Truncate(time.Millisecond)
				r := p.board % len(targets) // -balance dashboard: the browser's replica
				if o.balance == balanceRoundRobin {
					r = int((rr.Add(1) - 1) % uint64(len(targets)))
				}
				record(i, p, targets[r], r+1, first, to.Add(-p.dash.span), to)
				if first && firsts.Add(1) == int64(len(panels)) {
					mu.Lock()
					coldEnd = clock.Now()
					mu.Unlock()
				}
				// The next refresh tick after the answer.
				for next = next.Add(p.dash.refresh); !next.After(time.Now()); next = next.Add(p.dash.refresh) {
				}
			}
		}(i)
	}
	if o.alertInterval > 0 {
		// Every replica evaluates every rule at the same ticks: Grafana's
		// scheduler ticks at multiples of the rule's interval on the clock,
		// and the tick is the evaluation's "now".
		for k := range alertRules {
			rule := &alertRules[k]
			for r, t := range targets {
				i := len(panels) + k*len(targets) + r
				wg.Add(1)
				go func() {
					defer wg.Done()
					tick := clock.Now().Truncate(o.alertInterval).Add(o.alertInterval)
					for first := true; ; first = false {
						if !sleepUntil(time.Now().Add(tick.Sub(clock.Now()))) {
							return
						}
						record(i, rule, t, r+1, first, tick.Add(-rule.dash.span), tick)
						// The next tick after the answer; ticks passed meanwhile are
						// skipped, as Grafana skips them.
						for tick = tick.Add(o.alertInterval); !tick.After(clock.Now()); tick = tick.Add(o.alertInterval) {
							skipped.Add(1)
						}
					}
				}()
			}
		}
	}

	// Redis killed (and restarted) during the load; the replicas' health
	// is read after each.
	var (
		faults  []string
		shots   []healthShot
		faultWG sync.WaitGroup
	)
	if spec.kill > 0 && rds != nil {
		faultWG.Add(1)
		go func() {
			defer faultWG.Done()
			if !sleepUntil(start.Add(spec.kill)) {
				return
			}
			rds.srv.Stop()
			faults = append(faults, fmt.Sprintf("redis-server killed at %.1f s", time.Since(start).Seconds()))
			fmt.Fprintf(out, "  %5.1f s: redis-server killed\n", time.Since(start).Seconds())
			if !sleepUntil(time.Now().Add(2 * time.Second)) {
				return
			}
			shots = append(shots, checkAll(queryCtx, targets, pctx, password, "2 s after the kill", time.Since(start))...)
			if spec.restart <= 0 || !sleepUntil(start.Add(spec.restart)) {
				return
			}
			if err := rds.srv.Restart(); err != nil {
				faults = append(faults, "restart failed: "+err.Error())
				return
			}
			faults = append(faults, fmt.Sprintf("redis-server restarted (empty) at %.1f s", time.Since(start).Seconds()))
			fmt.Fprintf(out, "  %5.1f s: redis-server restarted, empty\n", time.Since(start).Seconds())
			if !sleepUntil(time.Now().Add(2 * time.Second)) {
				return
			}
			shots = append(shots, checkAll(queryCtx, targets, pctx, password, "2 s after the restart", time.Since(start))...)
		}()
	}

	done := make(chan struct{})
	go func() { wg.Wait(); faultWG.Wait(); close(done) }()
	unanswered := 0
	select {
	case <-done:
	case <-ctx.Done():
		cancelQueries()
		<-done
		return nil, ctx.Err()
	case <-time.After(o.duration + o.grace):
		mu.Lock()
		unanswered = len(inFlight)
		mu.Unlock()
		cancelQueries()
		<-done
	}
	elapsed := time.Since(start)

	rep := &report{o: o, spec: spec, samples: samples, unanswered: unanswered, elapsed: elapsed, rssSetup: rssSetup,
		rssPeak: procStatusOf("self", "VmHWM"), health: shots, faults: faults, alertSkipped: int(skipped.Load())}
	mu.Lock()
	rep.coldEnd = coldEnd
	mu.Unlock()
	for _, id := range events.ProviderIDs {
		rep.loads = append(rep.loads, m.load(id, rep.coldEnd))
	}
	if spec.processes {
		for _, t := range targets {
			peak, cpu := procUsage(t.pid())
			rep.replicas = append(rep.replicas, replicaUsage{rssPeak: peak, cpu: cpu})
		}
	}
	if rds != nil {
		st := rds.stats(ctx)
		rep.redis = &st
	}
	return rep, nil
}

// runPanel runs one panel query and checks its answer.
func runPanel(ctx context.Context, t target, pctx backend.PluginContext, p *panel, from, to time.Time,
	timeout time.Duration, tr truth, maxEvents int) sample {
	smp := sample{format: p.format}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := &backend.QueryDataRequest{PluginContext: pctx, Queries: []backend.DataQuery{p.query(from, to)}}
	if p.alert {
		req.Headers = map[string]string{"FromAlert": "true"}
	}
	t0 := time.Now()
	resp, err := t.QueryData(ctx, req)
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
// simulator, its credentials, and no override of the documented rates;
// with rds, the Redis the replicas share (URL in jsonData, password in
// the secure settings).
func dataSourceSettings(base string, o *options, rds *sharedRedis) backend.DataSourceInstanceSettings {
	jd := map[string]any{
		"providers": map[string]any{
			events.Domo:         map[string]any{"enabled": true, "instance": "acme", "url": base},
			events.DomoPlatform: map[string]any{"enabled": true, "clientId": vendorsim.DomoPlatformClientID, "url": base},
			events.Domino:       map[string]any{"enabled": true, "url": base, "authType": "bearer"},
			events.Datafold:     map[string]any{"enabled": true, "url": base},
			events.ThousandEyes: map[string]any{"enabled": true, "url": base, "accountGroupId": "1234"},
		},
		"concurrency": o.concurrency,
	}
	secure := vendorsim.SecureJSONData()
	if rds != nil {
		jd["redisUrl"] = rds.url()
		secure[models.RedisPasswordKey] = rds.password
	}
	raw, _ := json.Marshal(jd)
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: "loadtest", Name: "Audit Log (load test)", Type: pluginID, JSONData: raw,
		DecryptedSecureJSONData: secure, Updated: time.Now().Truncate(time.Millisecond),
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
