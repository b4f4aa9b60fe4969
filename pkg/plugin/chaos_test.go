package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// The chaos suite: for every provider, seeded runs of a table query and a
// time series query (one QueryData request, as a dashboard sends them)
// against a simulator that answers ~10 % of data requests with 429, ~5 %
// with 500/502/503/504, ~2 % with a cut-off body, and inserts and repeats
// records while the engine pages. Every query must end exactly as the
// ground truth says (see truthBounds) or with a clear error naming the
// vendor problem. Anything else is "wrong", and the test fails.
//
// CHAOS_TABLE=path also writes the table to that file (scripts/test.sh
// prints it).

const (
	chaosRuns   = 50
	chaosEvents = 2400 // per provider over 2 hours: about 1200 per one-hour window, two Domo pages
)

// The simulated 2 hours (fixed, so that runs repeat) and the range queried
// in them: not aligned to windows, so that both windows are clipped.
var (
	chaosEnd   = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	chaosStart = chaosEnd.Add(-2 * time.Hour)
	chaosFrom  = chaosStart.Add(25 * time.Minute)
	chaosTo    = chaosEnd.Add(-5 * time.Minute)
	// The engine's clock: the last window is still live (fetched exactly,
	// not cached), the first settled (fetched whole and cached).
	chaosNow = chaosEnd.Add(2 * time.Minute)
)

const chaosInterval = 5 * time.Minute

func chaosMix(seed int64) vendorsim.Chaos {
	return vendorsim.Chaos{Seed: seed, RateLimit: 0.10, ServerError: 0.05, Truncate: 0.02,
		Latency: 0.02, LatencySpike: 20 * time.Millisecond,
		Insert: 0.15, Duplicate: 0.05, ExpireToken: 0.05}
}

// faultSim is a small simulator over [chaosStart, chaosEnd) on its own
// server, which the caller closes. Its clock is the real one (rate-limit
// reset headers are real).
func faultSim(seed int64, n int, tweak func(*vendorsim.Config)) (*vendorsim.Sim, *httptest.Server) {
	cfg := vendorsim.DefaultConfig()
	cfg.Seed, cfg.Start, cfg.End, cfg.Events = seed, chaosStart, chaosEnd, n
	// A fifth of the records happen 2 to 4 times at once (byte for byte
	// alike where the vendor has no ids): page boundaries and the repeats
	// of shifted pages fall among identical records.
	cfg.Identical = 0.2
	cfg.ThousandEyesPageSize = 400
	cfg.ThousandEyesRateLimit = -1
	if tweak != nil {
		tweak(&cfg)
	}
	sim := vendorsim.New(cfg)
	return sim, httptest.NewServer(sim)
}

// waits records the waits the engine asks for, without waiting; the
// engine's clock (now) moves on by each of them from chaosNow, so that a
// wait for a budget's reset or a 429's end does end.
type waits struct {
	mu    sync.Mutex
	d     []time.Duration
	slept time.Duration
	from  time.Time // zero: chaosNow
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.slept += d
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.from.IsZero() {
		return chaosNow.Add(w.slept)
	}
	return w.from.Add(w.slept)
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// faultDatasource is a data source on srv whose retries do not wait (they
// are recorded in the returned waits) and whose clock is chaosNow.
// jsonExtra adds settings ("concurrency":1). The caller disposes of it.
func faultDatasource(srv *httptest.Server, jsonExtra string) (*Datasource, *waits) {
	s := simSettings(srv.URL)
	if jsonExtra != "" {
		s.JSONData = []byte(strings.Replace(string(s.JSONData), `"maxEvents":1000000`, `"maxEvents":1000000,`+jsonExtra, 1))
	}
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		panic(err) // fixed, valid settings
	}
	ds := inst.(*Datasource)
	w := &waits{}
	ds.fetcher.Sleep = w.sleep
	ds.fetcher.Clock = w.now
	return ds, w
}

// truthBounds is what a query over [from, to) may return while records are
// inserted during it. Before is the simulator's truth when the query
// started, After its truth when the query ended; Must are the records
// inserted before any request that could have read them was served (see
// vendorsim.Inserted), which every answer after that holds. An exact
// answer holds every record of Before and Must, nothing outside After, and
// nothing twice; offset pages that shift under inserts may or may not show
// the other inserted records, never lose an old one.
type truthBounds struct {
	before, after, must []normalised
}

func boundsAfter(sim *vendorsim.Sim, provider string, from, to time.Time, before []events.Event) truthBounds {
	b := truthBounds{before: exactOf(before), after: exactOf(sim.TruthRange(provider, from, to))}
	for _, in := range sim.Inserts(provider) {
		if !in.Covered && !in.Event.Time.Before(from) && in.Event.Time.Before(to) {
			b.must = append(b.must, exact(in.Event))
		}
	}
	return b
}

