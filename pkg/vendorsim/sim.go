// Package vendorsim is a faithful simulator of the five vendor audit APIs the
// plugin reads (docs/vendors.md): the same paths, auth headers, parameter
// names and formats, page sizes and limits, pagination, error and rate-limit
// responses, over a deterministic seeded dataset. It also knows the ground
// truth: every record as the normalised events.Event the plugin should make
// of it (Raw = the record's exact bytes as served). It is test equipment; the
// plugin never depends on it.
//
// One handler serves every vendor on one host:
//
//	domo           GET /api/audit/v1/user-audits                  X-DOMO-Developer-Token
//	               GET /api/audit/v1/user-audits/objectTypes[/{type}/eventTypes]
//	domo-platform  GET|POST /oauth/token                          Authorization: Basic (client credentials)
//	               GET /v1/audit                                  Authorization: bearer <access token>
//	domino         GET /api/audittrail/v1/auditevents             Authorization: Bearer | X-Domino-Api-Key
//	datafold       GET /api/v1/audit_logs (JSON body on the GET)  Authorization: Key <key>
//	thousandeyes   GET /v7/audit-user-events                      Authorization: Bearer <token>
//	helpers        GET /_sim/health, GET /_sim/truth?provider=&from=ms&to=ms
//	               GET|POST|DELETE /_sim/faults, POST /_sim/insert (faults.go)
//
// Where docs/vendors.md marks a fact as undocumented ([?]) the simulator plays one
// answer by default and the others through Config; every other guess is
// commented where it is made ("Guess:").
package vendorsim

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
)

// The credentials the simulator accepts by default.
const (
	DomoToken                = "sim-domo-token"
	DomoPlatformClientID     = "sim-client"
	DomoPlatformClientSecret = "sim-secret"
	DominoAPIKey             = "sim-domino-key"
	DominoBearer             = "sim-domino-jwt"
	DatafoldAPIKey           = "sim-datafold-key"
	ThousandEyesToken        = "sim-te-token"
)

// SecureJSONData is a data source's secureJsonData holding the simulator's
// credentials (Domino by bearer token), as the demo provisions them.
func SecureJSONData() map[string]string {
	return map[string]string{
		"domoToken":                DomoToken,
		"domoPlatformClientSecret": DomoPlatformClientSecret,
		"dominoToken":              DominoBearer,
		"datafoldApiKey":           DatafoldAPIKey,
		"thousandeyesToken":        ThousandEyesToken,
	}
}

// Variant names.
const (
	PlatformTime12h = "12h" // "2017-12-13 10:57:35 PM", read as UTC (the documented example in docs/vendors.md)
	PlatformTimeMs  = "ms"  // JSON number, epoch milliseconds
	PlatformTimeISO = "iso" // RFC 3339 string with milliseconds

	DatafoldISOZ      = "iso-z"      // 2024-05-01T10:00:00.123456Z
	DatafoldISONaive  = "iso-naive"  // 2024-05-01T10:00:00.123456 (no zone; UTC)
	DatafoldISOOffset = "iso-offset" // 2024-05-01T10:00:00.123456+00:00
)

