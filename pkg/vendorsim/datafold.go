package vendorsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// datafold: Datafold audit logs, docs/vendors.md#datafold.
// GET /api/v1/audit_logs, optional JSON body {"start_date", "end_date"} on
// the GET, no paging, {"logs": [...]}.

type dfTmpl struct {
	action   string // "" = null
	method   string
	path     string // "{id}" is replaced by the object id
	objType  string // "" = null
	logEntry string // "" = always null
	w        float64
	admin    bool
	source   string
}

// Guess: Datafold documents the record fields but not the action names,
// URLs or log entries; these are plausible ("login", "login_failed",
// "api_key_created", "dataset_viewed", ...). Records whose action is null
// are plain request logs.
var dfTemplates = []dfTmpl{
	{"login", "POST", "/api/v1/auth/login", "user", "User logged in", 6, false, "web"},
	{"login_failed", "POST", "/api/v1/auth/login", "", "Failed login attempt", 0.4, false, "web"},
	{"logout", "POST", "/api/v1/auth/logout", "", "User logged out", 1.5, false, "web"},
	{"dataset_viewed", "GET", "/api/v1/datasets/{id}", "dataset", "Dataset viewed", 14, false, "web"},
	{"diff_created", "POST", "/api/v1/datadiffs", "datadiff", "Data diff created", 6, false, "api"},
	{"diff_viewed", "GET", "/api/v1/datadiffs/{id}", "datadiff", "Data diff viewed", 12, false, "web"},
	{"api_key_created", "POST", "/api/v1/api_keys", "api_key", "API key created", 0.3, false, "web"},
	{"api_key_deleted", "DELETE", "/api/v1/api_keys/{id}", "api_key", "API key deleted", 0.1, false, "web"},
	{"data_source_created", "POST", "/api/v1/data_sources", "data_source", "Data source created", 0.2, true, "web"},
	{"data_source_updated", "PUT", "/api/v1/data_sources/{id}", "data_source", "Data source updated", 0.4, true, "web"},
	{"monitor_created", "POST", "/api/v1/monitors", "monitor", "Monitor created", 0.6, false, "web"},
	{"user_invited", "POST", "/api/v1/users/invite", "user", "User invited", 0.15, true, "web"},
	{"user_role_changed", "PATCH", "/api/v1/users/{id}", "user", "User role changed", 0.1, true, "web"},
	{"", "GET", "/api/v1/data_sources", "", "", 5, false, "web"},
	{"", "GET", "/api/v1/datadiffs", "", "", 4, false, "web"},
	{"", "POST", "/api/v1/ci/runs", "", "", 1, false, "api"},
}

const dfFailedLogin = 1

// Failed logins in the burst partly name accounts that do not exist
// (user_id null).
var dfUnknownEmails = []string{"admin@example.com", "root@example.com", "test@example.com", "it-support@example.com"}

// aux bits of datafold records.
const (
	dfIPShift    = 0 // 2 bits
	dfIPv6       = 1 << 2
	dfUAShift    = 3 // 3 bits
	dfNoLog      = 1 << 6
	dfFailure    = 1 << 7
	dfSupport    = 1 << 8
	dfSupportNil = 1 << 9
	dfAttack     = 1 << 10
	dfAtkShift   = 11 // 5 bits
	dfUnknown    = 1 << 16
	dfUnkShift   = 17 // 2 bits
	dfNoReferer  = 1 << 19
)

type datafoldVendor struct {
	s       *Sim
	tmpls   weighted
	admins  []int
	victims []int
	minT    int64 // first allowed microsecond (for whole-second timestamps)
}

func newDatafoldVendor(s *Sim) *datafoldVendor {
	v := &datafoldVendor{s: s, tmpls: weightedBy(dfTemplates, func(t dfTmpl) float64 { return t.w }), admins: admins(s.users), victims: pickVictims(s, 4, 3)}
	v.minT = s.cfg.Start.UnixMicro()
	if time.UnixMicro(v.minT).Before(s.cfg.Start) {
		v.minT++
	}
	return v
}

