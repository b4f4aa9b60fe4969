package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

var everything = Request{Window: Window{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)}}

func mustNew(t *testing.T, id string, ps models.ProviderSettings) Provider {
	t.Helper()
	ps.Enabled = true
	if ps.Secret == "" {
		ps.Secret = "s3cret-value"
	}
	p, err := New(id, ps, http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func page(t *testing.T, p Provider, file string, r Request) Page {
	t.Helper()
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := p.ParsePage(body, r, "")
	if err != nil {
		t.Fatal(err)
	}
	return pg
}

func TestDomoRecordsMapOntoTheNormalisedEvent(t *testing.T) {
	p := mustNew(t, events.Domo, models.ProviderSettings{Instance: "acme"})
	if got := p.BaseURL().String(); got != "https://acme.domo.com" {
		t.Fatalf("base URL %s", got)
	}
	pg := page(t, p, "domo_page.json", everything)
	if len(pg.Events) != 2 || pg.Records != 2 || pg.Next != "" {
		t.Fatalf("page: %d events, %d records, next %q", len(pg.Events), pg.Records, pg.Next)
	}
	a, b := pg.Events[0], pg.Events[1]
	if a.User != "Ana Silva" || a.UserID != "1842" || a.Action != "VIEWED" || a.Event != "Viewed page" || a.ObjectType != "PAGE" ||
		a.Scope != "acme" || a.Message != "Viewed page" || a.Time.UnixMilli() != 1700000000123 {
		t.Fatalf("first event: %+v", a)
	}
	if b.Message != "Exported card Sales by region to CSV" {
		t.Fatalf("additionalComment should be the message: %q", b.Message)
	}
	if a.Key != "" || b.Key != "" {
		t.Fatal("Domo records have no id: identical ones are distinct events, not keyed alike")
	}
}

func TestDomoRequestParametersAndPaging(t *testing.T) {
	p := mustNew(t, events.Domo, models.ProviderSettings{Instance: "acme"})
	r := Request{Window: Window{From: time.UnixMilli(1000), To: time.UnixMilli(5000)}, Filter: events.Filter{ObjectTypes: []string{"PAGE", "CARD"}}}
	req, err := p.NewRequest(context.Background(), r, "2000")
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	if req.URL.Path != "/api/audit/v1/user-audits" || q.Get("start") != "1000" || q.Get("end") != "5001" ||
		q.Get("offset") != "2000" || q.Get("limit") != "1000" || q.Get("objectType") != "PAGE,CARD" {
		t.Fatalf("request %s", req.URL)
	}
	if req.Header.Get("X-DOMO-Developer-Token") != "s3cret-value" {
		t.Fatal("token header missing")
	}
	if next := nextOffset("2000", 1000, 1000); next != "3000" {
		t.Fatalf("a full page continues at the next offset, got %q", next)
	}
	if next := nextOffset("2000", 999, 1000); next != "" {
		t.Fatalf("a short page ends paging, got %q", next)
	}
}

func TestDomoObjectTypesAcceptStringsAndObjects(t *testing.T) {
	for _, body := range []string{`["PAGE","CARD"]`, `[{"type":"PAGE","translation":"Page"},{"type":"CARD"}]`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/api/audit/v1/user-audits/objectTypes" || r.Header.Get("X-DOMO-Developer-Token") == "" {
				w.WriteHeader(404)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		p := mustNew(t, events.Domo, models.ProviderSettings{Instance: "acme", URL: srv.URL})
		got, err := p.(ObjectTyper).ObjectTypes(context.Background(), srv.Client())
		srv.Close()
		if err != nil || strings.Join(got, ",") != "PAGE,CARD" {
			t.Fatalf("%s: got %v, %v", body, got, err)
		}
	}
}

func TestDomoPlatformTimeVariants(t *testing.T) {
	p := mustNew(t, events.DomoPlatform, models.ProviderSettings{ClientID: "id"})
	pg := page(t, p, "domo_platform_page.json", everything)
	want := time.Date(2017, 12, 13, 22, 57, 35, 0, time.UTC)
	for i, e := range pg.Events {
		if !e.Time.Equal(want) {
			t.Errorf("record %d: time %s, want %s (12-hour string, epoch ms and ISO must agree)", i, e.Time, want)
		}
	}
	e := pg.Events[0]
	if e.IPAddress != "10.1.2.3" || e.UserAgent != "Mozilla/5.0" || e.ObjectID != "1907" || e.ObjectName != "Ben Okafor" || e.Message != "Changed role to Admin" {
		t.Fatalf("platform fields: %+v", e)
	}
	if pg.Events[2].UserID != "1842" {
		t.Fatalf("numeric userId should become a string, got %q", pg.Events[2].UserID)
	}
}

func TestDomoPlatformTokenIsCachedAndRefreshedOn401(t *testing.T) {
	var tokens int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth/token":
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("id:s3cret-value"))
			if r.Header.Get("Authorization") != want || r.URL.Query().Get("grant_type") != "client_credentials" || r.URL.Query().Get("scope") != "audit" {
				w.WriteHeader(401)
				return
			}
			n := atomic.AddInt32(&tokens, 1)
			_, _ = w.Write([]byte(`{"access_token":"tok` + string(rune('0'+n)) + `","token_type":"bearer","expires_in":3599,"scope":"audit,data"}`))
		case "/v1/audit":
			_, _ = w.Write([]byte(`[]`))
		}
	}))
	defer srv.Close()
	p := mustNew(t, events.DomoPlatform, models.ProviderSettings{ClientID: "id", URL: srv.URL})
	for i := 0; i < 3; i++ {
		req, err := p.NewRequest(context.Background(), everything, "")
		if err != nil {
			t.Fatal(err)
		}
		if req.Header.Get("Authorization") != "bearer tok1" {
			t.Fatalf("request %d: %s", i, req.Header.Get("Authorization"))
		}
	}
	refused, _ := p.NewRequest(context.Background(), everything, "")
	p.(TokenRefresher).Invalidate(refused)
	req, _ := p.NewRequest(context.Background(), everything, "")
	if req.Header.Get("Authorization") != "bearer tok2" || tokens != 2 {
		t.Fatalf("after invalidation: %s, %d token requests", req.Header.Get("Authorization"), tokens)
	}
	// Another request sent with the old token is refused too: the new
	// token stays.
	p.(TokenRefresher).Invalidate(refused)
	if req, _ = p.NewRequest(context.Background(), everything, ""); req.Header.Get("Authorization") != "bearer tok2" || tokens != 2 {
		t.Fatalf("a second 401 for the old token: %s, %d token requests", req.Header.Get("Authorization"), tokens)
	}
}