// Config sets up a simulator. Zero values take the defaults of DefaultConfig.
type Config struct {
	Seed       int64     // default 1
	Start, End time.Time // data range [Start, End); default End = now truncated to the minute, Start = End - 7 days
	Events     int       // events per provider; default 5000
	// Identical is the share of records that happen 2 to 4 times at once,
	// alike in every field (a burst of the same failed login): byte for byte
	// the same records where the vendor has no event id (Domo, the Domo
	// platform, ThousandEyes). They are in the truth that many times.
	Identical float64

	DomoInstance string // default "acme"; the truth Scope of domo events and the token's "customer"

	// Credentials the server accepts.
	DomoToken, DomoPlatformClientID, DomoPlatformClientSecret, DominoAPIKey, DominoBearer, DatafoldAPIKey, ThousandEyesToken string

	Latency time.Duration // each vendor request is answered this long after it arrived, the simulator's own work included (honours the request context)

	// Variants of what docs/vendors.md marks undocumented or ambiguous.
	PlatformTimeFormat       string // PlatformTime12h (default), PlatformTimeMs, PlatformTimeISO
	DomoObjectTypesAsObjects bool   // objectTypes returns [{"type":"PAGE"},...] instead of ["PAGE",...]
	DominoBareArray          bool   // domino answers a bare array instead of {"events":[...]}
	DatafoldTimestampFormat  string // DatafoldISOZ (default), DatafoldISONaive, DatafoldISOOffset

	ThousandEyesPageSize  int           // default 500
	ThousandEyesRateLimit int           // requests per minute per organisation (token); default 240; < 0 disables
	TokenTTL              time.Duration // domo-platform access token lifetime; default 3599s

	// Now is the simulator's clock (token expiry, rate-limit windows,
	// "now" defaults of the APIs, the Date header). Default clock.Now; a
	// clock ahead of or behind the client's plays clock skew.
	Now func() time.Time
}

