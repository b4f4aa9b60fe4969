package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/plugin"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// childSpec is what the parent asks of one child: one data source, one
// query, run cold then warm.
type childSpec struct {
	Provider    string          `json:"provider"`
	Format      string          `json:"format"`
	URL         string          `json:"url"` // the counting proxy in front of the simulator
	From        time.Time       `json:"from"`
	To          time.Time       `json:"to"`
	Interval    time.Duration   `json:"interval"`
	Concurrency int             `json:"concurrency"`
	MaxEvents   int             `json:"maxEvents"`
	Settings    json.RawMessage `json:"settings,omitempty"` // merged over the jsonData defaults
	// CPUProfile and MemProfile are path prefixes: -cold.pprof and
	// -warm.pprof (CPU) and -cold.pprof (heap, response held) are added.
	CPUProfile string `json:"cpuProfile,omitempty"`
	MemProfile string `json:"memProfile,omitempty"`
	// Timeout stops the cold query after this long (0: no limit); ColdOnly
	// skips the warm query (the nearly empty range).
	Timeout  time.Duration `json:"timeout,omitempty"`
	ColdOnly bool          `json:"coldOnly,omitempty"`
}

// phaseResult is one QueryData call.
type phaseResult struct {
	Start    time.Time     `json:"start"` // when QueryData was called (for -trace)
	Wall     time.Duration `json:"wall"`
	CPU      time.Duration `json:"cpu"` // user + system time of the whole child process during the call
	Requests int64         `json:"requests"`
	Count    int64         `json:"count"` // table rows, or the sum of every series
	Frames   int           `json:"frames"`
	Executed string        `json:"executed,omitempty"`
	Error    string        `json:"error,omitempty"`
	TimedOut bool          `json:"timedOut,omitempty"` // stopped by childSpec.Timeout
}

// childResult is what a child prints as its last stdout line.
type childResult struct {
	Cold        phaseResult `json:"cold"`
	Warm        phaseResult `json:"warm"`
	PeakRSS     int64       `json:"peakRSS"`     // bytes, whole child lifetime
	PeakRSSCold int64       `json:"peakRSSCold"` // bytes, up to the end of the cold query
	// LiveWithResponse is the Go heap in use after the cold query and a GC
	// with its response still held; LiveHeap the same once it is dropped
	// (what the instance keeps: its cache).
	LiveWithResponse uint64 `json:"liveWithResponse"`
	LiveHeap         uint64 `json:"liveHeap"`
	Error            string `json:"error,omitempty"`
}

func childMain(args []string) int {
	res, err := child(args)
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	if err != nil {
		return 1
	}
	return 0
}

func child(args []string) (childResult, error) {
	var res childResult
	if len(args) != 1 {
		return res, fmt.Errorf("child: want one JSON argument")
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(args[0]), &spec); err != nil {
		return res, fmt.Errorf("child: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	settings, err := dataSourceSettings(spec)
	if err != nil {
		return res, err
	}
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return res, fmt.Errorf("NewDatasource: %v", err)
	}
	if d, ok := inst.(interface{ Dispose() }); ok {
		defer d.Dispose()
	}
	handler, ok := inst.(backend.QueryDataHandler)
	if !ok {
		return res, fmt.Errorf("the data source instance (%T) does not answer QueryData", inst)
	}
	req := queryRequest(spec, settings)
	counter := &http.Client{Timeout: 10 * time.Second}

	// Cold, then warm: the same query on the same instance. While the cold
	// response is still held, the live heap (and a heap profile) is taken;
	// after it is dropped, what the instance keeps.
	var profErr error
	res.Cold, err = phase(ctx, handler, req, spec, counter, "cold", func() {
		res.LiveWithResponse = liveHeap()
		if spec.MemProfile != "" {
			profErr = writeHeapProfile(spec.MemProfile + "-cold.pprof")
		}
	})
	if err != nil {
		return res, err
	}
	if profErr != nil {
		return res, profErr
	}
	res.LiveHeap = liveHeap()
	res.PeakRSSCold = peakRSS()
	if spec.ColdOnly {
		res.PeakRSS = res.PeakRSSCold
		return res, nil
	}
	res.Warm, err = phase(ctx, handler, req, spec, counter, "warm", nil)
	if err != nil {
		return res, err
	}
	res.PeakRSS = peakRSS()
	return res, nil
}

// dataSourceSettings is a data source with the one provider under test,
// pointed at the proxy, with the simulator's credentials.
func dataSourceSettings(spec childSpec) (backend.DataSourceInstanceSettings, error) {
	ps := map[string]any{"enabled": true, "url": spec.URL}
	switch spec.Provider {
	case "domo":
		ps["instance"] = "acme"
	case "domo-platform":
		ps["clientId"] = vendorsim.DomoPlatformClientID
	case "domino":
		ps["authType"] = "bearer"
	case "thousandeyes":
		ps["accountGroupId"] = "1234"
	}
	jd := map[string]any{
		"providers":   map[string]any{spec.Provider: ps},
		"maxEvents":   spec.MaxEvents,
		"concurrency": spec.Concurrency,
	}
	if len(spec.Settings) > 0 {
		var extra map[string]any
		if err := json.Unmarshal(spec.Settings, &extra); err != nil {
			return backend.DataSourceInstanceSettings{}, fmt.Errorf("-settings: %v", err)
		}
		for k, v := range extra {
			jd[k] = v
		}
	}
	raw, err := json.Marshal(jd)
	if err != nil {
		return backend.DataSourceInstanceSettings{}, err
	}
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: "bench", Name: "Audit Log (bench)", Type: "auditlens-auditlog-datasource",
		JSONData:                raw,
		DecryptedSecureJSONData: vendorsim.SecureJSONData(),
	}, nil
}