// exact is project without normalising Raw: the engine keeps each record's
// bytes as the vendor sent them, and the simulator's truth holds those bytes.
func exact(e events.Event) normalised {
	return normalised{e.Time.UTC(), e.Provider, e.User, e.Email, e.UserID, e.Action, e.Event, e.ObjectType,
		e.ObjectID, e.ObjectName, e.IPAddress, e.UserAgent, e.Scope, e.Status, e.Message, string(e.Raw)}
}

func exactOf(evs []events.Event) []normalised {
	out := make([]normalised, len(evs))
	for i := range evs {
		out[i] = exact(evs[i])
	}
	return out
}

// exactRows reads a table frame back like rows, with Raw as sent.
func exactRows(f *data.Frame) ([]normalised, error) {
	cols := map[string]*data.Field{}
	for _, name := range []string{"time", "provider", "user", "email", "userId", "action", "event", "objectType",
		"objectId", "objectName", "ipAddress", "userAgent", "scope", "status", "message", "raw"} {
		fld, idx := f.FieldByName(name)
		if idx < 0 {
			return nil, fmt.Errorf("table has no %q column", name)
		}
		cols[name] = fld
	}
	n, _ := f.RowLen()
	out := make([]normalised, n)
	str := func(name string, i int) string { return cols[name].At(i).(string) }
	for i := range out {
		out[i] = normalised{cols["time"].At(i).(time.Time).UTC(), str("provider", i), str("user", i), str("email", i),
			str("userId", i), str("action", i), str("event", i), str("objectType", i), str("objectId", i),
			str("objectName", i), str("ipAddress", i), str("userAgent", i), str("scope", i), str("status", i),
			str("message", i), string(cols["raw"].At(i).(json.RawMessage))}
	}
	return out, nil
}

// checkTable says how a table differs from an exact answer ("" = exact).
// Records are counted as a multiset: identical records are distinct
// events, so a record the truth holds k times is k rows.
func (b truthBounds) checkTable(got []normalised) string {
	count := func(set ...[]normalised) map[normalised]int {
		m := map[normalised]int{}
		for _, s := range set {
			for _, e := range s {
				m[e]++
			}
		}
		return m
	}
	seen, atMost, atLeast := count(got), count(b.after), count(b.before, b.must)
	for g, n := range seen {
		if n > atMost[g] {
			if atMost[g] == 0 {
				return fmt.Sprintf("a row the truth does not have: %+v", g)
			}
			return fmt.Sprintf("%d rows of a record the truth holds %d times: %s", n, atMost[g], g.Raw)
		}
	}
	for w, n := range atLeast {
		if seen[w] < n {
			return fmt.Sprintf("missing (%d rows, truth %d before / %d after the query): %d of %d rows of %s", len(got), len(b.before), len(b.after), seen[w], n, w.Raw)
		}
	}
	return ""
}

// checkSeries says how a time series answer differs from an exact one: it
// must cover [from, to) in zero-filled buckets of interval, each holding
// between the count of Before+Must and the count of After.
func (b truthBounds) checkSeries(frs data.Frames, from, to time.Time, interval time.Duration) string {
	got := map[time.Time]float64{}
	for _, f := range frs {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti || len(f.Fields) != 2 {
			return fmt.Sprintf("not a timeseries-multi frame: %v", f.Meta)
		}
		for i := 0; i < f.Fields[0].Len(); i++ {
			got[f.Fields[0].At(i).(time.Time).UTC()] += f.Fields[1].At(i).(float64)
		}
	}
	bucket := func(t time.Time) time.Time { return t.UTC().Truncate(interval) }
	want := int(bucket(to.Add(-time.Nanosecond)).Sub(bucket(from))/interval) + 1
	if len(got) != want {
		return fmt.Sprintf("%d buckets, want %d", len(got), want)
	}
	lo, hi := map[time.Time]float64{}, map[time.Time]float64{}
	for _, e := range b.before {
		lo[bucket(e.Time)]++
	}
	for _, e := range b.must {
		lo[bucket(e.Time)]++
	}
	for _, e := range b.after {
		hi[bucket(e.Time)]++
	}
	for t, n := range got {
		if n < lo[t] || n > hi[t] {
			return fmt.Sprintf("bucket %s counts %v, the truth says %v..%v", t.Format(time.RFC3339), n, lo[t], hi[t])
		}
	}
	return ""
}