func (v *datafoldVendor) fill(rng *rand.Rand, r *rec, burst bool) {
	if burst {
		r.tmpl = dfFailedLogin
		r.aux = dfAttack | uint32(rng.IntN(len(attackerIPs)))<<dfAtkShift | uint32(4+rng.IntN(2))<<dfUAShift | dfNoReferer
		if rng.IntN(4) == 0 {
			r.aux |= dfUnknown | uint32(rng.IntN(len(dfUnknownEmails)))<<dfUnkShift
		} else {
			r.user = uint16(v.victims[rng.IntN(len(v.victims))])
		}
		return
	}
	t := v.tmpls.pick(rng)
	tm := dfTemplates[t]
	u := pickUser(rng, v.s)
	if tm.admin && !v.s.users[u].Admin {
		u = v.admins[rng.IntN(len(v.admins))]
	}
	r.user, r.tmpl = uint16(u), uint8(t)
	switch tm.objType {
	case "":
	case "user":
		if tm.action == "login" {
			r.obj = uint32(u + 1)
		} else {
			r.obj = uint32(1 + rng.IntN(len(v.s.users)))
		}
	default:
		r.obj = uint32(1 + rng.IntN(4000))
	}
	ua := int(v.s.users[u].Agent)
	if tm.source == "api" {
		ua = 4 + rng.IntN(2)
	} else if rng.IntN(12) == 0 {
		ua = rng.IntN(4)
	}
	r.aux = uint32(ua) << dfUAShift
	if rng.IntN(10) == 0 {
		r.aux |= uint32(1+rng.IntN(3)) << dfIPShift
	}
	if rng.IntN(15) == 0 {
		r.aux |= dfIPv6
	}
	if tm.logEntry != "" && rng.IntN(10) < 3 {
		r.aux |= dfNoLog
	}
	if t == dfFailedLogin || rng.IntN(50) == 0 {
		r.aux |= dfFailure
	}
	switch n := rng.IntN(1000); {
	case n < 3:
		r.aux |= dfSupport
	case n < 13:
		r.aux |= dfSupportNil
	}
	if tm.source == "api" || rng.IntN(8) == 0 {
		r.aux |= dfNoReferer
	}
	// Python's isoformat() drops the fraction when the microseconds are
	// zero: play that now and then (clients must parse both).
	if rng.IntN(400) == 0 && r.t-r.t%1_000_000 >= v.minT {
		r.t -= r.t % 1_000_000
	}
}

type dfView struct {
	action, url, method, objType, logEntry, status, ip, ua, email, source, referer string
	objID, userID                                                                  int64
	hasObj, hasUser                                                                bool
}

func (v *datafoldVendor) view(r *rec) dfView {
	tm := dfTemplates[r.tmpl]
	d := dfView{action: tm.action, method: tm.method, objType: tm.objType, source: tm.source, status: "success"}
	if r.aux&dfUnknown != 0 {
		d.email = dfUnknownEmails[(r.aux>>dfUnkShift)&3]
	} else {
		u := &v.s.users[r.user]
		d.email, d.userID, d.hasUser = u.Email, u.DatafoldID, true
	}
	if tm.objType != "" {
		d.hasObj = true
		if tm.objType == "user" {
			d.objID = v.s.users[r.obj-1].DatafoldID
		} else {
			d.objID = int64(r.obj)
		}
	}
	d.url = strings.Replace(tm.path, "{id}", strconv.FormatInt(d.objID, 10), 1)
	if r.aux&dfNoLog == 0 {
		d.logEntry = tm.logEntry
	}
	if r.aux&dfFailure != 0 {
		d.status = "failure"
	}
	switch {
	case r.aux&dfAttack != 0:
		d.ip = attackerIPs[(r.aux>>dfAtkShift)&31]
	case r.aux&dfIPv6 != 0:
		d.ip = v.s.users[r.user].IPv6
	default:
		d.ip = v.s.users[r.user].IPs[(r.aux>>dfIPShift)&3]
	}
	d.ua = userAgents[(r.aux>>dfUAShift)&7]
	if r.aux&dfNoReferer == 0 {
		d.referer = "https://app.datafold.com" + strings.TrimPrefix(strings.Replace(tm.path, "{id}", strconv.FormatInt(d.objID, 10), 1), "/api/v1")
	}
	return d
}