// DefaultConfig returns the defaults, with End = now truncated to the minute.
func DefaultConfig() Config {
	end := clock.Now().UTC().Truncate(time.Minute)
	return Config{
		Seed: 1, Start: end.Add(-7 * 24 * time.Hour), End: end, Events: 5000,
		DomoInstance:             "acme",
		DomoToken:                DomoToken,
		DomoPlatformClientID:     DomoPlatformClientID,
		DomoPlatformClientSecret: DomoPlatformClientSecret,
		DominoAPIKey:             DominoAPIKey,
		DominoBearer:             DominoBearer,
		DatafoldAPIKey:           DatafoldAPIKey,
		ThousandEyesToken:        ThousandEyesToken,
		PlatformTimeFormat:       PlatformTime12h,
		DatafoldTimestampFormat:  DatafoldISOZ,
		ThousandEyesPageSize:     500,
		ThousandEyesRateLimit:    240,
		TokenTTL:                 3599 * time.Second,
		Now:                      clock.Now,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.End.IsZero() {
		if !c.Start.IsZero() {
			c.End = c.Start.Add(7 * 24 * time.Hour)
		} else {
			c.End = d.End
		}
	}
	if c.Start.IsZero() || !c.Start.Before(c.End) {
		c.Start = c.End.Add(-7 * 24 * time.Hour)
	}
	c.Start, c.End = c.Start.UTC(), c.End.UTC()
	if c.Events <= 0 {
		c.Events = d.Events
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.DomoInstance, d.DomoInstance)
	def(&c.DomoToken, d.DomoToken)
	def(&c.DomoPlatformClientID, d.DomoPlatformClientID)
	def(&c.DomoPlatformClientSecret, d.DomoPlatformClientSecret)
	def(&c.DominoAPIKey, d.DominoAPIKey)
	def(&c.DominoBearer, d.DominoBearer)
	def(&c.DatafoldAPIKey, d.DatafoldAPIKey)
	def(&c.ThousandEyesToken, d.ThousandEyesToken)
	def(&c.PlatformTimeFormat, d.PlatformTimeFormat)
	def(&c.DatafoldTimestampFormat, d.DatafoldTimestampFormat)
	switch c.PlatformTimeFormat {
	case PlatformTime12h, PlatformTimeMs, PlatformTimeISO:
	default:
		panic("vendorsim: unknown PlatformTimeFormat " + strconv.Quote(c.PlatformTimeFormat))
	}
	switch c.DatafoldTimestampFormat {
	case DatafoldISOZ, DatafoldISONaive, DatafoldISOOffset:
	default:
		panic("vendorsim: unknown DatafoldTimestampFormat " + strconv.Quote(c.DatafoldTimestampFormat))
	}
	if c.ThousandEyesPageSize <= 0 {
		c.ThousandEyesPageSize = d.ThousandEyesPageSize
	}
	if c.ThousandEyesRateLimit == 0 {
		c.ThousandEyesRateLimit = d.ThousandEyesRateLimit
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = d.TokenTTL
	}
	if c.Now == nil {
		c.Now = clock.Now
	}
	return c
}

// provider indexes.
const (
	pDomo = iota
	pPlatform
	pDomino
	pDatafold
	pTE
	nProviders
)

var providerIDs = [nProviders]string{events.Domo, events.DomoPlatform, events.Domino, events.Datafold, events.ThousandEyes}

func providerIndex(id string) int {
	for i, p := range providerIDs {
		if p == id {
			return i
		}
	}
	return -1
}

// vendor is one simulated API's data side.
type vendor interface {
	generator
	// event is the ground truth of a record; raw is its rendered JSON.
	event(r *rec, raw []byte) events.Event
}

type dataset struct {
	v    vendor
	tl   timeline
	recs atomic.Pointer[[]rec] // newest first; replaced (never mutated) by Insert

	mu   sync.Mutex // guards rng and seq for Insert
	rng  *rand.Rand
	next uint32
}

func (d *dataset) load() []rec { return *d.recs.Load() }

// Sim is the simulator: an http.Handler serving all five vendor APIs.
type Sim struct {
	cfg       Config
	users     []user
	userPick  weighted
	sets      [nProviders]*dataset
	burstFrom time.Time
	burstTo   time.Time

	domo     *domoVendor
	platform *domoVendor
	domino   *dominoVendor
	datafold *datafoldVendor
	te       *teVendor

	counts [nProviders]atomic.Int64
	seq    atomic.Uint64 // toe ids, tokens

	mu     sync.Mutex
	tokens map[string]*token // domo-platform access tokens
	rate   map[string]*rateWindow
	faults [nProviders][]Fault // queued by InjectFaults (faults.go)
	chaos  *chaosState         // random faults, SetChaos (faults.go)
	// reads and inserted play back what clients may have seen (faults.go).
	reads    [nProviders][]readSpan
	overflow [nProviders]bool
	inserted [nProviders][]Inserted
}

// New generates the dataset and returns the simulator.
func New(cfg Config) *Sim {
	cfg = cfg.withDefaults()
	s := &Sim{cfg: cfg, users: makeUsers(), tokens: map[string]*token{}, rate: map[string]*rateWindow{}}
	s.userPick = weightedBy(s.users, func(u user) float64 { return u.weight })

	// The burst: ~25 hours before End (so it lies in "the last day and a
	// half"), at a seed-dependent minute, ten minutes long; clamped into
	// short ranges.
	brng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xb0b5))
	from := cfg.End.Add(-25*time.Hour - time.Duration(brng.IntN(60))*time.Minute).Truncate(time.Second)
	length := 10 * time.Minute
	if rng := cfg.End.Sub(cfg.Start); rng < length*4 {
		length = rng / 4
	}
	if from.Before(cfg.Start) {
		from = cfg.Start.Add(cfg.End.Sub(cfg.Start) / 2)
	}
	if from.Add(length).After(cfg.End) {
		from = cfg.End.Add(-length)
	}
	s.burstFrom, s.burstTo = from, from.Add(length)

	s.domo = newDomoVendor(s, false)
	s.platform = newDomoVendor(s, true)
	s.domino = newDominoVendor(s)
	s.datafold = newDatafoldVendor(s)
	s.te = newTEVendor(s)
	vendors := [nProviders]vendor{s.domo, s.platform, s.domino, s.datafold, s.te}
	units := [nProviders]int64{1000, 1000, 1000, 1, 1_000_000}
	if cfg.PlatformTimeFormat == PlatformTime12h {
		units[pPlatform] = 1_000_000 // the 12-hour format has whole seconds
	}
	// Records of domino and datafold carry a unique id, so their JSON is
	// unique by construction; the others are checked.
	checkJSON := [nProviders]bool{true, true, false, false, true}

	var wg sync.WaitGroup
	for i := range nProviders {
		d := &dataset{v: vendors[i], tl: newTimeline(cfg.Start, cfg.End, units[i], s.burstFrom, s.burstTo)}
		d.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed0000+uint64(i)))
		s.sets[i] = d
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs := generate(d.rng, d.tl, cfg.Events, burstSize(cfg.Events), d.v, checkJSON[i])
			recs = repeat(d.rng, recs, cfg.Identical)
			d.recs.Store(&recs)
			d.next = uint32(len(recs))
		}()
	}
	wg.Wait()
	return s
}