// clearError: the message names the provider and says what the vendor did.
func clearError(provider, msg string) bool {
	if !strings.Contains(msg, provider+": ") {
		return false
	}
	for _, s := range []string{"the API answered HTTP ", "cannot read the API's answer", "cannot reach ", "web page", "gave up after"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

type chaosOutcome int

const (
	outExact chaosOutcome = iota
	outClearError
	outWrong
)

// chaosQueries are the two queries of a run.
func chaosQueries(provider string) []backend.DataQuery {
	return []backend.DataQuery{
		dataQuery("T", providerQuery(provider, "table"), chaosFrom, chaosTo, chaosInterval),
		dataQuery("S", providerQuery(provider, "timeseries"), chaosFrom, chaosTo, chaosInterval),
	}
}

// judge classifies one response; why explains a wrong one and is the
// error of a clear one.
func judge(provider string, r backend.DataResponse, b truthBounds, table bool) (chaosOutcome, string) {
	if r.Error != nil {
		if clearError(provider, r.Error.Error()) {
			return outClearError, r.Error.Error()
		}
		return outWrong, "unclear error: " + r.Error.Error()
	}
	var why string
	if table {
		if len(r.Frames) != 1 {
			return outWrong, fmt.Sprintf("%d table frames", len(r.Frames))
		}
		got, err := exactRows(r.Frames[0])
		if err != nil {
			return outWrong, err.Error()
		}
		why = b.checkTable(got)
	} else {
		why = b.checkSeries(r.Frames, chaosFrom, chaosTo, chaosInterval)
	}
	if why != "" {
		return outWrong, why
	}
	return outExact, ""
}

// chaosRun runs one provider's queries on a simulator and judges them; the
// run counts as a clear error if either query failed clearly (why is then
// its message).
func chaosRun(sim *vendorsim.Sim, srv *httptest.Server, provider string) (chaosOutcome, string) {
	before := sim.TruthRange(provider, chaosFrom, chaosTo)
	qs := chaosQueries(provider)
	resps := make([]backend.DataResponse, len(qs))
	// Both queries in one QueryData request of one data source, as a
	// dashboard sends them: they share window fetches, and one failing on
	// a vendor fault must not fail the other
	// (TestClosingOnePanelDoesNotFailAnotherSharingItsFetch).
	ds, _ := faultDatasource(srv, "")
	defer ds.Dispose()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: qs})
	if err != nil {
		return outWrong, err.Error()
	}
	for i, q := range qs {
		resps[i] = resp.Responses[q.RefID]
	}
	b := boundsAfter(sim, provider, chaosFrom, chaosTo, before)
	out, msg := outExact, ""
	for i, q := range qs {
		o, why := judge(provider, resps[i], b, q.RefID == "T")
		if o == outWrong {
			return o, q.RefID + ": " + why
		}
		if o > out {
			out, msg = o, why
		}
	}
	return out, msg
}

// errorCause names the vendor problem a clear error reports.
func errorCause(msg string) string {
	for _, c := range []struct{ has, cause string }{
		{"gave up after", "retries used up"},
		{"HTTP 500", "500"},
		{"HTTP 401", "401 after refresh"},
		{"not valid JSON", "cut-off JSON"},
		{"web page", "HTML"},
		{"cannot reach", "network"},
	} {
		if strings.Contains(msg, c.has) {
			return c.cause
		}
	}
	return "other"
}

type chaosRow struct {
	runs, exact, clear, wrong int
	inserted, must            int
	requests                  int
	firstWrong                string
	causes                    map[string]int
}

