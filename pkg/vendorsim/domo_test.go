package vendorsim

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

const domoPath = "/api/audit/v1/user-audits"

func domoHdr() string { return "X-DOMO-Developer-Token: " + DomoToken }

type domoErr struct {
	Status       int    `json:"status"`
	StatusReason string `json:"statusReason"`
	Message      string `json:"message"`
	Toe          string `json:"toe"`
}

func checkDomoErr(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var e domoErr
	r.json(t, &e)
	if e.Status != status || e.StatusReason == "" || e.Message == "" || len(e.Toe) < 10 {
		t.Fatalf("not Domo's error shape: %s", r.body)
	}
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", r.header.Get("Content-Type"))
	}
}

func TestDomoAuth(t *testing.T) {
	_, srv := newServer(t, testConfig(200))
	u := srv.URL + domoPath + "?start=0&end=" + ms(testEnd)
	checkDomoErr(t, get(t, u), 401)
	checkDomoErr(t, get(t, u, "X-DOMO-Developer-Token: wrong"), 401)
	checkDomoErr(t, get(t, u, "Authorization: Bearer "+DomoToken), 401)
	checkDomoErr(t, get(t, srv.URL+domoPath+"/objectTypes"), 401)
	a, b := get(t, u), get(t, u)
	var ea, eb domoErr
	a.json(t, &ea)
	b.json(t, &eb)
	if ea.Toe == eb.Toe {
		t.Fatal("toe should differ per error")
	}
	if r := get(t, u, domoHdr()); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestDomoParams(t *testing.T) {
	s, srv := newServer(t, testConfig(3000))
	base := srv.URL + domoPath
	checkDomoErr(t, get(t, base+"?end=1", domoHdr()), 400)
	checkDomoErr(t, get(t, base+"?start=1", domoHdr()), 400)
	checkDomoErr(t, get(t, base+"?start=yesterday&end=1", domoHdr()), 400)
	checkDomoErr(t, get(t, base+"?start=0&end=1&limit=-1", domoHdr()), 400)
	checkDomoErr(t, get(t, base+"?start=0&end=1&offset=x", domoHdr()), 400)

	all := "?start=" + ms(testStart) + "&end=" + ms(testEnd)
	// Default limit 300; more than 1000 is capped at 1000.
	if n := len(rawsOf(t, get(t, base+all, domoHdr()).body)); n != 300 {
		t.Fatalf("default limit: %d", n)
	}
	if n := len(rawsOf(t, get(t, base+all+"&limit=5000", domoHdr()).body)); n != 1000 {
		t.Fatalf("limit 5000: %d records", n)
	}
	// start and end are inclusive.
	truth := s.Truth(events.Domo)
	e := truth[100]
	got := rawsOf(t, get(t, base+"?start="+ms(e.Time)+"&end="+ms(e.Time), domoHdr()).body)
	if !slices.ContainsFunc(got, func(r json.RawMessage) bool { return string(r) == string(e.Raw) }) {
		t.Fatal("start = end = an event's time must return it")
	}
	// objectType filter (comma-separated).
	r := get(t, base+all+"&limit=1000&objectType=CARD,ALERT", domoHdr())
	for _, raw := range rawsOf(t, r.body) {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if m["objectType"] != "CARD" && m["objectType"] != "ALERT" {
			t.Fatalf("objectType filter let through %s", raw)
		}
	}
}

func TestDomoPagingReturnsTheTruth(t *testing.T) {
	s, srv := newServer(t, testConfig(3000))
	base := srv.URL + domoPath + "?start=" + ms(testStart) + "&end=" + ms(testEnd.Add(-time.Millisecond))
	got, n := pageAll(t, base, 1000, domoHdr())
	checkSame(t, "domo", got, s.Truth(events.Domo))
	if n != 4 {
		t.Fatalf("%d requests for 3000 events at 1000 a page", n)
	}
	// A filtered read pages to the filtered truth.
	var want []events.Event
	for _, e := range s.Truth(events.Domo) {
		if e.ObjectType == "PAGE" {
			want = append(want, e)
		}
	}
	got, _ = pageAll(t, base+"&objectType=PAGE", 300, domoHdr())
	checkSame(t, "domo objectType=PAGE", got, want)
}

func TestDomoObjectTypes(t *testing.T) {
	for _, asObjects := range []bool{false, true} {
		cfg := testConfig(500)
		cfg.DomoObjectTypesAsObjects = asObjects
		s, srv := newServer(t, cfg)
		r := get(t, srv.URL+domoPath+"/objectTypes", domoHdr())
		if r.status != 200 {
			t.Fatal(r.status)
		}
		var types []string
		if asObjects {
			var objs []map[string]string
			r.json(t, &objs)
			for _, o := range objs {
				types = append(types, o["type"])
			}
		} else {
			r.json(t, &types)
		}
		for _, e := range s.Truth(events.Domo) {
			if !slices.Contains(types, e.ObjectType) {
				t.Fatalf("objectTypes lacks %s (objects=%v)", e.ObjectType, asObjects)
			}
		}
		if !slices.Contains(types, "ACCOUNT") || !slices.Contains(types, "DATAFLOW_TYPE") {
			t.Fatalf("objectTypes should list more than the data's: %v", types)
		}
	}
	_, srv := newServer(t, testConfig(100))
	var et []map[string]string
	get(t, srv.URL+domoPath+"/objectTypes/PAGE/eventTypes", domoHdr()).json(t, &et)
	if len(et) == 0 || et[0]["type"] != "VIEWED" || et[0]["translation"] != "Viewed page" {
		t.Fatalf("eventTypes %v", et)
	}
}

// ---- domo-platform ----

func basic(id, secret string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func platformToken(t *testing.T, base string) string {
	t.Helper()
	r := get(t, base+"/oauth/token?grant_type=client_credentials&scope=audit", basic(DomoPlatformClientID, DomoPlatformClientSecret))
	var tok map[string]any
	r.json(t, &tok)
	if r.status != 200 || tok["access_token"] == "" {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	return tok["access_token"].(string)
}

func TestPlatformToken(t *testing.T) {
	_, srv := newServer(t, testConfig(100))
	// GET with query parameters.
	r := get(t, srv.URL+"/oauth/token?grant_type=client_credentials&scope=audit", basic(DomoPlatformClientID, DomoPlatformClientSecret))
	var tok map[string]any
	r.json(t, &tok)
	for _, k := range []string{"access_token", "token_type", "expires_in", "scope", "customer", "role", "userId", "jti"} {
		if _, ok := tok[k]; !ok {
			t.Fatalf("token response lacks %s: %s", k, r.body)
		}
	}
	if tok["token_type"] != "bearer" || tok["expires_in"] != 3599.0 || tok["scope"] != "audit" || tok["customer"] != "acme" {
		t.Fatalf("token %s", r.body)
	}
	// POST form with Basic credentials (Domo's Java SDK).
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"audit"}}
	r = do(t, "POST", srv.URL+"/oauth/token", strings.NewReader(form.Encode()),
		"Content-Type: application/x-www-form-urlencoded", basic(DomoPlatformClientID, DomoPlatformClientSecret))
	if r.status != 200 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	// Client id and secret as form or query fields are not accepted.
	form.Set("client_id", DomoPlatformClientID)
	form.Set("client_secret", DomoPlatformClientSecret)
	r = do(t, "POST", srv.URL+"/oauth/token", strings.NewReader(form.Encode()), "Content-Type: application/x-www-form-urlencoded")
	if r.status != 401 {
		t.Fatalf("form credentials: %d", r.status)
	}
	if r = get(t, srv.URL+"/oauth/token?"+form.Encode()); r.status != 401 {
		t.Fatalf("query credentials: %d", r.status)
	}
	if r = get(t, srv.URL+"/oauth/token?grant_type=client_credentials", basic(DomoPlatformClientID, "wrong")); r.status != 401 {
		t.Fatalf("wrong secret: %d", r.status)
	}
	if r = get(t, srv.URL+"/oauth/token?grant_type=password", basic(DomoPlatformClientID, DomoPlatformClientSecret)); r.status != 400 {
		t.Fatalf("grant type: %d", r.status)
	}
	// Scopes: comma or space separated.
	if r = get(t, srv.URL+"/oauth/token?grant_type=client_credentials&scope=audit,data", basic(DomoPlatformClientID, DomoPlatformClientSecret)); r.status != 200 {
		t.Fatalf("scope list: %d", r.status)
	}
}

func TestPlatformAuthAndExpiry(t *testing.T) {
	cfg := testConfig(300)
	var now atomic.Int64
	now.Store(testEnd.UnixNano())
	cfg.Now = func() time.Time { return time.Unix(0, now.Load()).UTC() }
	setNow := func(t time.Time) { now.Store(t.UnixNano()) }
	s, srv := newServer(t, cfg)
	u := srv.URL + "/v1/audit?start=" + ms(testStart)
	checkDomoErr(t, get(t, u), 401)
	checkDomoErr(t, get(t, u, "Authorization: bearer nonsense"), 401)
	checkDomoErr(t, get(t, u, "X-DOMO-Developer-Token: "+DomoToken), 401)
	tok := platformToken(t, srv.URL)
	for _, scheme := range []string{"bearer", "Bearer", "BEARER"} {
		if r := get(t, u, "Authorization: "+scheme+" "+tok); r.status != 200 {
			t.Fatalf("%s: %d %s", scheme, r.status, r.body)
		}
	}
	// Tokens expire after TokenTTL...
	setNow(testEnd.Add(3599 * time.Second))
	checkDomoErr(t, get(t, u, "Authorization: bearer "+tok), 401)
	// ...and on demand.
	tok = platformToken(t, srv.URL)
	if r := get(t, u, "Authorization: bearer "+tok); r.status != 200 {
		t.Fatal(r.status)
	}
	s.ExpireTokens()
	checkDomoErr(t, get(t, u, "Authorization: bearer "+tok), 401)
	// A token without the audit scope is refused.
	r := get(t, srv.URL+"/oauth/token?grant_type=client_credentials&scope=data", basic(DomoPlatformClientID, DomoPlatformClientSecret))
	var dt map[string]any
	r.json(t, &dt)
	checkDomoErr(t, get(t, u, "Authorization: bearer "+dt["access_token"].(string)), 403)
}

func TestPlatformParamsAndPaging(t *testing.T) {
	s, srv := newServer(t, testConfig(2500))
	tok := "Authorization: bearer " + platformToken(t, srv.URL)
	base := srv.URL + "/v1/audit"
	checkDomoErr(t, get(t, base+"?end=1", tok), 400)
	checkDomoErr(t, get(t, base+"?start=x", tok), 400)
	checkDomoErr(t, get(t, base+"?start=0&limit=1001", tok), 400)
	checkDomoErr(t, get(t, base+"?start=0&limit=0", tok), 400)
	// Default limit 50; end defaults to now.
	if n := len(rawsOf(t, get(t, base+"?start=0", tok).body)); n != 50 {
		t.Fatalf("default limit: %d", n)
	}
	got, _ := pageAll(t, base+"?start="+ms(testStart)+"&end="+ms(testEnd), 1000, tok)
	checkSame(t, "domo-platform", got, s.Truth(events.DomoPlatform))
	// user filter.
	uid := s.Truth(events.DomoPlatform)[0].UserID
	var want []events.Event
	for _, e := range s.Truth(events.DomoPlatform) {
		if e.UserID == uid {
			want = append(want, e)
		}
	}
	got, _ = pageAll(t, base+"?start="+ms(testStart)+"&user="+uid, 1000, tok)
	checkSame(t, "domo-platform user="+uid, got, want)
}

func TestPlatformTimeFormats(t *testing.T) {
	for _, f := range []string{PlatformTime12h, PlatformTimeMs, PlatformTimeISO} {
		cfg := testConfig(400)
		cfg.PlatformTimeFormat = f
		s, srv := newServer(t, cfg)
		tok := "Authorization: bearer " + platformToken(t, srv.URL)
		got, _ := pageAll(t, srv.URL+"/v1/audit?start="+ms(testStart), 1000, tok)
		truth := s.Truth(events.DomoPlatform)
		checkSame(t, f, got, truth)
		var m map[string]any
		_ = json.Unmarshal(got[0], &m)
		switch tv := m["time"].(type) {
		case float64:
			if f != PlatformTimeMs {
				t.Fatalf("%s: number", f)
			}
		case string:
			layout := "2006-01-02 03:04:05 PM"
			if f == PlatformTimeISO {
				layout = time.RFC3339Nano
			} else if f != PlatformTime12h {
				t.Fatalf("%s: string %q", f, tv)
			}
			tt, err := time.Parse(layout, tv)
			if err != nil || !tt.Equal(truth[0].Time) {
				t.Fatalf("%s: %q reads as %s, truth %s", f, tv, tt, truth[0].Time)
			}
		}
		for i := range got {
			if e := readBack(t, events.DomoPlatform, got[i], s.Config()); !sameEvent(e, truth[i]) {
				t.Fatalf("%s: record %d reads back differently", f, i)
			}
		}
	}
}