func TestDomoPlatformPushesDownOneNumericUser(t *testing.T) {
	p := mustNew(t, events.DomoPlatform, models.ProviderSettings{ClientID: "id"})
	if f := p.Pushdown(Request{Filter: events.Filter{Users: []string{"1842"}}}); len(f.Users) != 1 {
		t.Fatal("one numeric user id should be pushed down")
	}
	if f := p.Pushdown(Request{Filter: events.Filter{Users: []string{"Ana Silva"}}}); len(f.Users) != 0 {
		t.Fatal("a user name cannot be pushed down to the user-id parameter")
	}
}

func TestDominoRecordsAndMessages(t *testing.T) {
	p := mustNew(t, events.Domino, models.ProviderSettings{URL: "https://domino.example.com", AuthType: models.AuthBearer})
	pg := page(t, p, "domino_page.json", everything)
	if len(pg.Events) != 3 {
		t.Fatalf("%d events", len(pg.Events))
	}
	a := pg.Events[0]
	if a.Message != `Change User Role In Project user "akim" (role: Contributor -> Owner) in project "churn-model"` {
		t.Fatalf("message %q", a.Message)
	}
	if a.User != "jwilson" || a.UserID != "u1" || a.ObjectType != "user" || a.ObjectID != "u2" || a.ObjectName != "akim" || a.Scope != "churn-model" || a.Key != "e-1" {
		t.Fatalf("event %+v", a)
	}
	if m := pg.Events[1].Message; m != `Add Grant For Dataset dataset "claims" (grants: +akim -bob) in project "churn-model"` {
		t.Fatalf("message %q", m)
	}
	if pg.Events[1].Key != "" || pg.Events[2].Message != `Download Files in project "fraud"` {
		t.Fatalf("a record without an id has no key; message: %+v", pg.Events[2])
	}
	// A bare array is accepted as well.
	bare, err := p.ParsePage([]byte(`[{"id":"x","timestamp":1700000000000,"actor":{"name":"a"},"action":{"eventName":"Create Dataset"}}]`), everything, "")
	if err != nil || len(bare.Events) != 1 {
		t.Fatalf("bare array: %v", err)
	}
	// The project option filters in the engine too.
	r := everything
	r.Options.Project = "fraud"
	if pg := page(t, p, "domino_page.json", r); len(pg.Events) != 1 || pg.Records != 3 {
		t.Fatalf("project filter: %d events of %d records", len(pg.Events), pg.Records)
	}
}

