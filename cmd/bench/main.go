// Command bench measures the query engine end to end against the vendor
// simulator and prints one table row per case plus PASS/MISS per target
// (docs/performance.md, "Targets"):
//
//	go run ./cmd/bench            # 10k, 100k and 1M events, table and timeseries
//	go run ./cmd/bench -quick     # 10k and 100k only
//	go run ./cmd/bench -h         # every flag
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
	provider    string
	latency     time.Duration
	concurrency int
	teRateLimit int
	tePageSize  int
	seed        int64
	end         time.Time
	days        float64
	interval    time.Duration
	settings    string
	cpuProfile  string
	memProfile  string
	keep        bool
	verbose     bool
	trace       bool
}

var knownProviders = []string{"domo", "domo-platform", "domino", "datafold", "thousandeyes"}

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
	fs.StringVar(&o.provider, "provider", "domo", "provider under test: "+strings.Join(knownProviders, ", "))
	fs.DurationVar(&o.latency, "latency", 50*time.Millisecond, "simulator latency per vendor request")
	fs.IntVar(&o.concurrency, "concurrency", 4, "data source setting: windows fetched at once per provider")
	fs.IntVar(&o.teRateLimit, "te-rate-limit", -1, "simulator: ThousandEyes requests per minute (<0 disables; set it to test rate limiting)")
	fs.IntVar(&o.tePageSize, "te-page-size", 500, "simulator: ThousandEyes page size")
	fs.Int64Var(&o.seed, "seed", 1, "simulator: random seed")
	end := fs.String("end", "2026-11-01T00:00:00Z", "simulator: end of the data (RFC 3339), in the settled past; the query covers [end-days, end)")
	fs.Float64Var(&o.days, "days", 7, "days of data and of the query range")
	fs.DurationVar(&o.interval, "interval", 10*time.Minute, "timeseries query interval (a 7-day panel about 1000 px wide)")
	fs.StringVar(&o.settings, "settings", "", "extra data source jsonData (a JSON object merged over the defaults), e.g. '{\"cacheMaxMB\":256}'")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "directory: each child writes a CPU profile of its cold query there (go tool pprof -top)")
	fs.StringVar(&o.memProfile, "memprofile", "", "directory: each child writes a heap profile taken after its cold query there")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (simulator binary, logs, captured bodies)")
	fs.BoolVar(&o.verbose, "v", false, "log progress and the engine's executed-query text")
	fs.BoolVar(&o.trace, "trace", false, "print every request of each cold query as the proxy saw it: start and end after QueryData began, status, query")
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
	if !slices.Contains(knownProviders, o.provider) {
		return nil, fmt.Errorf("-provider: %q is not one of %s", o.provider, strings.Join(knownProviders, ", "))
	}
	t, err := time.Parse(time.RFC3339, *end)
	if err != nil {
		return nil, fmt.Errorf("-end: %v", err)
	}
	o.end = t.UTC()
	if o.days <= 0 {
		return nil, fmt.Errorf("-days must be positive")
	}
	if o.concurrency <= 0 {
		return nil, fmt.Errorf("-concurrency must be positive")
	}
	if o.latency < 0 {
		return nil, fmt.Errorf("-latency must not be negative")
	}
	return o, nil
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
