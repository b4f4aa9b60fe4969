package vendorsim

// Fault injection, the generic mechanics: faults queued per provider
// (InjectFaults), a seeded random mix of them (SetChaos), serving a fault
// instead of or on top of the real answer, and the book-keeping that lets a
// test say exactly what a client paging through inserted records may have
// missed (Inserts). The vendor-flavoured parts live in each vendor's file:
// its error body, ThousandEyes' rate-limit headers and next links, the Domo
// platform's token expiry, how each API repeats records across pages.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// Fault is a canned failure served for one data request of a provider (the
// audit endpoint itself, not token or object-type look-ups). It either
// replaces the answer (Status, Body, HTML, Empty, Hang; a zero Fault is a
// 503) or changes the real one (Delay, Truncate, Abort, ContentType,
// Insert, Duplicate, ForeignNext, ExpireToken).
type Fault struct {
	// Status of a replaced answer; default 503, or 200 with HTML or Empty.
	Status int `json:"status,omitempty"`
	// Body of a replaced answer; default the vendor's own error body for
	// Status (Domo {status, statusReason, message, toe}, ThousandEyes RFC
	// 7807, Datafold {detail}, Domino {message}).
	Body string `json:"body,omitempty"`
	// HTML answers a web page instead: a gateway's error page for 5xx, a
	// single-sign-on login page for 200.
	HTML bool `json:"html,omitempty"`
	// Empty answers Status with no body at all.
	Empty bool `json:"empty,omitempty"`
	// Hang never answers: the client has to time out (or cancel).
	Hang bool `json:"hang,omitempty"`

	// ContentType replaces the Content-Type; on the real answer this is a
	// wrong content type. Default for a Body starting with '<': text/html.
	ContentType string `json:"contentType,omitempty"`
	// RetryAfter is sent as Retry-After (seconds or an HTTP date).
	RetryAfter string `json:"retryAfter,omitempty"`
	// RateLimitReset sends ThousandEyes' X-Organization-Rate-Limit-Limit,
	// -Remaining and -Reset (the next minute on the simulator's clock), as
	// ThousandEyes does on every answer: Remaining is 0 on a 429, else
	// what the organisation has left of the minute.
	RateLimitReset bool `json:"rateLimitReset,omitempty"`
	// Header holds any other headers.
	Header http.Header `json:"header,omitempty"`

	// Delay waits before answering (a latency spike); honours the request.
	Delay time.Duration `json:"delay,omitempty"`
	// Truncate serves the real answer cut off half-way, the response
	// ending cleanly (status 200): the client gets malformed JSON.
	Truncate bool `json:"truncate,omitempty"`
	// Abort serves the real answer and drops the connection half-way
	// through the body, as a failing proxy would: the client's read fails.
	Abort bool `json:"abort,omitempty"`
	// Insert adds that many records at random times in the request's range
	// just before it is served (anywhere in the data with InsertSpread):
	// records appear while a client pages.
	Insert       int  `json:"insert,omitempty"`
	InsertSpread bool `json:"insertSpread,omitempty"`
	// Duplicate makes this answer repeat that many records of the previous
	// page: offset APIs (Domo, Domo platform, Domino) because as many
	// records were inserted above the page (newest first), ThousandEyes
	// because its next link overlaps, Datafold (no pages) by listing them
	// twice in the answer.
	Duplicate int `json:"duplicate,omitempty"`
	// ForeignNext (ThousandEyes) points _links.next at this origin, e.g.
	// https://elsewhere.example.com.
	ForeignNext string `json:"foreignNext,omitempty"`
	// ExpireToken (Domo platform) expires the access token the request
	// carries just before it is served: the API answers 401 "Access token
	// expired", and a new token works.
	ExpireToken bool `json:"expireToken,omitempty"`
}