// Config returns the effective configuration (defaults filled in).
func (s *Sim) Config() Config { return s.cfg }

// Users returns the simulated people's display names and e-mails.
func (s *Sim) Users() []string {
	out := make([]string, len(s.users))
	for i := range s.users {
		out[i] = s.users[i].Name() + " <" + s.users[i].Email + ">"
	}
	return out
}

// Burst returns the time window of the failed-login burst (for domino, the
// mass-download burst): [from, to).
func (s *Sim) Burst() (from, to time.Time) { return s.burstFrom, s.burstTo }

// Requests counts the API requests served for a provider (token requests and
// errors included).
func (s *Sim) Requests(provider string) int {
	i := providerIndex(provider)
	if i < 0 {
		return 0
	}
	return int(s.counts[i].Load())
}

// ResetCounters sets every request counter back to zero.
func (s *Sim) ResetCounters() {
	for i := range s.counts {
		s.counts[i].Store(0)
	}
}

// Truth returns every event of a provider, newest first (ties in the order
// the APIs serve them).
func (s *Sim) Truth(provider string) []events.Event {
	i := providerIndex(provider)
	if i < 0 {
		return nil
	}
	return s.truth(i, s.sets[i].load())
}

// TruthRange returns the events with from <= time < to, newest first.
func (s *Sim) TruthRange(provider string, from, to time.Time) []events.Event {
	i := providerIndex(provider)
	if i < 0 || !from.Before(to) {
		return nil
	}
	recs := s.sets[i].load()
	lo, hi := from.UnixMicro(), to.UnixMicro()
	if time.UnixMicro(hi).After(to) || time.UnixMicro(hi).Equal(to) {
		hi-- // [from, to) in microseconds
	}
	if time.UnixMicro(lo).Before(from) {
		lo++
	}
	a, b := span(recs, lo, hi)
	return s.truth(i, recs[a:b])
}

func (s *Sim) truth(i int, recs []rec) []events.Event {
	v := s.sets[i].v
	out := make([]events.Event, len(recs))
	var buf []byte
	for k := range recs {
		buf = v.render(buf[:0], &recs[k])
		raw := make([]byte, len(buf))
		copy(raw, buf)
		out[k] = v.event(&recs[k], raw)
		out[k].Provider = providerIDs[i]
	}
	return out
}

// Insert adds n new records to a provider at time at (spread over the
// following n resolution ticks) and returns their ground truth. It plays
// "records inserted while a client pages": offset pagers see their pages
// shift. Inserts lists them with whether a client may have missed them.
func (s *Sim) Insert(provider string, n int, at time.Time) []events.Event {
	i := providerIndex(provider)
	if i < 0 || n <= 0 {
		return nil
	}
	d := s.sets[i]
	d.mu.Lock()
	defer d.mu.Unlock()
	return s.insertLocked(i, n, at, d.rng)
}

