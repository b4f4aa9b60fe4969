package vendorsim

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// domo (instance API /api/audit/v1/user-audits) and domo-platform
// (/v1/audit with OAuth client credentials), docs/vendors.md#domo and
// #domo-platform. Both share the event vocabulary; each has its own data.

type domoTmpl struct {
	action, objType, text string
	w                     float64
	admin                 bool // done by admins only
}

// The event vocabulary: actionType / objectType / eventText as in Domo's
// example (VIEWED / PAGE / "Viewed page"). Guess: the exact eventText of
// actions other than "Viewed page" is not documented; they follow its
// pattern. FAILED_LOGIN / "Failed login" is an undocumented guess too (Domo
// documents no failed-login action name).
var domoTemplates = []domoTmpl{
	{"VIEWED", "PAGE", "Viewed page", 30, false},
	{"VIEWED", "CARD", "Viewed card", 20, false},
	{"VIEWED", "DATA_SOURCE", "Viewed DataSet", 6, false},
	{"EXPORTED", "CARD", "Exported card", 3, false},
	{"EXPORTED", "DATA_SOURCE", "Exported DataSet", 2, false},
	{"UPDATED", "CARD", "Updated card", 5, false},
	{"UPDATED", "PAGE", "Updated page", 3, false},
	{"UPDATED", "DATA_SOURCE", "Updated DataSet", 3, false},
	{"UPDATED", "DATAFLOW_TYPE", "Updated DataFlow", 2, false},
	{"SHARED", "PAGE", "Shared page", 2, false},
	{"SHARED", "CARD", "Shared card", 2, false},
	{"CREATED", "CARD", "Created card", 2, false},
	{"CREATED", "ALERT", "Created alert", 1, false},
	{"DELETED", "CARD", "Deleted card", 1, false},
	{"DELETED", "PAGE", "Deleted page", 0.5, false},
	{"CREATED", "ACCESS_TOKEN", "Created access token", 0.3, true},
	{"CREATED", "PUBLIC_URL", "Created public embed link", 0.2, false},
	{"UPDATED", "GROUP", "Updated group", 0.5, true},
	{"UPDATED", "ROLE", "Updated role", 0.2, true},
	{"UPDATED", "USER", "Updated user", 0.3, true},
	{"VIEWED", "APP", "Viewed app", 1, false},
	{"LOGGED_IN", "USER", "Logged in", 8, false},
	{"LOGGED_OUT", "USER", "Logged out", 2, false},
	{"FAILED_LOGIN", "USER", "Failed login", 0.4, false},
}

const domoFailedLogin = 23 // index of FAILED_LOGIN in domoTemplates

// domoExtraObjectTypes are object types from the list in docs/vendors.md (and
// third-party enums) that the data never uses; objectTypes lists them too.
var domoExtraObjectTypes = []string{"ACCOUNT", "ACTIVITY_LOG", "BEAST_MODE_FORMULA", "COLLECTION", "PROJECT", "TASK", "VARIABLE"}

var domoCatalog = map[string][]string{
	"PAGE": {"Sales Overview", "Marketing Funnel", "Executive Summary", "Pipeline by Region", "Customer Health",
		"Finance KPIs", "Support Backlog", "Product Usage", "Hiring Dashboard", "Inventory Levels", "Web Traffic",
		"Quarterly Forecast", "Churn Watch", "Partner Performance", "Ops Daily"},
	"CARD": {"Revenue by Month", "Top 10 Accounts", "Win Rate", "Open Tickets by Priority", "Daily Active Users",
		"Gross Margin", "Lead Sources", "Net Promoter Score", "Cash Runway", "Bookings vs Target", "Average Deal Size",
		"SLA Breaches", "Headcount by Team", "Conversion Rate", "Stock Outs", "Page Views", "Forecast Accuracy",
		"Renewals Due", "Churned ARR", "Support CSAT"},
	"DATA_SOURCE": {"Salesforce Opportunities", "NetSuite GL", "Zendesk Tickets", "Google Analytics Sessions",
		"Snowflake - orders", "Workday Headcount", "HubSpot Contacts", "Marketo Leads", "Jira Issues", "Stripe Charges"},
	"DATAFLOW_TYPE": {"Orders ETL", "Pipeline Rollup", "Ticket Enrichment", "Headcount Join", "Revenue Recognition", "Lead Scoring"},
	"ALERT":         {"Revenue drop over 10%", "Ticket backlog high", "DAU below target", "Churn spike", "Cash below threshold"},
	"GROUP":         {"Sales", "Marketing", "Finance", "Support", "Engineering", "Executives"},
	"ROLE":          {"Admin", "Privileged", "Editor", "Participant", "Social"},
	"ACCESS_TOKEN":  {"ci-export", "grafana-audit", "backup-script", "etl-runner"},
	"PUBLIC_URL":    {"Sales Overview embed", "Status board embed", "Investor KPIs embed"},
	"APP":           {"Sales Cockpit", "Forecast Planner", "Approval Center"},
}