// UnmarshalJSON also reads "delay" as a Go duration string ("250ms").
func (f *Fault) UnmarshalJSON(b []byte) error {
	type plain Fault
	var aux struct {
		plain
		Delay any `json:"delay"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*f = Fault(aux.plain)
	switch d := aux.Delay.(type) {
	case nil:
	case float64:
		f.Delay = time.Duration(d)
	case string:
		v, err := time.ParseDuration(d)
		if err != nil {
			return fmt.Errorf("delay: %v", err)
		}
		f.Delay = v
	default:
		return fmt.Errorf("delay must be a duration string or nanoseconds")
	}
	return nil
}

// replaces says whether the fault answers instead of the API.
func (f *Fault) replaces() bool {
	if f.Status != 0 || f.Body != "" || f.HTML || f.Empty || f.Hang {
		return true
	}
	changes := f.Delay > 0 || f.Truncate || f.Abort || f.ContentType != "" || f.Insert > 0 ||
		f.Duplicate > 0 || f.ForeignNext != "" || f.ExpireToken
	return !changes
}

// InjectFaults queues faults for the next data requests of a provider, one
// fault per request, in order. Queued faults come before any chaos.
func (s *Sim) InjectFaults(provider string, faults ...Fault) {
	i := providerIndex(provider)
	if i < 0 {
		return
	}
	s.mu.Lock()
	s.faults[i] = append(s.faults[i], faults...)
	s.mu.Unlock()
}

// ClearFaults drops the queued faults of every provider and turns chaos off.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	s.faults = [nProviders][]Fault{}
	s.chaos = nil
	s.mu.Unlock()
}

func (s *Sim) takeFault(i int) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults[i]) == 0 {
		return Fault{}, false
	}
	f := s.faults[i][0]
	s.faults[i] = s.faults[i][1:]
	return f, true
}

// nextFault is the queued fault of the request, else chaos' pick, if any.
func (s *Sim) nextFault(p int, r *http.Request) (Fault, bool) {
	if f, ok := s.takeFault(p); ok {
		return f, true
	}
	return s.chaosFault(p, r)
}

// ---- chaos ----

// Chaos injects faults at random into the data requests of every provider,
// seeded and deterministic: the faults a request gets depend only on Seed,
// the provider, the request itself (method, path, query, body) and how many
// times that same request was sent before, so concurrent clients or retries
// in another order meet the same faults. Rates are per request; one
// request gets at most one failure (RateLimit, ServerError, Truncate,
// Latency, in that order of the draw) and, when it does not fail, at most
// one change (Insert, Duplicate, ExpireToken).
type Chaos struct {
	Seed int64 `json:"seed"`
	// RateLimit: 429 in the vendor's style; the wait it asks for varies:
	// Retry-After in seconds, Retry-After as an HTTP date, nothing, and for
	// ThousandEyes its X-Organization-Rate-Limit-Reset headers instead.
	RateLimit float64 `json:"rateLimit,omitempty"`
	// ServerError: 500 (the vendor's body), 502 (a gateway's HTML page),
	// 503 (the vendor's body, with Retry-After half of the time), 504 (HTML).
	ServerError float64 `json:"serverError,omitempty"`
	// Truncate: the body cut off half-way; half of them end the response
	// cleanly (malformed JSON), half drop the connection (a failed read).
	Truncate float64 `json:"truncate,omitempty"`
	// Latency: a spike of LatencySpike (default 200ms) before the answer.
	Latency      float64       `json:"latency,omitempty"`
	LatencySpike time.Duration `json:"latencySpike,omitempty"`
	// Insert: 1 to 3 records inserted while the request is served, most
	// inside its own range, one in four anywhere in the data.
	Insert float64 `json:"insert,omitempty"`
	// Duplicate: 1 to 3 records repeated across pages (Fault.Duplicate).
	Duplicate float64 `json:"duplicate,omitempty"`
	// ExpireToken: the Domo platform access token of the request expires
	// (if it has served a request before: fresh tokens last their hour).
	ExpireToken float64 `json:"expireToken,omitempty"`
}

type chaosState struct {
	c     Chaos
	tries map[string]int // times each request was sent
}

// SetChaos turns random faults on (a zero Chaos turns them off).
func (s *Sim) SetChaos(c Chaos) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == (Chaos{}) {
		s.chaos = nil
		return
	}
	s.chaos = &chaosState{c: c, tries: map[string]int{}}
}

// ChaosConfig returns the chaos in effect (zero when off).
func (s *Sim) ChaosConfig() Chaos {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chaos == nil {
		return Chaos{}
	}
	return s.chaos.c
}

// unit turns 53 bits of h into [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// chaosFault draws the fault of one request.
func (s *Sim) chaosFault(p int, r *http.Request) (Fault, bool) {
	if s.ChaosConfig() == (Chaos{}) {
		return Fault{}, false
	}
	id := requestIdentity(p, r)
	s.mu.Lock()
	cs := s.chaos
	if cs == nil {
		s.mu.Unlock()
		return Fault{}, false
	}
	try := cs.tries[id]
	cs.tries[id] = try + 1
	c := cs.c
	s.mu.Unlock()

	h := mix(uint64(c.Seed), 0xc4a05, uint64(p), hashBytes([]byte(id)), uint64(try))
	v := splitmix64(h ^ 0x7a41) // the variant of the fault
	u := unit(h)
	var f Fault
	switch {
	case u < c.RateLimit:
		// ThousandEyes announces its budget on every answer (its 429 has
		// no Retry-After); the others send one variant of the wait or none.
		f = Fault{Status: http.StatusTooManyRequests, RateLimitReset: p == pTE}
		switch v % 4 {
		case 0:
			f.RetryAfter = strconv.Itoa(1 + int((v>>8)%2))
		case 1:
			f.RetryAfter = s.cfg.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}
		if p == pTE {
			f.RetryAfter = ""
		}
	case u < c.RateLimit+c.ServerError:
		switch v % 4 {
		case 0:
			f = Fault{Status: http.StatusInternalServerError}
		case 1:
			f = Fault{Status: http.StatusBadGateway, HTML: true}
		case 2:
			f = Fault{Status: http.StatusServiceUnavailable}
			if v&0x100 != 0 {
				f.RetryAfter = "1"
			}
		case 3:
			f = Fault{Status: http.StatusGatewayTimeout, HTML: true}
		}
		f.RateLimitReset = p == pTE
	case u < c.RateLimit+c.ServerError+c.Truncate:
		if v%2 == 0 {
			f = Fault{Truncate: true}
		} else {
			f = Fault{Abort: true}
		}
	case u < c.RateLimit+c.ServerError+c.Truncate+c.Latency:
		f = Fault{Delay: c.LatencySpike}
		if f.Delay <= 0 {
			f.Delay = 200 * time.Millisecond
		}
	default:
		u2 := unit(splitmix64(h ^ 0x2d2d))
		n := 1 + int((v>>16)%3)
		switch {
		case u2 < c.Insert:
			f = Fault{Insert: n, InsertSpread: (v>>24)%4 == 0}
		case u2 < c.Insert+c.Duplicate:
			f = Fault{Duplicate: n}
		case u2 < c.Insert+c.Duplicate+c.ExpireToken && p == pPlatform && s.tokenUsed(r):
			f = Fault{ExpireToken: true}
		default:
			return Fault{}, false
		}
	}
	return f, true
}

// requestIdentity names a request by what the API sees of it, without
// credentials: method, path, query and (Datafold) body. The body is put
// back for the handler.
func requestIdentity(p int, r *http.Request) string {
	id := strconv.Itoa(p) + " " + r.Method + " " + r.URL.RequestURI()
	if r.Body != nil && r.Body != http.NoBody {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		id += " " + string(b)
	}
	return id
}

// ParseChaos reads a chaos spec as the -chaos flag of cmd/vendorsim takes
// it: comma-separated key=value, keys seed, 429, 5xx, truncate, latency,
// spike (a duration), insert, dup, expire; rates are fractions of requests
// (0.1) or percentages (10%). Example: "seed=7,429=10%,5xx=5%,truncate=2%".
func ParseChaos(spec string) (Chaos, error) {
	var c Chaos
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Chaos{}, fmt.Errorf("chaos: %q is not key=value", part)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "seed":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Chaos{}, fmt.Errorf("chaos: seed %q is not an integer", v)
			}
			c.Seed = n
			continue
		case "spike":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return Chaos{}, fmt.Errorf("chaos: spike %q is not a duration", v)
			}
			c.LatencySpike = d
			continue
		}
		rate, err := parseRate(v)
		if err != nil {
			return Chaos{}, fmt.Errorf("chaos: %s: %v", k, err)
		}
		switch k {
		case "429":
			c.RateLimit = rate
		case "5xx":
			c.ServerError = rate
		case "truncate":
			c.Truncate = rate
		case "latency":
			c.Latency = rate
		case "insert":
			c.Insert = rate
		case "dup":
			c.Duplicate = rate
		case "expire":
			c.ExpireToken = rate
		default:
			return Chaos{}, fmt.Errorf("chaos: unknown key %q (seed, 429, 5xx, truncate, latency, spike, insert, dup, expire)", k)
		}
	}
	if c.RateLimit+c.ServerError+c.Truncate+c.Latency > 1 || c.Insert+c.Duplicate+c.ExpireToken > 1 {
		return Chaos{}, fmt.Errorf("chaos: 429+5xx+truncate+latency and insert+dup+expire must each add up to at most 100%%")
	}
	return c, nil
}

func parseRate(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || math.IsNaN(f) || f < 0 {
		return 0, fmt.Errorf("%q is not a rate", v)
	}
	if pct {
		f /= 100
	}
	if f > 1 {
		return 0, fmt.Errorf("%q is more than 100%%", v)
	}
	return f, nil
}

// ---- serving a fault ----

type faultKey struct{}

// faultOf returns the fault being served with r, if any (for the vendor
// handlers that play a fault's vendor-specific part).
func faultOf(r *http.Request) *Fault {
	f, _ := r.Context().Value(faultKey{}).(*Fault)
	return f
}

// maxHang bounds how long a hanging answer holds its goroutine.
const maxHang = 10 * time.Minute

func (s *Sim) serveFault(w http.ResponseWriter, r *http.Request, p int, f Fault, h http.HandlerFunc) {
	ctx := r.Context()
	if f.Delay > 0 && !sleep(ctx, f.Delay) {
		return
	}
	if f.Hang {
		sleep(ctx, maxHang)
		return
	}
	if f.ExpireToken && p == pPlatform {
		s.expireRequestToken(r)
	}
	r = r.WithContext(context.WithValue(ctx, faultKey{}, &f))
	s.faultHeaders(w.Header(), p, &f)
	if f.replaces() {
		s.writeReplaced(w, r, p, &f)
		return
	}
	if !f.Truncate && !f.Abort {
		h(&overrideWriter{ResponseWriter: w, contentType: f.ContentType}, r)
		return
	}
	rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
	h(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	half := rec.body[:len(rec.body)/2]
	if f.Truncate {
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.status)
		_, _ = w.Write(half)
		return
	}
	// Abort: promise the whole body, send half, drop the connection.
	w.Header().Set("Content-Length", strconv.Itoa(len(rec.body)))
	w.WriteHeader(rec.status)
	_, _ = w.Write(half)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	panic(http.ErrAbortHandler)
}

// faultHeaders sets the headers a fault adds to any answer.
func (s *Sim) faultHeaders(h http.Header, p int, f *Fault) {
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	if f.RateLimitReset {
		minute := s.cfg.Now().Unix() / 60
		limit := s.cfg.ThousandEyesRateLimit
		if limit <= 0 {
			limit = DefaultConfig().ThousandEyesRateLimit
		}
		remaining := 0
		if f.Status != http.StatusTooManyRequests {
			remaining = limit - s.teUsed(s.cfg.ThousandEyesToken, minute)
		}
		teRateHeaders(h, limit, remaining, (minute+1)*60)
	}
	for k, v := range f.Header {
		h[http.CanonicalHeaderKey(k)] = v
	}
}

// writeReplaced writes an answer in place of the API's.
func (s *Sim) writeReplaced(w http.ResponseWriter, r *http.Request, p int, f *Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
		if f.HTML || f.Empty {
			status = http.StatusOK
		}
	}
	body := f.Body
	switch {
	case f.Empty:
		body = ""
	case body == "" && f.HTML:
		body = htmlPage(status)
	case body == "":
		s.vendorError(p, &overrideWriter{ResponseWriter: w, contentType: f.ContentType}, r, status, faultMessage(p, status))
		return
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/json"
		if strings.HasPrefix(strings.TrimSpace(body), "<") {
			ct = "text/html; charset=utf-8"
		}
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// vendorError writes an error in the shape of provider p's API.
func (s *Sim) vendorError(p int, w http.ResponseWriter, r *http.Request, status int, msg string) {
	switch p {
	case pDomo:
		s.domoError(w, r, status, msg, true)
	case pPlatform:
		s.domoError(w, r, status, msg, false)
	case pDomino:
		dominoError(w, status, msg)
	case pDatafold:
		writeJSON(w, status, map[string]any{"detail": msg})
	default:
		writeProblem(w, r, status, msg, nil)
	}
}

func faultMessage(p int, status int) string {
	switch status {
	case http.StatusTooManyRequests:
		if p == pTE {
			return "Rate limit exceeded: too many requests for this organization."
		}
		return "Too many requests; slow down"
	case http.StatusServiceUnavailable:
		return "Service temporarily unavailable for maintenance"
	case http.StatusInternalServerError:
		return "An unexpected error occurred"
	}
	return http.StatusText(status)
}

// htmlPage is what a proxy in front of an API answers: its own error page
// for an error status, a single-sign-on login page for 200.
func htmlPage(status int) string {
	if status == http.StatusOK {
		return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in</title></head>
<body><form method="post" action="/sso/login"><input name="username"><input name="password" type="password"><button>Sign in</button></form></body>
</html>
`
	}
	title := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
}

