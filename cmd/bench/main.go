// Command bench measures the query engine end to end against the vendor
// simulator, every provider by default, and prints one table with a row per
// case (provider × format × size) plus PASS/MISS per target
// (docs/performance.md, "Targets"), a sequential baseline per provider and
// size, and the requests a nearly empty 2-year range costs:
//
//	go run ./cmd/bench                       # 10k, 100k and 1M events, table and timeseries
//	go run ./cmd/bench -quick                # 10k and 100k only
//	go run ./cmd/bench -provider domo,domino # some providers only
//	go run ./cmd/bench -h                    # every flag
//
// The simulator (./cmd/vendorsim, built into a temporary directory) runs as
// its own process with a fixed latency, and a small counting reverse proxy in
// this process sits between it and the engine, so the requests made are
// counted outside the engine and the page bodies can be captured once. Each
// case runs the engine in a fresh child process of this command (one data
// source built through plugin.NewDatasource, one QueryData over the whole
// range cold, then the same query warm on the same instance), so CPU time and
// peak RSS are the engine's alone. The baseline is a plain encoding/json
// decode of the captured page bodies into typed structs of the vendor's
// fields, timed in this process (the median of three runs).
//
// The simulator's ThousandEyes rate limit is on (240 requests a minute, as
// the real API): the engine's ideal counts what that budget needs, and
// cases whose budget alone would need longer than -max-budget-wait are
// left out (ThousandEyes at 1M events: about 9 minutes) and said so.
//
// The sequential baseline (seq.go) reads each provider's whole range page
// after page through the same proxy, as a generic REST data source does.
//
// Misses are reported, not failed: the exit status is non-zero only when the
// engine errors or returns a wrong count (table rows, or the sum of all time
// series, must equal the events the simulator holds in the range).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
)

// childArg is the hidden first argument of a re-executed child.
const childArg = "-bench-child"

func main() {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(parentMain(os.Args[1:]))
}

// options are the command's flags.
type options struct {
	sizes       []int
	formats     []string
	providers   []string // in display order
	latency     time.Duration
	concurrency int
	teRateLimit int
	tePageSize  int
	seed        int64
	end         time.Time
	endDefault  bool // end is defaultEnd(), not -end
	days        float64
	interval    time.Duration
	settings    string
	cpuProfile  string
	memProfile  string
	keep        bool
	verbose     bool
	trace       bool
	// maxBudgetWait leaves out cases whose vendor budget alone needs longer
	// (0: none left out).
	maxBudgetWait time.Duration
	// The nearly empty range: sparseEvents per provider over sparseDays,
	// each engine query stopped after sparseCap (0 events: not run).
	sparseEvents int
	sparseDays   float64
	sparseCap    time.Duration
}

var knownProviders = events.ProviderIDs