var domoTypeLabel = map[string]string{
	"PAGE": "Page", "CARD": "Card", "DATA_SOURCE": "DataSet", "DATAFLOW_TYPE": "DataFlow", "ALERT": "Alert",
	"GROUP": "Group", "ROLE": "Role", "ACCESS_TOKEN": "Access token", "PUBLIC_URL": "Public embed", "APP": "App", "USER": "User",
}

// aux bits of domo records.
const (
	domoHasComment = 1 << 0
	domoIPShift    = 1 // 2 bits: user IP variant
	domoUAShift    = 3 // 3 bits: user agent
	domoAttackBit  = 1 << 6
	domoAtkShift   = 7 // 5 bits: attacker IP
	domoProxied    = 1 << 12
)

type domoVendor struct {
	s        *Sim
	platform bool
	tmpls    weighted
	admins   []int
	victims  []int
}

func newDomoVendor(s *Sim, platform bool) *domoVendor {
	v := &domoVendor{s: s, platform: platform, tmpls: weightedBy(domoTemplates, func(t domoTmpl) float64 { return t.w }), admins: admins(s.users)}
	salt := uint64(1)
	if platform {
		salt = 2
	}
	v.victims = pickVictims(s, salt, 3)
	return v
}

// pickVictims chooses the few non-admin users a burst targets.
func pickVictims(s *Sim, salt uint64, n int) []int {
	rng := rand.New(rand.NewPCG(uint64(s.cfg.Seed), 0x71c7+salt))
	var out []int
	for len(out) < n {
		i := rng.IntN(len(s.users))
		if !s.users[i].Admin && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

func pickUser(rng *rand.Rand, s *Sim) int {
	return s.userPick.pick(rng)
}

func (v *domoVendor) fill(rng *rand.Rand, r *rec, burst bool) {
	if burst {
		u := v.victims[rng.IntN(len(v.victims))]
		r.user, r.tmpl, r.obj = uint16(u), domoFailedLogin, uint32(u+1)
		r.aux = domoHasComment | domoAttackBit | uint32(rng.IntN(len(attackerIPs)))<<domoAtkShift | uint32(4+rng.IntN(2))<<domoUAShift
		if !v.platform {
			r.aux = domoHasComment // the instance API shows no IP or agent
		}
		return
	}
	t := v.tmpls.pick(rng)
	u := pickUser(rng, v.s)
	if domoTemplates[t].admin && !v.s.users[u].Admin {
		u = v.admins[rng.IntN(len(v.admins))]
	}
	r.user, r.tmpl = uint16(u), uint8(t)
	tm := domoTemplates[t]
	switch {
	case tm.objType == "USER" && tm.action == "UPDATED":
		r.obj = uint32(rng.IntN(len(v.s.users)) + 1)
	case tm.objType == "USER":
		r.obj = uint32(u + 1)
	default:
		r.obj = uint32(rng.IntN(len(domoCatalog[tm.objType])) + 1)
	}
	ip := 0
	if rng.IntN(10) == 0 {
		ip = 1 + rng.IntN(3)
	}
	ua := int(v.s.users[u].Agent)
	if rng.IntN(12) == 0 {
		ua = rng.IntN(len(userAgents))
	}
	r.aux = uint32(ip)<<domoIPShift | uint32(ua)<<domoUAShift
	if rng.IntN(10) < 7 || tm.action == "FAILED_LOGIN" {
		r.aux |= domoHasComment
	}
	if v.platform && rng.IntN(50) == 0 && !v.s.users[u].Admin {
		r.aux |= domoProxied
	}
	if !v.platform {
		// The instance API shows neither IP nor agent: keep the record's
		// invisible parts canonical so that equal JSON means equal record.
		r.aux &= domoHasComment
		if r.aux&domoHasComment == 0 {
			r.obj = 0
		}
	}
}

// domoObject returns the object id and name of a record.
func (v *domoVendor) domoObject(r *rec) (id, name string) {
	tm := domoTemplates[r.tmpl]
	if r.obj == 0 {
		return "", ""
	}
	if tm.objType == "USER" {
		u := &v.s.users[r.obj-1]
		return u.DomoID, u.Name()
	}
	names := domoCatalog[tm.objType]
	name = names[(r.obj-1)%uint32(len(names))]
	h := mix(0xd0d0, uint64(len(tm.objType)), uint64(tm.objType[0]), uint64(tm.objType[len(tm.objType)-1]), uint64(r.obj))
	if tm.objType == "DATA_SOURCE" {
		return uuidOf(h, splitmix64(h)), name
	}
	return strconv.FormatUint(100_000_000+h%900_000_000, 10), name
}

func (v *domoVendor) ip(r *rec) string {
	if r.aux&domoAttackBit != 0 {
		return attackerIPs[(r.aux>>domoAtkShift)&31]
	}
	return v.s.users[r.user].IPs[(r.aux>>domoIPShift)&3]
}

func (v *domoVendor) comment(r *rec) string {
	if r.aux&domoHasComment == 0 {
		return ""
	}
	tm := domoTemplates[r.tmpl]
	switch tm.action {
	case "FAILED_LOGIN":
		return "Invalid username or password"
	case "LOGGED_IN", "LOGGED_OUT":
		if !v.platform {
			return "Session " + strings.ToLower(tm.text)
		}
		return "Web session"
	}
	id, name := v.domoObject(r)
	return domoTypeLabel[tm.objType] + ` "` + name + `" (` + id + `)`
}

func (v *domoVendor) device(r *rec) string {
	switch ua := (r.aux >> domoUAShift) & 7; {
	case ua == 3:
		return "Mobile"
	case ua >= 4:
		return "API"
	}
	return "Desktop"
}

func (v *domoVendor) appendTime(b []byte, us int64) []byte {
	if !v.platform {
		return strconv.AppendInt(b, us/1000, 10)
	}
	t := time.UnixMicro(us).UTC()
	switch v.s.cfg.PlatformTimeFormat {
	case PlatformTimeMs:
		return strconv.AppendInt(b, us/1000, 10)
	case PlatformTimeISO:
		b = append(b, '"')
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		return append(b, '"')
	}
	b = append(b, '"')
	b = t.AppendFormat(b, "2006-01-02 03:04:05 PM")
	return append(b, '"')
}

func (v *domoVendor) render(b []byte, r *rec) []byte {
	u := &v.s.users[r.user]
	tm := domoTemplates[r.tmpl]
	b = append(b, '{')
	if !v.platform {
		// Instance API: {userName, userId, userType, actionType, objectType,
		// additionalComment, time, eventText}.
		b = fieldStr(b, true, "userName", u.Name())
		b = fieldStr(b, false, "userId", u.DomoID)
		b = fieldStr(b, false, "userType", "USER")
		b = fieldStr(b, false, "actionType", tm.action)
		b = fieldStr(b, false, "objectType", tm.objType)
		b = fieldStr(b, false, "additionalComment", v.comment(r))
		b = append(b, `,"time":`...)
		b = v.appendTime(b, r.t)
		b = fieldStr(b, false, "eventText", tm.text)
		return append(b, '}')
	}
	// Platform API, fields in the documented (alphabetical) order.
	b = fieldStr(b, true, "actionType", tm.action)
	if r.aux&domoProxied != 0 {
		a := &v.s.users[v.admins[int(r.seq)%len(v.admins)]]
		id, _ := strconv.ParseInt(a.DomoID, 10, 64)
		b = fieldInt(b, false, "actorId", id)
		b = fieldStr(b, false, "actorName", a.Name())
	} else {
		// Guess: not proxied is actorId 0 and an empty actorName.
		b = fieldInt(b, false, "actorId", 0)
		b = fieldStr(b, false, "actorName", "")
	}
	b = fieldStr(b, false, "additionalComment", v.comment(r))
	b = fieldStr(b, false, "browserDetails", userAgents[(r.aux>>domoUAShift)&7])
	b = fieldStr(b, false, "device", v.device(r))
	b = fieldStr(b, false, "eventText", tm.text)
	b = fieldStr(b, false, "ipAddress", v.ip(r))
	id, name := v.domoObject(r)
	b = fieldStr(b, false, "objectId", id)
	b = fieldStr(b, false, "objectName", name)
	b = fieldStr(b, false, "objectType", tm.objType)
	b = append(b, `,"time":`...)
	b = v.appendTime(b, r.t)
	b = fieldStr(b, false, "userId", u.DomoID)
	b = fieldStr(b, false, "userName", u.Name())
	b = fieldStr(b, false, "userType", "USER")
	return append(b, '}')
}

func (v *domoVendor) event(r *rec, raw []byte) events.Event {
	u := &v.s.users[r.user]
	tm := domoTemplates[r.tmpl]
	e := events.Event{
		Time: time.UnixMicro(r.t).UTC(), User: u.Name(), UserID: u.DomoID,
		Action: tm.action, Event: tm.text, ObjectType: tm.objType, Raw: raw,
	}
	e.Message = v.comment(r)
	if e.Message == "" {
		e.Message = tm.text
	}
	if v.platform {
		e.ObjectID, e.ObjectName = v.domoObject(r)
		e.IPAddress = v.ip(r)
		e.UserAgent = userAgents[(r.aux>>domoUAShift)&7]
	} else {
		e.Scope = v.s.cfg.DomoInstance
	}
	return e
}

// ---- HTTP: domo instance API ----

// domoError writes Domo's error shape {status, statusReason, message, toe}
// ("path" is sometimes present: the instance API sends it, the platform API
// does not).
func (s *Sim) domoError(w http.ResponseWriter, r *http.Request, status int, msg string, withPath bool) {
	b := []byte(`{`)
	b = fieldInt(b, true, "status", int64(status))
	b = fieldStr(b, false, "statusReason", http.StatusText(status))
	if withPath {
		b = fieldStr(b, false, "path", r.URL.Path)
	}
	b = fieldStr(b, false, "message", msg)
	b = fieldStr(b, false, "toe", s.toe())
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Sim) domoAuth(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		s.domoError(w, r, http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported", true)
		return false
	}
	tok := r.Header.Get("X-DOMO-Developer-Token")
	if tok == "" {
		s.domoError(w, r, http.StatusUnauthorized, "Full authentication is required to access this resource", true)
		return false
	}
	if tok != s.cfg.DomoToken {
		s.domoError(w, r, http.StatusUnauthorized, "Invalid access token", true)
		return false
	}
	return true
}

// GET /api/audit/v1/user-audits?start=&end=&offset=&limit=&objectType=
func (s *Sim) domoAudits(w http.ResponseWriter, r *http.Request) {
	if !s.domoAuth(w, r) {
		return
	}
	q := r.URL.Query()
	var start, end int64
	for _, p := range []struct {
		name string
		v    *int64
	}{{"start", &start}, {"end", &end}} {
		n, ok, err := parseInt64Param(q.Get(p.name))
		if !ok {
			s.domoError(w, r, http.StatusBadRequest, "Required request parameter '"+p.name+"' for method parameter type Long is not present", true)
			return
		}
		if err != nil {
			s.domoError(w, r, http.StatusBadRequest, "Failed to convert value of type 'java.lang.String' to required type 'java.lang.Long'; For input string: \""+q.Get(p.name)+"\"", true)
			return
		}
		*p.v = n
	}
	offset, limit, ok := s.domoPaging(w, r, q.Get("offset"), q.Get("limit"), 300, true)
	if !ok {
		return
	}
	var types []string
	for _, t := range strings.Split(q.Get("objectType"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	var match func(*rec) bool
	if len(types) > 0 {
		match = func(x *rec) bool { return slices.Contains(types, domoTemplates[x.tmpl].objType) }
	}
	s.reading(r, pDomo, start*1000, end*1000, true)
	recs := s.sets[pDomo].load()
	a, b := span(recs, start*1000, end*1000)
	s.writeDomoArray(w, r, s.domo, recs, pageOf(recs, a, b, false, match, offset, limit))
}

// domoPaging reads offset and limit. Guess: a limit over 1000 is capped at
// 1000 by the instance API (no documented maximum) and refused by the
// platform API (documented max 1000); a limit below 1 or a negative offset
// is a 400 for both.
func (s *Sim) domoPaging(w http.ResponseWriter, r *http.Request, offV, limV string, defLimit int, capLimit bool) (offset, limit int, ok bool) {
	withPath := capLimit
	off, _, err := parseInt64Param(offV)
	if err != nil || off < 0 {
		s.domoError(w, r, http.StatusBadRequest, "offset must be a non-negative integer", withPath)
		return 0, 0, false
	}
	lim, present, err := parseInt64Param(limV)
	if !present {
		lim = int64(defLimit)
	}
	if err != nil || lim < 1 {
		s.domoError(w, r, http.StatusBadRequest, "limit must be a positive integer", withPath)
		return 0, 0, false
	}
	if lim > 1000 {
		if !capLimit {
			s.domoError(w, r, http.StatusBadRequest, "limit must be less than or equal to 1000", withPath)
			return 0, 0, false
		}
		lim = 1000
	}
	return int(min(off, 1<<40)), int(lim), true
}

func (s *Sim) writeDomoArray(w http.ResponseWriter, r *http.Request, v *domoVendor, recs []rec, idx []int) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	st := newStreamer(w, "[", "]")
	for _, i := range idx {
		st.add(func(b []byte) []byte { return v.render(b, &recs[i]) })
	}
	st.finish()
}

// GET /api/audit/v1/user-audits/objectTypes: every object type in the data
// plus a few more, sorted; strings by default, {"type": ...} objects in the
// DomoObjectTypesAsObjects variant.
func (s *Sim) domoObjectTypes(w http.ResponseWriter, r *http.Request) {
	if !s.domoAuth(w, r) {
		return
	}
	types := slices.Clone(domoExtraObjectTypes)
	for _, t := range domoTemplates {
		if !slices.Contains(types, t.objType) {
			types = append(types, t.objType)
		}
	}
	slices.Sort(types)
	b := []byte{'['}
	for i, t := range types {
		if i > 0 {
			b = append(b, ',')
		}
		if s.cfg.DomoObjectTypesAsObjects {
			b = append(b, '{')
			b = fieldStr(b, true, "type", t)
			b = append(b, '}')
		} else {
			b = appendStr(b, t)
		}
	}
	b = append(b, ']')
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

// GET /api/audit/v1/user-audits/objectTypes/{type}/eventTypes (undocumented,
// seen in third-party code): [{type, translation}].
func (s *Sim) domoEventTypes(w http.ResponseWriter, r *http.Request) {
	if !s.domoAuth(w, r) {
		return
	}
	typ := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/audit/v1/user-audits/objectTypes/"), "/eventTypes")
	b := []byte{'['}
	n := 0
	for _, t := range domoTemplates {
		if t.objType != typ {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '{')
		b = fieldStr(b, true, "type", t.action)
		b = fieldStr(b, false, "translation", t.text)
		b = append(b, '}')
	}
	b = append(b, ']')
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(b)
}

// ---- HTTP: domo platform API ----

type token struct {
	expires time.Time
	scopes  []string
	used    int // data requests served with it
}

// Guess: the scopes a client may ask for (Domo's documented platform scopes).
var domoScopes = []string{"account", "audit", "buzz", "data", "dashboard", "user", "workflow"}

// oauthError is Spring Security OAuth's error shape, which Domo's token
// endpoint is assumed to use (Guess: not documented).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	b := []byte{'{'}
	b = fieldStr(b, true, "error", code)
	b = fieldStr(b, false, "error_description", desc)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth2/client"`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// GET or POST /oauth/token?grant_type=client_credentials&scope=audit with
// Authorization: Basic base64(client_id:client_secret). Client id and secret
// as query or form fields are NOT accepted (nothing documents them).
func (s *Sim) platformToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		oauthError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Request method '"+r.Method+"' is not supported")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		oauthError(w, http.StatusUnauthorized, "unauthorized", "Full authentication is required to access this resource")
		return
	}
	if id != s.cfg.DomoPlatformClientID || secret != s.cfg.DomoPlatformClientSecret {
		oauthError(w, http.StatusUnauthorized, "unauthorized", "Bad credentials")
		return
	}
	switch gt := r.Form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing grant type")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+gt)
		return
	}
	scope := r.Form.Get("scope")
	scopes := strings.FieldsFunc(scope, func(c rune) bool { return c == ' ' || c == ',' })
	if len(scopes) == 0 {
		// Guess: no scope asked for grants the client's default, audit.
		scope, scopes = "audit", []string{"audit"}
	}
	for _, sc := range scopes {
		if !slices.Contains(domoScopes, sc) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "Invalid scope: "+sc)
			return
		}
	}
	n := s.seq.Add(1)
	h := mix(uint64(s.cfg.Seed), 0x70c3, n)
	tok := base64.RawURLEncoding.EncodeToString(appendHex(appendHex(nil, h, 16), splitmix64(h), 16))
	jti := uuidOf(splitmix64(h+1), splitmix64(h+2))
	s.mu.Lock()
	s.tokens[tok] = &token{expires: s.cfg.Now().Add(s.cfg.TokenTTL), scopes: scopes}
	s.mu.Unlock()
	admin := &s.users[0]
	uid, _ := strconv.ParseInt(admin.DomoID, 10, 64)
	b := []byte{'{'}
	b = fieldStr(b, true, "access_token", tok)
	b = fieldStr(b, false, "token_type", "bearer")
	b = fieldInt(b, false, "expires_in", int64(s.cfg.TokenTTL/time.Second))
	b = fieldStr(b, false, "scope", scope)
	b = fieldStr(b, false, "customer", s.cfg.DomoInstance)
	b = fieldStr(b, false, "role", "Admin")
	b = fieldInt(b, false, "userId", uid)
	b = fieldStr(b, false, "jti", jti)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// expireRequestToken makes the access token r carries expire now (each
