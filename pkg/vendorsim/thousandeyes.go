package vendorsim

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// thousandeyes: Cisco ThousandEyes API v7 activity log,
// docs/vendors.md#thousandeyes. GET /v7/audit-user-events, newest first, paged
// by an absolute _links.next.href with an opaque cursor, rate limited per
// organisation.

// AccountGroup is one simulated ThousandEyes account group.
type AccountGroup struct{ AID, Name string }

// ThousandEyesAccountGroups are the simulated account groups; the first is
// the token's default.
var ThousandEyesAccountGroups = []AccountGroup{
	{"1234", "Acme Corp"},
	{"5678", "Acme Corp - Staging"},
	{"9012", "Acme Corp - EU Monitoring"},
}

var teGroupWeight = newWeighted([]float64{0.6, 0.25, 0.15})

type teTmpl struct {
	event string
	res   []string // resource types; none = the record has no "resources"
	w     float64
	admin bool
}

// Events end with a period as in ThousandEyes' examples ("Login failed.",
// "Report created."). Guess: the exact wording of the others.
var teTemplates = []teTmpl{
	{"Login successful.", nil, 18, false},
	{"Login failed.", nil, 0.8, false},
	{"Logout successful.", nil, 3, false},
	{"Test created.", []string{"testName"}, 2, false},
	{"Test updated.", []string{"testName"}, 6, false},
	{"Test deleted.", []string{"testName"}, 0.8, false},
	{"Report created.", []string{"reportTitle"}, 1, false},
	{"Report updated.", []string{"reportTitle"}, 2, false},
	{"Report deleted.", []string{"reportTitle"}, 0.3, false},
	{"Alert rule created.", []string{"alertRuleName"}, 0.8, false},
	{"Alert rule updated.", []string{"alertRuleName", "testName"}, 2, false},
	{"User added.", []string{"userDisplayName"}, 0.3, true},
	{"User deleted.", []string{"userDisplayName"}, 0.1, true},
	{"Dashboard updated.", []string{"dashboardName"}, 1.5, false},
}

const teFailedLogin = 1

var teResources = map[string][]string{
	"testName": {"HTTP - www.example.com", "DNS - example.com", "API - orders service", "BGP - AS64500 prefixes",
		"Page Load - checkout", "Voice - SIP trunk", "Agent to Server - VPN gateway", "Transaction - login flow",
		"HTTP - status page", "DNS Trace - corp zone"},
	"reportTitle":   {"Weekly Availability", "Executive SLA Summary", "Outage Review", "ISP Performance", "Regional Latency"},
	"alertRuleName": {"Default HTTP Alert Rule", "Packet loss over 5%", "DNS resolution failure", "BGP path change", "Page load over 3s"},
	"dashboardName": {"NOC Overview", "Customer Experience", "Network Health", "SaaS Dependencies"},
}

// aux bits of thousandeyes records.
const (
	teIPShift  = 0 // 2 bits
	teAttack   = 1 << 2
	teAtkShift = 3 // 5 bits
	teResShift = 8 // 4 bits: second resource
)

type teVendor struct {
	s       *Sim
	tmpls   weighted
	admins  []int
	victims []int
}

func newTEVendor(s *Sim) *teVendor {
	v := &teVendor{s: s, tmpls: weightedBy(teTemplates, func(t teTmpl) float64 { return t.w }), admins: admins(s.users), victims: pickVictims(s, 5, 5)}
	return v
}

func (v *teVendor) resourceCount(typ string) int {
	if typ == "userDisplayName" {
		return len(v.s.users)
	}
	return len(teResources[typ])
}

func (v *teVendor) fill(rng *rand.Rand, r *rec, burst bool) {
	if burst {
		r.user = uint16(v.victims[rng.IntN(len(v.victims))])
		r.tmpl, r.scope = teFailedLogin, 0
		r.aux = teAttack | uint32(rng.IntN(len(attackerIPs)))<<teAtkShift
		return
	}
	t := v.tmpls.pick(rng)
	tm := teTemplates[t]
	u := pickUser(rng, v.s)
	if tm.admin && !v.s.users[u].Admin {
		u = v.admins[rng.IntN(len(v.admins))]
	}
	r.user, r.tmpl, r.scope = uint16(u), uint8(t), uint8(teGroupWeight.pick(rng))
	if len(tm.res) > 0 {
		r.obj = uint32(1 + rng.IntN(v.resourceCount(tm.res[0])))
	}
	if len(tm.res) > 1 {
		r.aux |= uint32(rng.IntN(v.resourceCount(tm.res[1]))) << teResShift
	}
	if rng.IntN(10) == 0 {
		r.aux |= uint32(1+rng.IntN(3)) << teIPShift
	}
}