func TestDominoAuthHeaders(t *testing.T) {
	for _, c := range []struct{ auth, header, want string }{
		{models.AuthBearer, "Authorization", "Bearer s3cret-value"},
		{models.AuthAPIKey, "X-Domino-Api-Key", "s3cret-value"},
	} {
		p := mustNew(t, events.Domino, models.ProviderSettings{URL: "https://domino.example.com/", AuthType: c.auth})
		r := everything
		r.Filter = events.Filter{Events: []string{"Create Dataset"}, ObjectTypes: []string{"dataset", "project"}}
		req, _ := p.NewRequest(context.Background(), r, "")
		q := req.URL.Query()
		if req.Header.Get(c.header) != c.want || q.Get("sort") != "-timestamp" || q.Get("event") != "Create Dataset" || q.Has("targetType") {
			t.Fatalf("%s: %s %v", c.auth, req.URL, req.Header)
		}
	}
}

func TestDatafoldRecordsAndGetBody(t *testing.T) {
	p := mustNew(t, events.Datafold, models.ProviderSettings{})
	if p.BaseURL().String() != "https://app.datafold.com" {
		t.Fatalf("default host %s", p.BaseURL())
	}
	pg := page(t, p, "datafold_page.json", everything)
	a, b, c := pg.Events[0], pg.Events[1], pg.Events[2]
	if a.Event != "login_failed" || a.Email != "ana@example.com" || a.UserID != "42" || a.IPAddress != "203.0.113.7" || a.Status != "failure" ||
		a.Message != "Failed login for ana@example.com" || a.Key != "9b1c" || a.Time.Nanosecond() != 123456000 {
		t.Fatalf("first: %+v", a)
	}
	if b.Event != "GET /api/v1/datasets/12" || b.Message != b.Event || b.ObjectID != "12" || b.Time.Nanosecond() != 500000000 {
		t.Fatalf("no-action record: %+v", b)
	}
	if c.Time != time.Date(2024, 5, 1, 9, 59, 58, 0, time.UTC) || c.User != "" {
		t.Fatalf("offset time / null user: %+v", c)
	}
	req, _ := p.NewRequest(context.Background(), Request{Window: Window{From: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 1, 1, 0, 0, 0, time.UTC)}}, "")
	body, _ := req.GetBody()
	buf := new(strings.Builder)
	_, _ = copyBody(buf, body)
	if req.Method != "GET" || req.Header.Get("Authorization") != "Key s3cret-value" ||
		buf.String() != `{"end_date":"2024-05-01T01:00:01Z","start_date":"2024-05-01T00:00:00Z"}` {
		t.Fatalf("request %s %s %q", req.Method, req.Header.Get("Authorization"), buf.String())
	}
}