func (v *datafoldVendor) appendTimestamp(b []byte, us int64) []byte {
	t := time.UnixMicro(us).UTC()
	b = append(b, '"')
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if frac := us % 1_000_000; frac != 0 {
		b = append(b, '.')
		s := strconv.FormatInt(1_000_000+frac, 10)
		b = append(b, s[1:]...)
	}
	switch v.s.cfg.DatafoldTimestampFormat {
	case DatafoldISOZ:
		b = append(b, 'Z')
	case DatafoldISOOffset:
		b = append(b, "+00:00"...)
	}
	return append(b, '"')
}

func (v *datafoldVendor) render(b []byte, r *rec) []byte {
	d := v.view(r)
	b = append(b, `{"timestamp":`...)
	b = v.appendTimestamp(b, r.t)
	h := mix(uint64(v.s.cfg.Seed), 0xdf, uint64(r.seq))
	b = append(b, `,"event_uuid":"`...)
	b = appendUUID(b, h, splitmix64(h))
	b = append(b, '"')
	b = fieldStr(b, false, "client_ip", d.ip)
	b = fieldStr(b, false, "url", d.url)
	b = fieldStrOrNull(b, "action", d.action, d.action != "")
	switch {
	case r.aux&dfSupportNil != 0:
		b = fieldRaw(b, false, "is_support_user", "null")
	case r.aux&dfSupport != 0:
		b = fieldRaw(b, false, "is_support_user", "true")
	default:
		b = fieldRaw(b, false, "is_support_user", "false")
	}
	b = fieldStrOrNull(b, "log_entry", d.logEntry, d.logEntry != "")
	if d.hasObj {
		b = fieldInt(b, false, "object_id", d.objID)
	} else {
		b = fieldRaw(b, false, "object_id", "null")
	}
	b = fieldStrOrNull(b, "object_type", d.objType, d.objType != "")
	b = append(b, `,"payload":{`...)
	switch {
	case r.tmpl == dfFailedLogin:
		b = fieldStr(b, true, "reason", "invalid_credentials")
	case d.action == "" || !d.hasObj:
	case d.objType == "user":
		b = fieldInt(b, true, "user_id", d.objID)
	default:
		b = fieldInt(b, true, d.objType+"_id", d.objID)
	}
	b = append(b, '}')
	b = fieldStrOrNull(b, "referer", d.referer, d.referer != "")
	b = fieldStr(b, false, "request_type", d.method)
	b = fieldStr(b, false, "source", d.source)
	b = fieldStr(b, false, "status", d.status)
	b = fieldStr(b, false, "user_agent", d.ua)
	b = fieldStr(b, false, "user_email", d.email)
	if d.hasUser {
		b = fieldInt(b, false, "user_id", d.userID)
	} else {
		b = fieldRaw(b, false, "user_id", "null")
	}
	return append(b, '}')
}

func (v *datafoldVendor) event(r *rec, raw []byte) events.Event {
	d := v.view(r)
	e := events.Event{
		Time: time.UnixMicro(r.t).UTC(), User: d.email, Email: d.email,
		Action: d.action, Event: d.action, ObjectType: d.objType,
		IPAddress: d.ip, UserAgent: d.ua, Status: d.status, Message: d.logEntry, Raw: raw,
	}
	if d.hasUser {
		e.UserID = strconv.FormatInt(d.userID, 10)
	}
	if d.action == "" {
		e.Action = d.method + " " + d.url
		e.Event = e.Action
	}
	if d.hasObj {
		e.ObjectID = strconv.FormatInt(d.objID, 10)
	}
	if e.Message == "" {
		e.Message = e.Event
	}
	return e
}

// ---- HTTP ----

type dfDetail struct {
	Loc   []any  `json:"loc"`
	Msg   string `json:"msg"`
	Type  string `json:"type"`
	Input any    `json:"input,omitempty"`
}

func dfValidation(w http.ResponseWriter, details ...dfDetail) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": details})
}