type teResource struct{ typ, name string }

func (v *teVendor) resources(r *rec) []teResource {
	tm := teTemplates[r.tmpl]
	out := make([]teResource, 0, len(tm.res))
	for i, typ := range tm.res {
		idx := int(r.obj - 1)
		if i == 1 {
			idx = int((r.aux >> teResShift) & 0xf)
		}
		name := ""
		if typ == "userDisplayName" {
			name = v.s.users[idx%len(v.s.users)].Name()
		} else {
			names := teResources[typ]
			name = names[idx%len(names)]
		}
		out = append(out, teResource{typ, name})
	}
	return out
}

func (v *teVendor) ip(r *rec) string {
	if r.aux&teAttack != 0 {
		return attackerIPs[(r.aux>>teAtkShift)&31]
	}
	return v.s.users[r.user].IPs[(r.aux>>teIPShift)&3]
}

func (v *teVendor) render(b []byte, r *rec) []byte {
	u := &v.s.users[r.user]
	g := ThousandEyesAccountGroups[r.scope]
	b = append(b, '{')
	b = fieldStr(b, true, "aid", g.AID)
	b = fieldStr(b, false, "accountGroupName", g.Name)
	b = append(b, `,"date":"`...)
	b = time.UnixMicro(r.t).UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	b = append(b, '"')
	b = fieldStr(b, false, "event", teTemplates[r.tmpl].event)
	b = fieldStr(b, false, "ipAddress", v.ip(r))
	b = fieldStr(b, false, "uid", u.TEUID)
	b = fieldStr(b, false, "user", u.Name()+" ("+u.Email+")")
	if res := v.resources(r); len(res) > 0 {
		b = append(b, `,"resources":[`...)
		for i, x := range res {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = fieldStr(b, true, "type", x.typ)
			b = fieldStr(b, false, "name", x.name)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (v *teVendor) event(r *rec, raw []byte) events.Event {
	u := &v.s.users[r.user]
	ev := teTemplates[r.tmpl].event
	e := events.Event{
		Time: time.UnixMicro(r.t).UTC(), User: u.Name(), Email: u.Email, UserID: u.TEUID,
		Action: ev, Event: ev, IPAddress: v.ip(r), Scope: ThousandEyesAccountGroups[r.scope].Name,
		Message: ev, Raw: raw,
	}
	if res := v.resources(r); len(res) > 0 {
		e.ObjectType, e.ObjectName = res[0].typ, res[0].name
		parts := make([]string, len(res))
		for i, x := range res {
			parts[i] = x.typ + ": " + x.name
		}
		e.Message += " " + strings.Join(parts, "; ")
	}
	return e
}

// ---- HTTP ----

type teProblem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Instance string         `json:"instance"`
	Errors   []teFieldError `json:"errors,omitempty"`
}

type teFieldError struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// writeProblem writes an RFC 7807 problem (application/problem+json).
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, errs []teFieldError) {
	b, _ := json.Marshal(teProblem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, Instance: r.URL.Path, Errors: errs})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func badParam(w http.ResponseWriter, r *http.Request, field, msg string) {
	writeProblem(w, r, http.StatusBadRequest, "Invalid request parameters.",
		[]teFieldError{{Code: "INVALID_PARAMETER", Field: field, Message: msg}})
}

type rateWindow struct {
	minute int64
	count  int
}

// teRate applies the per-organisation rate limit and sets its headers;
// false means over the limit.
func (s *Sim) teRate(w http.ResponseWriter, tok string) bool {
	lim := s.cfg.ThousandEyesRateLimit
	if lim < 0 {
		return true
	}
	minute := s.cfg.Now().Unix() / 60
	s.mu.Lock()
	rw := s.rate[tok]
	if rw == nil || rw.minute != minute {
		rw = &rateWindow{minute: minute}
		s.rate[tok] = rw
	}
	ok := rw.count < lim
	if ok {
		rw.count++
	}
	remaining := lim - rw.count
	s.mu.Unlock()
	teRateHeaders(w.Header(), lim, remaining, (minute+1)*60)
	return ok
}

// teUsed is how many requests the organisation of tok spent in minute.
func (s *Sim) teUsed(tok string, minute int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rw := s.rate[tok]; rw != nil && rw.minute == minute {
		return rw.count
	}
	return 0
}

// teRateHeaders sets ThousandEyes' rate-limit headers; reset is the epoch
// second the next one-minute window starts (on the vendor's clock).
func teRateHeaders(h http.Header, limit, remaining int, reset int64) {
	h.Set("X-Organization-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Organization-Rate-Limit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("X-Organization-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
}

var teWindow = regexp.MustCompile(`^(\d+)([smhdw]?)$`)

// teQuery is a resolved request: the cursor freezes it for the next pages.
type teQuery struct {
	offset     int
	start, end int64 // unix seconds, inclusive
	groups     uint8 // bit per account group
}

func (c teQuery) encode() string {
	v := url.Values{}
	v.Set("o", strconv.Itoa(c.offset))
	v.Set("s", strconv.FormatInt(c.start, 10))
	v.Set("e", strconv.FormatInt(c.end, 10))
	v.Set("g", strconv.Itoa(int(c.groups)))
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + v.Encode()))
}