func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	t0 := time.Now()
	table := map[string]*chaosRow{}
	for _, id := range events.ProviderIDs {
		table[id] = &chaosRow{causes: map[string]int{}}
	}
	var mu sync.Mutex
	seeds := make(chan int64)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				sim, srv := faultSim(seed, chaosEvents, nil)
				sim.SetChaos(chaosMix(seed))
				for _, id := range events.ProviderIDs {
					out, why := chaosRun(sim, srv, id)
					mu.Lock()
					r := table[id]
					r.runs++
					r.requests += sim.Requests(id)
					for _, in := range sim.Inserts(id) {
						if !in.Event.Time.Before(chaosFrom) && in.Event.Time.Before(chaosTo) {
							r.inserted++
							if !in.Covered {
								r.must++
							}
						}
					}
					switch out {
					case outExact:
						r.exact++
					case outClearError:
						r.clear++
						r.causes[errorCause(why)]++
					default:
						r.wrong++
						if r.firstWrong == "" {
							r.firstWrong = fmt.Sprintf("seed %d: %s", seed, why)
						}
					}
					mu.Unlock()
				}
				srv.Close()
			}
		}()
	}
	runs := int64(chaosRuns)
	if n, err := strconv.Atoi(os.Getenv("CHAOS_RUNS")); err == nil && n > 0 {
		runs = int64(n) // e.g. fewer under -race
	}
	for seed := int64(1); seed <= runs; seed++ {
		seeds <- seed
	}
	close(seeds)
	wg.Wait()

	var b strings.Builder
	how := "in one QueryData request"
	fmt.Fprintf(&b, "chaos: %d seeded runs per provider: a table and a time series query over %s (%s); per data request ~10%% 429, ~5%% 5xx, ~2%% cut-off bodies, ~2%% latency spikes, 15%% inserts, 5%% repeated records, 5%% expired tokens (domo-platform); %s\n",
		runs, chaosTo.Sub(chaosFrom), how, time.Since(t0).Round(100*time.Millisecond))
	fmt.Fprintf(&b, "%-14s %5s %6s %13s %6s %9s %9s  %s\n", "provider", "runs", "exact", "clear errors", "wrong", "inserted", "requests", "clear errors by cause")
	total := chaosRow{}
	for _, id := range events.ProviderIDs {
		r := table[id]
		causes := make([]string, 0, len(r.causes))
		for c, n := range r.causes {
			causes = append(causes, fmt.Sprintf("%s %d", c, n))
		}
		slices.Sort(causes)
		fmt.Fprintf(&b, "%-14s %5d %6d %13d %6d %9s %9d  %s\n", id, r.runs, r.exact, r.clear, r.wrong,
			fmt.Sprintf("%d/%d", r.must, r.inserted), r.requests, strings.Join(causes, ", "))
		total.runs += r.runs
		total.exact += r.exact
		total.clear += r.clear
		total.wrong += r.wrong
	}
	fmt.Fprintf(&b, "%-14s %5d %6d %13d %6d\n", "total", total.runs, total.exact, total.clear, total.wrong)
	b.WriteString("(inserted: records inserted in the queried range that every answer must hold / all of them; requests: data and token requests the simulator served)\n")
	fmt.Print(b.String())
	if path := os.Getenv("CHAOS_TABLE"); path != "" {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Errorf("CHAOS_TABLE: %v", err)
		}
	}
	for _, id := range events.ProviderIDs {
		if r := table[id]; r.wrong > 0 {
			t.Errorf("%s: %d wrong results; first: %s", id, r.wrong, r.firstWrong)
		}
		if r := table[id]; r.exact == 0 {
			t.Errorf("%s: no run was exact: the suite proves nothing", id)
		}
	}
}

// The chaos checker itself: it must catch each kind of wrong answer.
func TestChaosCheckerCatchesWrongAnswers(t *testing.T) {
	sim, srv := faultSim(5, 600, nil)
	defer srv.Close()
	id := events.Domo
	before := sim.TruthRange(id, chaosFrom, chaosTo)
	covered := sim.Insert(id, 1, chaosFrom.Add(time.Hour)) // no request served yet: a must
	b := boundsAfter(sim, id, chaosFrom, chaosTo, before)
	if len(b.must) != 1 || len(b.after) != len(b.before)+1 {
		t.Fatalf("bounds: %d before, %d after, %d must", len(b.before), len(b.after), len(b.must))
	}
	all := exactOf(sim.TruthRange(id, chaosFrom, chaosTo))
	if why := b.checkTable(all); why != "" {
		t.Fatalf("the truth itself is wrong: %s", why)
	}
	without := func(skip normalised) []normalised {
		var out []normalised
		for _, n := range all {
			if n != skip {
				out = append(out, n)
			}
		}
		return out
	}
	stranger := all[0]
	stranger.User = "Mallory"
	for name, got := range map[string][]normalised{
		"a record missing":      all[1:],
		"the must insert gone":  without(exact(covered[0])),
		"a record twice":        append(append([]normalised(nil), all...), all[3]),
		"a record not in truth": append(append([]normalised(nil), all[1:]...), stranger),
	} {
		if why := b.checkTable(got); why == "" {
			t.Errorf("%s: not caught", name)
		}
	}

	ds, _ := faultDatasource(srv, "")
	defer ds.Dispose()
	resp := run(t, ds, dataQuery("S", providerQuery(id, "timeseries"), chaosFrom, chaosTo, chaosInterval)).Responses["S"]
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	if why := b.checkSeries(resp.Frames, chaosFrom, chaosTo, chaosInterval); why != "" {
		t.Fatalf("the engine's series: %s", why)
	}
	v := resp.Frames[0].Fields[1]
	v.Set(2, v.At(2).(float64)+1)
	if why := b.checkSeries(resp.Frames, chaosFrom, chaosTo, chaosInterval); why == "" {
		t.Error("a bucket counted one too many: not caught")
	}
}