// overrideWriter replaces the Content-Type the handler sets.
type overrideWriter struct {
	http.ResponseWriter
	contentType string
	wrote       bool
}

func (o *overrideWriter) WriteHeader(code int) {
	if !o.wrote && o.contentType != "" {
		o.Header().Set("Content-Type", o.contentType)
	}
	o.wrote = true
	o.ResponseWriter.WriteHeader(code)
}

func (o *overrideWriter) Write(b []byte) (int, error) {
	if !o.wrote {
		o.WriteHeader(http.StatusOK)
	}
	return o.ResponseWriter.Write(b)
}

// bufferWriter collects a response (for truncation faults).
type bufferWriter struct {
	header http.Header
	status int
	body   []byte
}

func (b *bufferWriter) Header() http.Header  { return b.header }
func (b *bufferWriter) WriteHeader(code int) { b.status = code }
func (b *bufferWriter) Write(p []byte) (int, error) {
	b.body = append(b.body, p...)
	return len(p), nil
}

// ---- what clients may have seen ----

// readSpan is the time range [lo, hi] (microseconds, inclusive) of one
// data request served.
type readSpan struct{ lo, hi int64 }

// maxReads bounds the read log per provider; past it every insert counts
// as possibly missed.
const maxReads = 1 << 16

// Inserted is a record added while the simulator runs (Insert, or a
// fault's Insert or Duplicate).
type Inserted struct {
	Event events.Event
	// Covered says that a data request whose range held the record's time
	// had already been served when the record appeared, so a client paging
	// that range may or may not return it. A record not covered is in
	// every answer for its range from then on: a client must return it.
	Covered bool
}