func decodeCursor(s string) (teQuery, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return teQuery{}, false
	}
	rest, ok := strings.CutPrefix(string(raw), "v1:")
	if !ok {
		return teQuery{}, false
	}
	v, err := url.ParseQuery(rest)
	if err != nil {
		return teQuery{}, false
	}
	o, e1 := strconv.Atoi(v.Get("o"))
	st, e2 := strconv.ParseInt(v.Get("s"), 10, 64)
	en, e3 := strconv.ParseInt(v.Get("e"), 10, 64)
	g, e4 := strconv.Atoi(v.Get("g"))
	if e1 != nil || e2 != nil || e3 != nil || e4 != nil || o < 0 || g <= 0 || g >= 1<<len(ThousandEyesAccountGroups) {
		return teQuery{}, false
	}
	return teQuery{offset: o, start: st, end: en, groups: uint8(g)}, true
}

// parseTEDate reads an ISO-8601 date-time with seconds
// (2022-07-17T22:00:54Z).
func parseTEDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// GET /v7/audit-user-events?aid=&useAllPermittedAids=&window= |
// startDate=&endDate= [&cursor=] with Authorization: Bearer <token>.
//
// Guesses: startDate and endDate are inclusive; without window and dates
// the window is the last day; endDate without startDate is a 400; an aid
// the token may not see is a 403; useAllPermittedAids=true wins over aid;
// the next href repeats the request's parameters plus the cursor, and a
// cursor (which freezes range, groups and offset) overrides them.
func (s *Sim) teEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeProblem(w, r, http.StatusMethodNotAllowed, "Method "+r.Method+" is not supported.", nil)
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "bearer") || tok != s.cfg.ThousandEyesToken {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_token", "error_description": "Invalid access token"})
		return
	}
	if !s.teRate(w, tok) {
		writeProblem(w, r, http.StatusTooManyRequests,
			"Rate limit exceeded: "+strconv.Itoa(s.cfg.ThousandEyesRateLimit)+" requests per minute for this organization.", nil)
		return
	}
	q := r.URL.Query()
	var c teQuery
	if cur := q.Get("cursor"); cur != "" {
		var ok bool
		if c, ok = decodeCursor(cur); !ok {
			badParam(w, r, "cursor", "Invalid cursor.")
			return
		}
	} else {
		c.groups = 1 // the token's default account group
		if v := q.Get("useAllPermittedAids"); v != "" {
			all, err := strconv.ParseBool(v)
			if err != nil {
				badParam(w, r, "useAllPermittedAids", "Must be true or false.")
				return
			}
			if all {
				c.groups = 1<<len(ThousandEyesAccountGroups) - 1
			}
		}
		if aid := q.Get("aid"); aid != "" && c.groups == 1 {
			i := slices.IndexFunc(ThousandEyesAccountGroups, func(g AccountGroup) bool { return g.AID == aid })
			if i < 0 {
				writeProblem(w, r, http.StatusForbidden, "You do not have permission to access account group "+aid+".", nil)
				return
			}
			c.groups = 1 << i
		}
		now := s.cfg.Now().UTC().Truncate(time.Second)
		win, sd, ed := q.Get("window"), q.Get("startDate"), q.Get("endDate")
		switch {
		case win != "" && (sd != "" || ed != ""):
			badParam(w, r, "window", "window cannot be used together with startDate or endDate.")
			return
		case win != "":
			m := teWindow.FindStringSubmatch(win)
			n, err := strconv.ParseInt(safeGroup(m, 1), 10, 64)
			if m == nil || err != nil || n > 10*365*86400 {
				badParam(w, r, "window", "Must match ^\\d+[smhdw]?$.")
				return
			}
			unit := map[string]int64{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}[m[2]]
			c.end = now.Unix()
			c.start = c.end - n*unit
		case sd != "":
			st, ok := parseTEDate(sd)
			if !ok {
				badParam(w, r, "startDate", "Must be an ISO-8601 date-time in UTC, e.g. 2022-07-17T22:00:54Z.")
				return
			}
			en := now
			if ed != "" {
				if en, ok = parseTEDate(ed); !ok {
					badParam(w, r, "endDate", "Must be an ISO-8601 date-time in UTC, e.g. 2022-07-17T22:00:54Z.")
					return
				}
			}
			if st.After(en) {
				badParam(w, r, "startDate", "startDate must be before endDate.")
				return
			}
			c.start, c.end = st.Unix(), en.Unix()
			if st.Truncate(time.Second).Before(st) {
				c.start++
			}
		case ed != "":
			badParam(w, r, "startDate", "startDate is required when endDate is given.")
			return
		default:
			c.end = now.Unix()
			c.start = c.end - 86400
		}
	}

	s.reading(r, pTE, c.start*1_000_000, c.end*1_000_000, false)
	recs := s.sets[pTE].load()
	a, b := span(recs, c.start*1_000_000, c.end*1_000_000)
	groups := c.groups
	match := func(x *rec) bool { return groups&(1<<x.scope) != 0 }
	size := s.cfg.ThousandEyesPageSize
	idx := pageOf(recs, a, b, false, match, c.offset, size+1)
	more := len(idx) > size
	if more {
		idx = idx[:size]
	}

	base := "http"
	if r.TLS != nil {
		base = "https"
	}
	base += "://" + r.Host
	links := []byte(`"_links":{"self":{"href":`)
	links = appendStr(links, base+r.URL.RequestURI())
	links = append(links, '}')
	// Faults: a next link to another origin (Fault.ForeignNext), or one
	// that starts a few records early (Fault.Duplicate: the next page
	// repeats the end of this one).
	nextBase, overlap := base, 0
	if f := faultOf(r); f != nil {
		if f.ForeignNext != "" {
			nextBase = strings.TrimSuffix(f.ForeignNext, "/")
		}
		overlap = min(f.Duplicate, size-1)
	}
	link := func(name string, offset int) {
		base := base
		if name == "next" {
			base = nextBase
		}
		nq := url.Values{}
		for k, vs := range q {
			if k != "cursor" {
				nq[k] = vs
			}
		}
		n := c
		n.offset = offset
		nq.Set("cursor", n.encode())
		links = append(links, `,"`+name+`":{"href":`...)
		links = appendStr(links, base+r.URL.Path+"?"+nq.Encode())
		links = append(links, '}')
	}
	if more {
		link("next", c.offset+size-overlap)
	}
	if c.offset > 0 {
		link("previous", max(c.offset-size, 0))
	}
	links = append(links, '}')

	tail := []byte(`],"startDate":"`)
	tail = time.Unix(c.start, 0).UTC().AppendFormat(tail, "2006-01-02T15:04:05Z")
	tail = append(tail, `","endDate":"`...)
	tail = time.Unix(c.end, 0).UTC().AppendFormat(tail, "2006-01-02T15:04:05Z")
	tail = append(tail, `",`...)
	tail = append(tail, links...)
	tail = append(tail, '}')

	// Guess: v7 answers HAL (application/hal+json).
	w.Header().Set("Content-Type", "application/hal+json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	st := newStreamer(w, `{"auditEvents":[`, string(tail))
	for _, i := range idx {
		st.add(func(buf []byte) []byte { return s.te.render(buf, &recs[i]) })
	}
	st.finish()
}

func safeGroup(m []string, i int) string {
	if len(m) <= i {
		return "x"
	}
	return m[i]
}