// insertLocked adds n records from tick at onwards, filled from rng; the
// caller holds the dataset's lock.
func (s *Sim) insertLocked(i, n int, at time.Time, rng *rand.Rand) []events.Event {
	d := s.sets[i]
	old := d.load()
	seen := map[uint64]bool{}
	var buf []byte
	tick := at.UnixMicro() / d.tl.unit
	added := make([]rec, 0, n)
	for k := 0; k < n; k++ {
		r := rec{seq: d.next}
		d.next++
		d.v.fill(rng, &r, false)
		for {
			r.t = tick * d.tl.unit
			buf = d.v.render(buf[:0], &r)
			h := hashBytes(buf)
			clash := seen[h]
			if !clash {
				a, b := span(old, r.t, r.t)
				var ob []byte
				for j := a; j < b && !clash; j++ {
					ob = d.v.render(ob[:0], &old[j])
					clash = string(ob) == string(buf) || (old[j].user == r.user && old[j].tmpl == r.tmpl && old[j].obj == r.obj)
				}
			}
			if !clash {
				seen[h] = true
				break
			}
			tick++
		}
		tick++
		added = append(added, r)
	}
	recs := make([]rec, 0, len(old)+len(added))
	recs = append(recs, old...)
	recs = append(recs, added...)
	sortNewestFirst(recs)
	sortNewestFirst(added)
	truth := s.truth(i, added)
	// Whether a client may have passed them is decided at the moment they
	// appear, under the lock that serving a read takes (see reading).
	s.mu.Lock()
	d.recs.Store(&recs)
	for k := range added {
		s.inserted[i] = append(s.inserted[i], Inserted{Event: truth[k], Covered: s.coveredLocked(i, added[k].t)})
	}
	s.mu.Unlock()
	return truth
}

// ExpireTokens makes every domo-platform access token issued so far expire.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expires = time.Time{}
	}
}

// route maps a path to its provider and handler; data says whether faults
// apply.
func (s *Sim) route(path string) (p int, h http.HandlerFunc, data bool) {
	switch path {
	case "/api/audit/v1/user-audits":
		return pDomo, s.domoAudits, true
	case "/api/audit/v1/user-audits/objectTypes":
		return pDomo, s.domoObjectTypes, false
	case "/oauth/token":
		return pPlatform, s.platformToken, false
	case "/v1/audit":
		return pPlatform, s.platformAudit, true
	case "/api/audittrail/v1/auditevents":
		return pDomino, s.dominoEvents, true
	case "/api/v1/audit_logs":
		return pDatafold, s.datafoldLogs, true
	case "/v7/audit-user-events":
		return pTE, s.teEvents, true
	}
	if rest, ok := strings.CutPrefix(path, "/api/audit/v1/user-audits/objectTypes/"); ok {
		if typ, ok := strings.CutSuffix(rest, "/eventTypes"); ok && typ != "" && !strings.Contains(typ, "/") {
			return pDomo, s.domoEventTypes, false
		}
	}
	return -1, nil, false
}

// ProviderOf names the provider whose API serves path ("" for the
// simulator's own helpers and unknown paths), for meters in front of it.
func (s *Sim) ProviderOf(path string) string {
	if p, _, _ := s.route(path); p >= 0 {
		return providerIDs[p]
	}
	return ""
}

// ServeHTTP serves the five vendor APIs and the /_sim/ helpers.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_sim/health":
		s.health(w, r)
		return
	case "/_sim/truth":
		s.truthHandler(w, r)
		return
	case "/_sim/faults":
		s.faultsHandler(w, r)
		return
	case "/_sim/insert":
		s.insertHandler(w, r)
		return
	}
	p, h, data := s.route(r.URL.Path)
	if p < 0 {
		s.notFound(w, r)
		return
	}
	arrived := clock.Now()
	s.counts[p].Add(1)
	// The vendor's clock, as a server tells it (see Config.Now).
	w.Header().Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
	if data {
		if f, ok := s.nextFault(p, r); ok {
			if s.cfg.Latency > 0 && !sleep(r.Context(), s.cfg.Latency) {
				return
			}
			s.serveFault(w, r, p, f, h)
			return
		}
	}
	if s.cfg.Latency <= 0 {
		h(w, r)
		return
	}
	// A vendor's latency includes its own work: the answer is made when
	// the request arrives and sent once Latency has passed since then.
	rec := &bufferWriter{header: w.Header(), status: http.StatusOK}
	h(rec, r)
	if !sleep(r.Context(), s.cfg.Latency-clock.Now().Sub(arrived)) {
		return
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}

