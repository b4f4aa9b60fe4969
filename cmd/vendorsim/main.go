// Command vendorsim serves the simulated vendor audit APIs (pkg/vendorsim)
// on one address, for the demo (docker-compose.yaml), manual testing and
// benchmarks.
//
//	go run ./cmd/vendorsim -addr :8099 -events 20000 -seed 1 -latency 0
//
// Faults (pkg/vendorsim faults.go): -chaos injects a seeded random mix into
// every data request, e.g. -chaos 'seed=7,429=10%,5xx=5%,truncate=2%';
// -clock-skew runs the simulated vendors' clock ahead (or, negative,
// behind) of this machine's. A running simulator also takes faults and
// chaos at /_sim/faults and inserts records at /_sim/insert.
//
// It logs one line per request (method, path, status, duration; never a
// query string or header, so never a credential) and stops on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/auditlens/auditlog/internal/httpstatus"
	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	cfg := vendorsim.DefaultConfig()
	fs := flag.NewFlagSet("vendorsim", flag.ContinueOnError)
	addr := fs.String("addr", ":8099", "listen address")
	fs.Int64Var(&cfg.Seed, "seed", cfg.Seed, "random seed of the dataset")
	fs.IntVar(&cfg.Events, "events", cfg.Events, "events per provider")
	days := fs.Float64("days", 7, "days of data, ending at -end")
	end := fs.String("end", "", "end of the data (RFC 3339); default now, truncated to the minute")
	fs.DurationVar(&cfg.Latency, "latency", 0, "latency added to every vendor request")
	fs.StringVar(&cfg.DomoInstance, "domo-instance", cfg.DomoInstance, "Domo instance name (token 'customer', truth scope)")
	fs.StringVar(&cfg.PlatformTimeFormat, "platform-time", cfg.PlatformTimeFormat, "domo-platform time format: 12h, ms or iso")
	fs.BoolVar(&cfg.DomoObjectTypesAsObjects, "domo-objecttypes-objects", false, "objectTypes answers [{\"type\":...}] instead of strings")
	fs.BoolVar(&cfg.DominoBareArray, "domino-bare-array", false, "domino answers a bare array instead of {\"events\":[...]}")
	fs.StringVar(&cfg.DatafoldTimestampFormat, "datafold-time", cfg.DatafoldTimestampFormat, "datafold timestamp format: iso-z, iso-naive or iso-offset")
	fs.IntVar(&cfg.ThousandEyesPageSize, "te-page-size", cfg.ThousandEyesPageSize, "ThousandEyes page size")
	fs.IntVar(&cfg.ThousandEyesRateLimit, "te-rate-limit", cfg.ThousandEyesRateLimit, "ThousandEyes requests per minute per organisation (<0 disables)")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", cfg.TokenTTL, "domo-platform access token lifetime")
	chaos := fs.String("chaos", "", "random faults in data requests: comma-separated seed=N, 429, 5xx, truncate, latency, insert, dup, expire as rates (10% or 0.1), spike=duration; e.g. 'seed=7,429=10%,5xx=5%,truncate=2%'")
	skew := fs.Duration("clock-skew", 0, "the simulated vendors' clock minus this machine's (rate-limit resets, token expiry, Date headers)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := vendorsim.ParseChaos(*chaos)
	if err != nil {
		return err // "chaos: ..."
	}
	if *skew != 0 {
		d := *skew
		cfg.Now = func() time.Time { return clock.Now().Add(d) }
	}
	if *end != "" {
		t, err := time.Parse(time.RFC3339, *end)
		if err != nil {
			return fmt.Errorf("-end: %w", err)
		}
		cfg.End = t.UTC()
	}
	cfg.Start = cfg.End.Add(-time.Duration(*days * float64(24*time.Hour)))

	t0 := time.Now()
	sim := vendorsim.New(cfg)
	sc := sim.Config()
	log.Printf("vendorsim: %d events per provider from %s to %s (seed %d) generated in %s",
		sc.Events, sc.Start.Format(time.RFC3339), sc.End.Format(time.RFC3339), sc.Seed, time.Since(t0).Round(time.Millisecond))
	if c != (vendorsim.Chaos{}) {
		sim.SetChaos(c)
		log.Printf("vendorsim: chaos %s", c)
	}
	if *skew != 0 {
		log.Printf("vendorsim: vendor clock skewed by %s", *skew)
	}

	srv := &http.Server{Addr: *addr, Handler: logRequests(sim), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("vendorsim: listening on %s", *addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Print("vendorsim: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logRequests logs method, path and status only: query strings can carry
// client ids and headers carry tokens, so neither is ever logged.
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &httpstatus.Recorder{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		status := fmt.Sprint(sw.Status)
		if sw.Status == 0 {
			status = "200"
			if r.Context().Err() != nil {
				status = "canceled"
			}
		}
		log.Printf("%s %s %s %s", r.Method, r.URL.Path, status, time.Since(t0).Round(time.Microsecond))
	})
}