func TestThousandEyesRecordsAndLinks(t *testing.T) {
	p := mustNew(t, events.ThousandEyes, models.ProviderSettings{AccountGroupID: "1234"})
	pg := page(t, p, "thousandeyes_page.json", everything)
	a, b := pg.Events[0], pg.Events[1]
	if a.User != "Ana Silva" || a.Email != "ana@example.com" || a.UserID != "77" || a.Event != "Login failed." || a.Scope != "Acme Ops" || a.Message != "Login failed." || a.ObjectType != "" {
		t.Fatalf("first: %+v", a)
	}
	if b.ObjectType != "testName" || b.ObjectName != "HTTP check" || b.Message != "Test created. testName: HTTP check; agentName: Paris" {
		t.Fatalf("resources: %+v", b)
	}
	if pg.Next != "https://api.thousandeyes.com/v7/audit-user-events?cursor=abc" {
		t.Fatalf("next %q", pg.Next)
	}
	// A next link on another host is refused: the token must not go there.
	foreign := strings.Replace(readFile(t, "thousandeyes_page.json"), "https://api.thousandeyes.com/v7/audit-user-events?cursor", "https://evil.example.com/v7/audit-user-events?cursor", 1)
	if _, err := p.ParsePage([]byte(foreign), everything, ""); err == nil || !strings.Contains(err.Error(), "evil.example.com") {
		t.Fatalf("foreign next link: %v", err)
	}
	req, _ := p.NewRequest(context.Background(), Request{Window: Window{From: time.Date(2020, 7, 17, 0, 0, 0, 500, time.UTC), To: time.Date(2020, 7, 18, 0, 0, 0, 0, time.UTC)}}, "")
	q := req.URL.Query()
	if q.Get("aid") != "1234" || q.Get("startDate") != "2020-07-17T00:00:00Z" || q.Get("endDate") != "2020-07-18T00:00:01Z" || q.Has("window") {
		t.Fatalf("request %s", req.URL)
	}
	all, _ := p.NewRequest(context.Background(), Request{Window: everything.Window, Options: models.QueryOptions{AllAccountGroups: true}}, "")
	if all.URL.Query().Get("useAllPermittedAids") != "true" || all.URL.Query().Has("aid") {
		t.Fatalf("all account groups: %s", all.URL)
	}
	next, _ := p.NewRequest(context.Background(), everything, pg.Next)
	if next.URL.String() != pg.Next || next.Header.Get("Authorization") != "Bearer s3cret-value" {
		t.Fatalf("the next href must be used verbatim: %s", next.URL)
	}
}

func TestEventsOutsideTheWindowAreClipped(t *testing.T) {
	p := mustNew(t, events.ThousandEyes, models.ProviderSettings{})
	r := Request{Window: Window{From: time.Date(2020, 7, 17, 22, 0, 51, 0, time.UTC), To: time.Date(2020, 7, 17, 22, 0, 54, 0, time.UTC)}}
	pg := page(t, p, "thousandeyes_page.json", r)
	if len(pg.Events) != 0 || pg.Records != 2 {
		t.Fatalf("the end is exclusive and the start inclusive: %d events", len(pg.Events))
	}
}

func TestParseTimeFormats(t *testing.T) {
	want := time.Date(2017, 12, 13, 22, 57, 35, 0, time.UTC)
	for _, s := range []string{"2017-12-13 10:57:35 PM", "2017-12-13T22:57:35Z", "2017-12-13T23:57:35+01:00", "2017-12-13T22:57:35", "1513205855000", "2017-12-13 22:57:35"} {
		got, err := ParseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %s %v", s, got, err)
		}
	}
	if _, err := ParseTime("yesterday"); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("bad time: %v", err)
	}
}