// sleep waits d (nothing when d <= 0) unless ctx ends first; it reports
// whether it waited the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

const notFoundHTML = `<!DOCTYPE html>
<html>
<head><title>404 Not Found</title></head>
<body>
<center><h1>404 Not Found</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// notFound answers unknown paths the way each host's web server would: the
// /v7/ API with problem+json, /v1/ with Domo's error shape, everything else
// (including any unknown /api/ path) with an HTML page.
func (s *Sim) notFound(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v7/"):
		writeProblem(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		s.domoError(w, r, http.StatusNotFound, "No static resource "+strings.TrimPrefix(r.URL.Path, "/")+".", true)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(notFoundHTML))
	}
}

func (s *Sim) health(w http.ResponseWriter, _ *http.Request) {
	counts := map[string]int{}
	for i, id := range providerIDs {
		counts[id] = len(s.sets[i].load())
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "seed": s.cfg.Seed, "start": s.cfg.Start, "end": s.cfg.End,
		"events": counts, "burst": map[string]any{"from": s.burstFrom, "to": s.burstTo},
	})
}

// truthHandler: GET /_sim/truth?provider=X&from=ms&to=ms (from <= time < to;
// both optional).
func (s *Sim) truthHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("provider")
	if providerIndex(id) < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "provider must be one of " + strings.Join(providerIDs[:], ", ")})
		return
	}
	from, to := time.UnixMicro(0).UTC(), s.cfg.End.AddDate(100, 0, 0)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": p.name + " must be epoch milliseconds"})
				return
			}
			*p.t = time.UnixMilli(ms).UTC()
		}
	}
	writeJSON(w, http.StatusOK, s.TruthRange(id, from, to))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// streamer writes a JSON array of records in chunks so that a large
// response never sits whole in memory.
type streamer struct {
	w     http.ResponseWriter
	buf   []byte
	n     int
	close string
}

func newStreamer(w http.ResponseWriter, open, close string) *streamer {
	st := &streamer{w: w, buf: make([]byte, 0, 64<<10), close: close}
	st.buf = append(st.buf, open...)
	return st
}

// add renders one record through fn.
func (st *streamer) add(fn func([]byte) []byte) {
	if st.n > 0 {
		st.buf = append(st.buf, ',')
	}
	st.n++
	st.buf = fn(st.buf)
	if len(st.buf) >= 60<<10 {
		_, _ = st.w.Write(st.buf)
		st.buf = st.buf[:0]
	}
}

func (st *streamer) finish() {
	st.buf = append(st.buf, st.close...)
	_, _ = st.w.Write(st.buf)
}

// pageOf walks recs[a:b] (newest first, or oldest first when asc), keeps
// those that match, skips offset of them and returns up to limit indexes.
func pageOf(recs []rec, a, b int, asc bool, match func(*rec) bool, offset, limit int) []int {
	out := make([]int, 0, min(limit, max(b-a, 0)))
	skipped := 0
	for k := 0; k < b-a && len(out) < limit; k++ {
		i := a + k
		if asc {
			i = b - 1 - k
		}
		if match != nil && !match(&recs[i]) {
			continue
		}
		if skipped < offset {
			skipped++
			continue
		}
		out = append(out, i)
	}
	return out
}

// toe makes a Domo-style trace id ("random-ish", unique per error).
func (s *Sim) toe() string {
	h := mix(uint64(s.cfg.Seed), 0x70e, s.seq.Add(1))
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 0, 22)
	for i := 0; i < 20; i++ {
		if i == 10 || i == 15 {
			b = append(b, '-')
		}
		b = append(b, alpha[h%36])
		h = splitmix64(h)
	}
	return string(b)
}

// parseInt64Param reads an integer query parameter; present says whether it
// was given.
func parseInt64Param(v string) (n int64, present bool, err error) {
	if v == "" {
		return 0, false, nil
	}
	n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, true, err
}