// token expires on its own; Fault.ExpireToken).
func (s *Sim) expireRequestToken(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[bearerOf(r)]; t != nil {
		t.expires = time.Time{}
	}
}

// tokenUsed says whether the access token r carries has served a data
// request: chaos expires only those, as a token fresh from /oauth/token
// lasts its hour.
func (s *Sim) tokenUsed(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[bearerOf(r)]
	return t != nil && t.used > 0
}

func bearerOf(r *http.Request) string {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.TrimSpace(tok)
}

// GET /v1/audit?user=&start=&end=&limit=&offset= with Authorization: bearer
// <token> (the scheme in any case).
func (s *Sim) platformAudit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		s.domoError(w, r, http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported", false)
		return
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || strings.TrimSpace(tok) == "" {
		s.domoError(w, r, http.StatusUnauthorized, "Full authentication is required to access this resource", false)
		return
	}
	s.mu.Lock()
	t, known := s.tokens[strings.TrimSpace(tok)]
	var expired, scoped bool
	if known {
		expired = !s.cfg.Now().Before(t.expires)
		scoped = slices.Contains(t.scopes, "audit")
		if !expired && scoped {
			t.used++
		}
	}
	s.mu.Unlock()
	switch {
	case !known:
		s.domoError(w, r, http.StatusUnauthorized, "Invalid access token", false)
		return
	case expired:
		s.domoError(w, r, http.StatusUnauthorized, "Access token expired", false)
		return
	case !scoped:
		s.domoError(w, r, http.StatusForbidden, "Insufficient scope for this resource", false)
		return
	}
	q := r.URL.Query()
	start, ok, err := parseInt64Param(q.Get("start"))
	if !ok || err != nil {
		s.domoError(w, r, http.StatusBadRequest, "start is required and must be epoch milliseconds", false)
		return
	}
	end, ok, err := parseInt64Param(q.Get("end"))
	if err != nil {
		s.domoError(w, r, http.StatusBadRequest, "end must be epoch milliseconds", false)
		return
	}
	if !ok {
		end = s.cfg.Now().UnixMilli()
	}
	offset, limit, ok := s.domoPaging(w, r, q.Get("offset"), q.Get("limit"), 50, false)
	if !ok {
		return
	}
	var match func(*rec) bool
	if u := q.Get("user"); u != "" {
		match = func(x *rec) bool { return s.users[x.user].DomoID == u }
	}
	s.reading(r, pPlatform, start*1000, end*1000, true)
	recs := s.sets[pPlatform].load()
	a, b := span(recs, start*1000, end*1000)
	s.writeDomoArray(w, r, s.platform, recs, pageOf(recs, a, b, false, match, offset, limit))
}