func TestMissingSettingsGiveActionableErrors(t *testing.T) {
	for _, c := range []struct {
		id   string
		ps   models.ProviderSettings
		want string
	}{
		{events.Domo, models.ProviderSettings{Secret: "x"}, "instance name is missing"},
		{events.Domo, models.ProviderSettings{Secret: "x", Instance: "acme.domo.com"}, "only the name"},
		{events.DomoPlatform, models.ProviderSettings{Secret: "x"}, "client id is missing"},
		{events.Domino, models.ProviderSettings{Secret: "x"}, "Domino URL is missing"},
		{events.Datafold, models.ProviderSettings{}, "API key is missing"},
		{events.ThousandEyes, models.ProviderSettings{Secret: "x", URL: "http://u:p@h"}, "user name or password"},
	} {
		_, err := New(c.id, c.ps, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), c.id+":") {
			t.Errorf("%s: want %q, got %v", c.id, c.want, err)
		}
	}
}

func TestBadPagesGiveClearErrors(t *testing.T) {
	cases := []struct {
		id, body, want string
	}{
		{events.Domo, `[{"userName":"a","time":1700000000000},{"userName":"b","ti`, "not valid JSON"},
		{events.Domo, `[{"userName":"a","time":1700000000000}, 5]`, "record 1: is not a JSON object"},
		{events.Domo, `[{"userName":"a"}]`, "record 0: has no time"},
		{events.Domo, `[{"userName":"a","time":"yesterday"}]`, `record 0: time "yesterday" is in an unknown format`},
		{events.Domino, `{"events":{"a":1}}`, `"events" in the response is not a list`},
		{events.Datafold, `{"detail":"oops"}`, `no "logs" list`},
		{events.Datafold, `<html><body>502</body></html>`, "not JSON"},
		{events.ThousandEyes, ``, "empty"},
	}
	for _, c := range cases {
		p := mustNew(t, c.id, map[string]models.ProviderSettings{
			events.Domo: {Instance: "acme"}, events.Domino: {URL: "https://d.example.com", AuthType: models.AuthBearer},
			events.Datafold: {}, events.ThousandEyes: {}}[c.id])
		_, err := p.ParsePage([]byte(c.body), everything, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: want an error containing %q, got %v", c.id, c.body, c.want, err)
		}
	}
}

func TestUnknownFieldsAreIgnored(t *testing.T) {
	p := mustNew(t, events.Domo, models.ProviderSettings{Instance: "acme"})
	pg, err := p.ParsePage([]byte(`[{"userName":"a","time":1700000000000,"newField":{"deep":[1,{"x":null}]},"actorType":"USER"}]`), everything, "")
	if err != nil || len(pg.Events) != 1 || pg.Events[0].User != "a" {
		t.Fatalf("%v %+v", err, pg)
	}
}

// Strings without escapes are read from the page's bytes; escapes in
// values and in field names are decoded, before or after plain records.
func TestValuesAndFieldNamesDecodeEscapes(t *testing.T) {
	p := mustNew(t, events.Domo, models.ProviderSettings{Instance: "acme"})
	body := []byte(`[
	 {"userName":"Ana Silva","eventText":"Café","time":1793404800003},
	 {"userName":"Ana \"A\" Silva","eventText":"Caf\u00e9","time":1793404800002},
	 {"user\u004eame":"Ana Silva","eventText":"Caf\u00e9 \\ bar","time":1793404800001}]`)
	pg, err := p.ParsePage(body, everything, "")
	if err != nil || len(pg.Events) != 3 {
		t.Fatalf("%v, %d events", err, len(pg.Events))
	}
	got := []string{pg.Events[0].User, pg.Events[0].Event, pg.Events[1].User, pg.Events[1].Event, pg.Events[2].User, pg.Events[2].Event}
	want := []string{"Ana Silva", "Café", `Ana "A" Silva`, "Café", "Ana Silva", `Café \ bar`}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i, e := range pg.Events {
		if !json.Valid(e.Raw) || e.Raw[0] != '{' || e.Raw[len(e.Raw)-1] != '}' {
			t.Fatalf("event %d: raw %q is not its record", i, e.Raw)
		}
	}
}