// isoDateTime is what pydantic accepts as a datetime string: a date, or a
// date and time with optional seconds, fraction and zone.
var isoDateTime = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$`)

// parseISO parses an ISO-8601 date-time as pydantic would; no zone = UTC
// (Guess: the server's zone is not documented).
func parseISO(s string) (time.Time, bool) {
	m := isoDateTime.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(x string) int {
		n, _ := strconv.Atoi(x)
		return n
	}
	y, mo, d := num(m[1]), num(m[2]), num(m[3])
	h, mi, sec := num(m[4]), num(m[5]), num(m[6])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if f := m[7]; f != "" {
		f = (f + "000000000")[:9]
		ns = num(f)
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" && z != "z" {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		z = strings.ReplaceAll(z[1:], ":", "")
		off := num(z[:2]) * 3600
		if len(z) == 4 {
			off += num(z[2:]) * 60
		}
		loc = time.FixedZone("", sign*off)
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, loc)
	if t.Day() != d {
		return time.Time{}, false // e.g. February 30
	}
	return t.UTC(), true
}

// GET /api/v1/audit_logs with Authorization: Key <key> and an optional JSON
// body {"start_date": ISO|null, "end_date": ISO|null}, both inclusive.
//
// Guess: what a missing bound means is not documented. Here a missing or
// null end_date is now and a missing or null start_date is seven days before
// the end; so no body at all is "the last 7 days".
func (s *Sim) datafoldLogs(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": "Method Not Allowed"})
		return
	}
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "key") || strings.TrimSpace(key) != s.cfg.DatafoldAPIKey {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid API key"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		dfValidation(w, dfDetail{Loc: []any{"body"}, Msg: "Error reading the request body", Type: "value_error"})
		return
	}
	var start, end *time.Time
	if b := bytes.TrimSpace(body); len(b) > 0 && string(b) != "null" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			var syn *json.SyntaxError
			var typ *json.UnmarshalTypeError
			switch {
			case errors.As(err, &syn):
				dfValidation(w, dfDetail{Loc: []any{"body", syn.Offset}, Msg: "JSON decode error", Type: "json_invalid", Input: map[string]any{}})
			case errors.As(err, &typ):
				dfValidation(w, dfDetail{Loc: []any{"body"}, Msg: "Input should be a valid dictionary or object to extract fields from", Type: "model_attributes_type", Input: json.RawMessage(b)})
			default:
				dfValidation(w, dfDetail{Loc: []any{"body", 0}, Msg: "JSON decode error", Type: "json_invalid", Input: map[string]any{}})
			}
			return
		}
		var details []dfDetail
		for _, f := range []struct {
			name string
			dst  **time.Time
		}{{"start_date", &start}, {"end_date", &end}} {
			raw, ok := obj[f.name]
			if !ok || string(raw) == "null" {
				continue
			}
			var str string
			var num float64
			switch {
			case json.Unmarshal(raw, &str) == nil:
				t, ok := parseISO(str)
				if !ok {
					details = append(details, dfDetail{Loc: []any{"body", f.name}, Msg: "Input should be a valid datetime, invalid date-time format", Type: "datetime_from_date_parsing", Input: str})
					continue
				}
				*f.dst = &t
			case json.Unmarshal(raw, &num) == nil:
				// pydantic reads numbers as Unix time: seconds, or
				// milliseconds when larger than 2e10.
				if num > 2e10 || num < -2e10 {
					num /= 1000
				}
				t := time.UnixMicro(int64(num * 1e6)).UTC()
				*f.dst = &t
			default:
				details = append(details, dfDetail{Loc: []any{"body", f.name}, Msg: "Input should be a valid datetime", Type: "datetime_type", Input: raw})
			}
		}
		if len(details) > 0 {
			dfValidation(w, details...)
			return
		}
	}
	hi := s.cfg.Now()
	if end != nil {
		hi = *end
	}
	lo := hi.Add(-7 * 24 * time.Hour)
	if start != nil {
		lo = *start
	}
	loUS, hiUS := lo.UnixMicro(), hi.UnixMicro() // [lo, hi] inclusive
	if time.UnixMicro(loUS).Before(lo) {
		loUS++
	}
	s.reading(r, pDatafold, loUS, hiUS, false)
	recs := s.sets[pDatafold].load()
	a, b := span(recs, loUS, hiUS)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	st := newStreamer(w, `{"logs":[`, `]}`)
	for i := a; i < b; i++ {
		st.add(func(buf []byte) []byte { return s.datafold.render(buf, &recs[i]) })
	}
	// Fault.Duplicate: no pages to repeat, so the answer lists its newest
	// records twice (an at-least-once log pipeline).
	if f := faultOf(r); f != nil {
		for i := a; i < min(a+f.Duplicate, b); i++ {
			st.add(func(buf []byte) []byte { return s.datafold.render(buf, &recs[i]) })
		}
	}
	st.finish()
}