// defaultEnd is the end of the data when -end is not given: the last
// midnight but one on the plugin's clock (UTC), a day in the settled past
// that stays within every vendor's retention.
func defaultEnd() time.Time {
	return clock.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./cmd/bench [flags]\n\nBenchmarks the query engine against the simulator (see docs/performance.md).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	sizes := fs.String("sizes", "10000,100000,1000000", "comma-separated event counts (per provider in the simulator)")
	quick := fs.Bool("quick", false, "only 10k and 100k events (overrides -sizes)")
	formats := fs.String("formats", "table,timeseries", "comma-separated query formats: table, timeseries, logs")
	provs := fs.String("provider", "", "comma-separated providers under test (default: all of "+strings.Join(knownProviders, ", ")+")")
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "simulator latency per vendor request")
	fs.IntVar(&o.concurrency, "concurrency", 4, "data source setting: windows fetched at once per provider")
	fs.IntVar(&o.teRateLimit, "te-rate-limit", 240, "simulator: ThousandEyes requests per minute per organisation, as the real API (<0 disables)")
	fs.IntVar(&o.tePageSize, "te-page-size", 500, "simulator: ThousandEyes page size")
	fs.Int64Var(&o.seed, "seed", 1, "simulator: random seed")
	end := fs.String("end", "", "simulator: end of the data (RFC 3339), in the settled past; the query covers [end-days, end) (default: the last midnight but one, UTC, on the plugin's clock)")
	fs.Float64Var(&o.days, "days", 7, "days of data and of the query range")
	fs.DurationVar(&o.interval, "interval", 10*time.Minute, "timeseries query interval (a 7-day panel about 1000 px wide)")
	fs.StringVar(&o.settings, "settings", "", "extra data source jsonData (a JSON object merged over the defaults), e.g. '{\"cacheMaxMB\":256}'")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "directory: each child writes a CPU profile of its cold query there (go tool pprof -top)")
	fs.StringVar(&o.memProfile, "memprofile", "", "directory: each child writes a heap profile taken after its cold query there")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (simulator binary, logs, captured bodies)")
	fs.BoolVar(&o.verbose, "v", false, "log progress and the engine's executed-query text")
	fs.BoolVar(&o.trace, "trace", false, "print every request of each cold query as the proxy saw it: start and end after QueryData began, status, query")
	fs.DurationVar(&o.maxBudgetWait, "max-budget-wait", 2*time.Minute, "leave out cases whose vendor rate budget alone needs longer than this (ThousandEyes 1M: 9 min); 0 runs every case")
	fs.IntVar(&o.sparseEvents, "sparse-events", 50, "the nearly empty range: events per provider (0 skips that table)")
	fs.Float64Var(&o.sparseDays, "sparse-days", 730, "the nearly empty range: days of data and of the query range")
	fs.DurationVar(&o.sparseCap, "sparse-cap", 30*time.Second, "the nearly empty range: stop each engine query after this long and project the rest (0: no cap)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *quick {
		*sizes = "10000,100000"
	}
	for _, s := range strings.Split(*sizes, ",") {
		s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
		if s == "" {
			continue
		}
		n, err := parseCount(s)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes: %q is not a positive count", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if len(o.sizes) == 0 {
		return nil, fmt.Errorf("-sizes: no sizes")
	}
	for _, f := range strings.Split(*formats, ",") {
		f = strings.TrimSpace(f)
		switch f {
		case "":
			continue
		case "table", "timeseries", "logs":
			o.formats = append(o.formats, f)
		default:
			return nil, fmt.Errorf("-formats: unknown format %q", f)
		}
	}
	if len(o.formats) == 0 {
		return nil, fmt.Errorf("-formats: no formats")
	}
	provIDs, err := parseProviders(*provs)
	if err != nil {
		return nil, err
	}
	o.providers = provIDs
	if *end == "" {
		o.end, o.endDefault = defaultEnd(), true
	} else {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return nil, fmt.Errorf("-end: %v", err)
		}
		o.end = t.UTC()
	}
	if o.days <= 0 {
		return nil, fmt.Errorf("-days must be positive")
	}
	if o.concurrency <= 0 {
		return nil, fmt.Errorf("-concurrency must be positive")
	}
	if o.latency < 0 {
		return nil, fmt.Errorf("-latency must not be negative")
	}
	if o.sparseEvents < 0 || o.sparseDays <= 0 || o.sparseCap < 0 || o.maxBudgetWait < 0 {
		return nil, fmt.Errorf("-sparse-events, -sparse-days, -sparse-cap and -max-budget-wait must not be negative (-sparse-days positive)")
	}
	return o, nil
}

// parseProviders reads -provider: a comma-separated filter, kept in display
// order; empty is every provider.
func parseProviders(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return slices.Clone(knownProviders), nil
	}
	want := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(knownProviders, p) {
			return nil, fmt.Errorf("-provider: %q is not one of %s", p, strings.Join(knownProviders, ", "))
		}
		want[p] = true
	}
	var out []string
	for _, p := range knownProviders {
		if want[p] {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-provider: no providers")
	}
	return out, nil
}

// parseCount reads 10000, 10k or 1M.
func parseCount(s string) (int, error) {
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult, s = 1000000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	return n * mult, err
}

func (o *options) from() time.Time {
	return o.end.Add(-time.Duration(o.days * float64(24*time.Hour)))
}

func parentMain(args []string) int {
	o, err := parseFlags(args)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 2
	}
	// The sequential baseline uses the provider adapters in this process:
	// their per-request debug lines would drown the progress log.
	backend.Logger = log.NewWithLevel(log.Info)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		rep.print(os.Stdout, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if rep.failed() {
		return 1
	}
	return 0
}