// Inserts returns the records inserted into a provider's data so far.
func (s *Sim) Inserts(provider string) []Inserted {
	i := providerIndex(provider)
	if i < 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inserted[i])
}

func (s *Sim) coveredLocked(i int, t int64) bool {
	if s.overflow[i] {
		return true
	}
	for _, sp := range s.reads[i] {
		if sp.lo <= t && t <= sp.hi {
			return true
		}
	}
	return false
}

// reading is called by a data handler once it knows the time range
// [lo, hi] (microseconds, inclusive) it is about to serve and before it
// reads the records: it logs the read and plays the request's fault's
// inserts. offsetPaged says that the API pages by offset, newest first, so
// that records inserted above the page repeat the previous page's last
// ones (Fault.Duplicate); other APIs play Duplicate themselves.
func (s *Sim) reading(r *http.Request, p int, lo, hi int64, offsetPaged bool) {
	s.mu.Lock()
	if len(s.reads[p]) >= maxReads {
		s.overflow[p] = true
	} else {
		s.reads[p] = append(s.reads[p], readSpan{lo, hi})
	}
	s.mu.Unlock()
	f := faultOf(r)
	if f == nil || (f.Insert <= 0 && (f.Duplicate <= 0 || !offsetPaged)) {
		return
	}
	d := s.sets[p]
	// Inserts stay inside the data's range so that truth and APIs agree.
	dlo, dhi := d.tl.startTick*d.tl.unit, d.tl.endTick*d.tl.unit-1
	a, b := max(lo, dlo), min(hi, dhi)
	rng := rand.New(rand.NewPCG(hashBytes([]byte(requestIdentity(p, r))), uint64(s.cfg.Seed)^uint64(lo)))
	d.mu.Lock()
	defer d.mu.Unlock()
	for k := 0; k < f.Insert; k++ {
		x, y := a, b
		if f.InsertSpread || x > y {
			x, y = dlo, dhi
		}
		s.insertLocked(p, 1, time.UnixMicro(x+rng.Int64N(y-x+1)), rng)
	}
	if f.Duplicate > 0 && offsetPaged && a <= b {
		// Newer than anything the page holds: every offset shifts by n.
		top := b - int64(f.Duplicate+1)*d.tl.unit
		s.insertLocked(p, f.Duplicate, time.UnixMicro(max(top, a)), rng)
	}
}