// queryRequest is the query under test over the whole range: every event
// of the provider (ThousandEyes over every account group, as the
// simulator's count is), a time series grouped by event.
func queryRequest(spec childSpec, s backend.DataSourceInstanceSettings) *backend.QueryDataRequest {
	q := map[string]any{"refId": "A", "provider": spec.Provider, "format": spec.Format}
	if spec.Provider == "thousandeyes" {
		q["options"] = map[string]any{"allAccountGroups": true}
	}
	if spec.Format == "timeseries" {
		q["groupBy"] = "event"
		q["limit"] = 10
	}
	raw, _ := json.Marshal(q)
	return &backend.QueryDataRequest{
		PluginContext: backend.PluginContext{DataSourceInstanceSettings: &s},
		Queries: []backend.DataQuery{{
			RefID: "A", JSON: raw, TimeRange: backend.TimeRange{From: spec.From, To: spec.To},
			Interval: spec.Interval, MaxDataPoints: 1000,
		}},
	}
}

// phase runs the query once and measures it; the proxy is asked for its
// request count before and after. The cold phase also ends the proxy's
// body capture, so only cold bodies are captured. after, if set, runs once
// the measurements are taken, while the response is still held.
func phase(ctx context.Context, h backend.QueryDataHandler, req *backend.QueryDataRequest, spec childSpec, counter *http.Client, name string, after func()) (phaseResult, error) {
	var p phaseResult
	// The cap cancels the query rather than giving it a deadline: the
	// engine fails at once a wait it knows will pass a deadline (a spent
	// rate budget), and the cap is to measure how far it gets meanwhile.
	var capped atomic.Bool
	if spec.Timeout > 0 && name == "cold" {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := time.AfterFunc(spec.Timeout, func() { capped.Store(true); cancel() })
		defer stop.Stop()
	}
	runtime.GC()
	n0, err := proxyCount(counter, spec.URL, false)
	if err != nil {
		return p, err
	}
	var stopProfile func()
	if spec.CPUProfile != "" {
		if stopProfile, err = startCPUProfile(spec.CPUProfile + "-" + name + ".pprof"); err != nil {
			return p, err
		}
	}
	c0 := cpuTime()
	t0 := time.Now()
	p.Start = t0
	resp, err := h.QueryData(ctx, req)
	p.Wall = time.Since(t0)
	p.CPU = cpuTime() - c0
	p.TimedOut = capped.Load()
	if stopProfile != nil {
		stopProfile()
	}
	n1, cerr := proxyCount(counter, spec.URL, name == "cold")
	if cerr != nil {
		return p, cerr
	}
	p.Requests = n1 - n0
	if err != nil {
		p.Error = err.Error()
		return p, nil
	}
	dr, ok := resp.Responses["A"]
	if !ok {
		p.Error = "no response for refId A"
		return p, nil
	}
	if dr.Error != nil {
		p.Error = dr.Error.Error()
	}
	p.Frames = len(dr.Frames)
	p.Count = count(spec.Format, dr.Frames)
	if len(dr.Frames) > 0 && dr.Frames[0].Meta != nil {
		p.Executed = dr.Frames[0].Meta.ExecutedQueryString
	}
	if after != nil {
		after()
	}
	runtime.KeepAlive(resp)
	return p, nil
}

// liveHeap is the Go heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// count is the number of events a response shows: rows of table and logs
// frames, the sum of every value of every series for time series.
func count(format string, frames data.Frames) int64 {
	var n int64
	for _, f := range frames {
		if format != "timeseries" {
			n += int64(f.Rows())
			continue
		}
		for _, fld := range f.Fields {
			for i := 0; i < fld.Len(); i++ {
				switch v := fld.At(i).(type) {
				case float64:
					n += int64(v)
				case *float64:
					if v != nil {
						n += int64(*v)
					}
				case int64:
					n += v
				case *int64:
					if v != nil {
						n += *v
					}
				}
			}
		}
	}
	return n
}

func proxyCount(c *http.Client, base string, stopCapture bool) (int64, error) {
	u := base + "/_bench/requests"
	if stopCapture {
		u += "?stopCapture=1"
	}
	resp, err := c.Get(u)
	if err != nil {
		return 0, fmt.Errorf("proxy counter: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("proxy counter: %v", err)
	}
	return strconv.ParseInt(string(b), 10, 64)
}

func startCPUProfile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// engineSaid is what the engine reports in meta.executedQueryString.
type engineSaid struct {
	Windows, Requests, Records int64
	OK                         bool
}

var (
	executedWindows  = regexp.MustCompile(`(\d+) window\(s\)`)
	executedRequests = regexp.MustCompile(`(\d+) request\(s\)`)
	executedRecords  = regexp.MustCompile(`(\d+) record\(s\) read`)
)

// parseExecuted reads "N window(s) ..., N request(s), N record(s) read" (one
// provider: the bench queries one).
func parseExecuted(s string) engineSaid {
	var out engineSaid
	for _, f := range []struct {
		re  *regexp.Regexp
		dst *int64
	}{{executedWindows, &out.Windows}, {executedRequests, &out.Requests}, {executedRecords, &out.Records}} {
		m := f.re.FindStringSubmatch(s)
		if m == nil {
			return engineSaid{}
		}
		*f.dst, _ = strconv.ParseInt(m[1], 10, 64)
	}
	out.OK = true
	return out
}