// String renders c in ParseChaos' syntax.
func (c Chaos) String() string {
	if c == (Chaos{}) {
		return ""
	}
	parts := []string{"seed=" + strconv.FormatInt(c.Seed, 10)}
	add := func(k string, v float64) {
		if v > 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(v*100, 'g', -1, 64)+"%")
		}
	}
	add("429", c.RateLimit)
	add("5xx", c.ServerError)
	add("truncate", c.Truncate)
	add("latency", c.Latency)
	if c.LatencySpike > 0 {
		parts = append(parts, "spike="+c.LatencySpike.String())
	}
	add("insert", c.Insert)
	add("dup", c.Duplicate)
	add("expire", c.ExpireToken)
	return strings.Join(parts, ",")
}

// faultsHandler is the fault API of a running simulator:
//
//	GET    /_sim/faults   queued faults per provider and the chaos in effect
//	POST   /_sim/faults   {"provider": "domo", "faults": [Fault, ...]} queues faults;
//	                      {"chaos": "seed=7,429=10%,5xx=5%"} sets chaos ("" = off)
//	DELETE /_sim/faults   drops queued faults and turns chaos off
func (s *Sim) faultsHandler(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodDelete:
		s.ClearFaults()
	case http.MethodPost:
		var req struct {
			Provider string  `json:"provider"`
			Faults   []Fault `json:"faults"`
			Chaos    *string `json:"chaos"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body: " + err.Error()})
			return
		}
		if req.Chaos != nil {
			c, err := ParseChaos(*req.Chaos)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
				return
			}
			s.SetChaos(c)
		}
		if len(req.Faults) > 0 {
			if providerIndex(req.Provider) < 0 {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "provider must be one of " + strings.Join(providerIDs[:], ", ")})
				return
			}
			s.InjectFaults(req.Provider, req.Faults...)
		}
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET, POST or DELETE"})
		return
	}
	s.mu.Lock()
	queued := map[string]int{}
	for i, id := range providerIDs {
		queued[id] = len(s.faults[i])
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"queued": queued, "chaos": s.ChaosConfig().String()})
}

// insertHandler: POST /_sim/insert?provider=X&n=N&at=ms adds N records at
// time at (default: the simulator's now, kept inside the data) and returns
// their ground truth.
func (s *Sim) insertHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use POST"})
		return
	}
	q := r.URL.Query()
	id := q.Get("provider")
	if providerIndex(id) < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "provider must be one of " + strings.Join(providerIDs[:], ", ")})
		return
	}
	n := 1
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 10000 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "n must be 1..10000"})
			return
		}
	}
	at := s.cfg.Now()
	if at.After(s.cfg.End) || !at.After(s.cfg.Start) {
		at = s.cfg.End.Add(-time.Minute)
	}
	if v := q.Get("at"); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "at must be epoch milliseconds"})
			return
		}
		at = time.UnixMilli(ms).UTC()
	}
	writeJSON(w, http.StatusOK, s.Insert(id, n, at))
}
