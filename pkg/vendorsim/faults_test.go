package vendorsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
)

// What each fault looks like on the wire (the engine's behaviour against
// them is tested in pkg/plugin, TestEngineAgainstEachFault and TestChaos).

func domoURL(base string, from, to time.Time, offset, limit int) string {
	return base + domoPath + "?start=" + ms(from) + "&end=" + ms(to) + "&offset=" + itoa(offset) + "&limit=" + itoa(limit)
}

func TestFaultErrorsAreInEachVendorsShape(t *testing.T) {
	s, srv := newServer(t, testConfig(200))
	tok := platformToken(t, srv.URL)
	reqs := map[string]func() resp{
		events.Domo:         func() resp { return get(t, domoURL(srv.URL, testStart, testEnd, 0, 10), domoHdr()) },
		events.DomoPlatform: func() resp { return get(t, srv.URL+"/v1/audit?start=0", "Authorization: bearer "+tok) },
		events.Domino:       func() resp { return get(t, srv.URL+dominoPath, dominoHdr()) },
		events.Datafold:     func() resp { return datafoldGet(t, srv.URL, "", datafoldHdr()) },
		events.ThousandEyes: func() resp { return get(t, srv.URL+tePath+"?window=1h", teHdr()) },
	}
	want := map[string][]string{ // fields of the vendor's error body, and its content type
		events.Domo:         {"application/json", "status", "statusReason", "path", "message", "toe"},
		events.DomoPlatform: {"application/json", "status", "statusReason", "message", "toe"},
		events.Domino:       {"application/json", "message"},
		events.Datafold:     {"application/json", "detail"},
		events.ThousandEyes: {"application/problem+json", "type", "title", "status", "detail", "instance"},
	}
	for id, get := range reqs {
		s.InjectFaults(id, Fault{Status: 429, RetryAfter: "3", Header: http.Header{"X-Request-Id": {"r1"}}})
		r := get()
		var body map[string]any
		r.json(t, &body)
		if r.status != 429 || r.header.Get("Retry-After") != "3" || r.header.Get("X-Request-Id") != "r1" ||
			!strings.HasPrefix(r.header.Get("Content-Type"), want[id][0]) || len(body) != len(want[id])-1 {
			t.Errorf("%s: %d %v %s", id, r.status, r.header, r.body)
		}
		for _, k := range want[id][1:] {
			if body[k] == nil || body[k] == "" {
				t.Errorf("%s: the error body lacks %q: %s", id, k, r.body)
			}
		}
		if r := get(); r.status != 200 {
			t.Errorf("%s: the fault was not used up: %d", id, r.status)
		}
	}
	// ThousandEyes' own rate-limit headers, on the simulator's clock.
	s.InjectFaults(events.ThousandEyes, Fault{Status: 429, RateLimitReset: true})
	r := reqs[events.ThousandEyes]()
	if r.header.Get("X-Organization-Rate-Limit-Reset") != strconv.FormatInt(testEnd.Add(time.Minute).Unix(), 10) ||
		r.header.Get("X-Organization-Rate-Limit-Remaining") != "0" || r.header.Get("Retry-After") != "" {
		t.Fatalf("rate-limit headers %v", r.header)
	}
	if d := r.header.Get("Date"); d != testEnd.Format(http.TimeFormat) {
		t.Fatalf("Date %q is not the simulator's clock", d)
	}
}

func TestFaultAnswersInsteadOfTheAPI(t *testing.T) {
	s, srv := newServer(t, testConfig(200))
	u := domoURL(srv.URL, testStart, testEnd, 0, 1000)
	s.InjectFaults(events.Domo,
		Fault{HTML: true},
		Fault{Status: 502, HTML: true},
		Fault{Empty: true},
		Fault{ContentType: "text/plain"},
		Fault{Delay: 150 * time.Millisecond})
	if r := get(t, u, domoHdr()); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "Sign in") {
		t.Fatalf("HTML 200: %d %v", r.status, r.header)
	}
	if r := get(t, u, domoHdr()); r.status != 502 || !strings.Contains(string(r.body), "502 Bad Gateway") {
		t.Fatalf("HTML 502: %d %s", r.status, r.body)
	}
	if r := get(t, u, domoHdr()); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("empty: %d %q", r.status, r.body)
	}
	if r := get(t, u, domoHdr()); r.status != 200 || r.header.Get("Content-Type") != "text/plain" || len(rawsOf(t, r.body)) != 200 {
		t.Fatalf("wrong content type: %d %v", r.status, r.header)
	}
	t0 := time.Now()
	if r := get(t, u, domoHdr()); r.status != 200 || time.Since(t0) < 150*time.Millisecond || len(rawsOf(t, r.body)) != 200 {
		t.Fatalf("delay: %d after %s", r.status, time.Since(t0))
	}

	// A hang ends when the client gives up.
	s.InjectFaults(events.Domo, Fault{Hang: true})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("X-DOMO-Developer-Token", DomoToken)
	t0 = time.Now()
	if _, err := client.Do(req); err == nil || time.Since(t0) > 2*time.Second {
		t.Fatalf("hang: %v after %s", err, time.Since(t0))
	}
	// A dropped connection fails the client's read of the body.
	s.InjectFaults(events.Domo, Fault{Abort: true})
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 {
		t.Fatalf("abort: %d, %d bytes, %v", res.StatusCode, len(b), err)
	}
}

func TestInsertsSayWhetherAClientMayHaveMissedThem(t *testing.T) {
	s, srv := newServer(t, testConfig(500))
	day := testEnd.Add(-24 * time.Hour)
	// Before any read of its range: every later answer holds it.
	s.Insert(events.Domo, 1, day.Add(time.Hour))
	get(t, domoURL(srv.URL, day, testEnd, 0, 10), domoHdr())
	// After a read of its range: a client paging it may have passed it.
	s.Insert(events.Domo, 1, day.Add(2*time.Hour))
	// Outside what was read.
	s.Insert(events.Domo, 1, day.Add(-time.Hour))
	in := s.Inserts(events.Domo)
	if len(in) != 3 || in[0].Covered || !in[1].Covered || in[2].Covered {
		t.Fatalf("%+v", in)
	}
	if !in[1].Event.Time.Equal(day.Add(2*time.Hour)) || in[1].Event.Provider != events.Domo {
		t.Fatalf("the inserted record's truth: %+v", in[1].Event)
	}

	// A fault's inserts land in the request's own range.
	from, to := day.Add(3*time.Hour), day.Add(4*time.Hour)
	s.InjectFaults(events.Domo, Fault{Insert: 4})
	r := get(t, domoURL(srv.URL, from, to, 0, 1000), domoHdr())
	in = s.Inserts(events.Domo)[3:]
	if len(in) != 4 || len(rawsOf(t, r.body)) != len(s.TruthRange(events.Domo, from, to.Add(time.Millisecond))) {
		t.Fatalf("%d inserted, %d served", len(in), len(rawsOf(t, r.body)))
	}
	for _, x := range in {
		if x.Event.Time.Before(from) || x.Event.Time.After(to) || !x.Covered {
			t.Fatalf("insert %s outside the request's range %s..%s, or not covered", x.Event.Time, from, to)
		}
	}
}

func TestDuplicateRepeatsRecordsAcrossPages(t *testing.T) {
	s, srv := newServer(t, testConfig(3000))
	// Offset paging: the second page starts with the first one's last two.
	page := func(offset int) []json.RawMessage {
		return rawsOf(t, get(t, domoURL(srv.URL, testStart, testEnd, offset, 100), domoHdr()).body)
	}
	p1 := page(0)
	s.InjectFaults(events.Domo, Fault{Duplicate: 2})
	p2 := page(100)
	if string(p2[0]) != string(p1[98]) || string(p2[1]) != string(p1[99]) || string(p2[2]) == string(p1[99]) {
		t.Fatal("offset page 2 does not begin with page 1's last two records")
	}
	// Cursor paging: the next link starts three records early.
	cfg := testConfig(2000)
	cfg.ThousandEyesPageSize = 50
	s2, srv2 := newServer(t, cfg)
	s2.InjectFaults(events.ThousandEyes, Fault{Duplicate: 3})
	var a, b tePage
	get(t, srv2.URL+tePath+"?useAllPermittedAids=true&"+teRange(testStart, testEnd), teHdr()).json(t, &a)
	get(t, a.Links.Next.Href, teHdr()).json(t, &b)
	if len(a.AuditEvents) != 50 || string(b.AuditEvents[0]) != string(a.AuditEvents[47]) || string(b.AuditEvents[3]) == string(a.AuditEvents[49]) {
		t.Fatal("the next ThousandEyes page does not repeat the last three records")
	}
	// No paging (Datafold): the answer lists records twice.
	s.InjectFaults(events.Datafold, Fault{Duplicate: 4})
	body := `{"start_date":"` + testEnd.Add(-6*time.Hour).Format(time.RFC3339) + `","end_date":"` + testEnd.Format(time.RFC3339) + `"}`
	logs := logsOf(t, datafoldGet(t, srv.URL, body, datafoldHdr()))
	if n := len(s.TruthRange(events.Datafold, testEnd.Add(-6*time.Hour), testEnd.Add(time.Microsecond))); len(logs) != n+4 || string(logs[n]) != string(logs[0]) {
		t.Fatalf("%d logs for %d records", len(logs), n)
	}
}

func TestForeignNextLinkAndExpiredToken(t *testing.T) {
	cfg := testConfig(2000)
	cfg.ThousandEyesPageSize = 50
	s, srv := newServer(t, cfg)
	s.InjectFaults(events.ThousandEyes, Fault{ForeignNext: "https://elsewhere.example.com/"})
	var p tePage
	get(t, srv.URL+tePath+"?useAllPermittedAids=true&"+teRange(testStart, testEnd), teHdr()).json(t, &p)
	if !strings.HasPrefix(p.Links.Next.Href, "https://elsewhere.example.com/v7/audit-user-events?") || !strings.HasPrefix(p.Links.Self.Href, srv.URL) {
		t.Fatalf("links %+v", p.Links)
	}

	tok, other := platformToken(t, srv.URL), platformToken(t, srv.URL)
	s.InjectFaults(events.DomoPlatform, Fault{ExpireToken: true})
	u := srv.URL + "/v1/audit?start=0&limit=5"
	if r := get(t, u, "Authorization: bearer "+tok); r.status != 401 || !strings.Contains(string(r.body), "Access token expired") {
		t.Fatalf("expired: %d %s", r.status, r.body)
	}
	if r := get(t, u, "Authorization: bearer "+tok); r.status != 401 {
		t.Fatalf("the token stays expired: %d", r.status)
	}
	if r := get(t, u, "Authorization: bearer "+other); r.status != 200 {
		t.Fatalf("another client's token: %d", r.status)
	}
	if r := get(t, u, "Authorization: bearer "+platformToken(t, srv.URL)); r.status != 200 {
		t.Fatalf("a new token: %d", r.status)
	}
}

// chaosStatuses sends the same sequence of requests and lists the answers.
func chaosStatuses(t *testing.T, c Chaos, n int) []string {
	s, srv := newServer(t, testConfig(300))
	s.SetChaos(c)
	out := make([]string, n)
	for i := range out {
		// Ten distinct requests, each sent several times.
		req, _ := http.NewRequest("GET", domoURL(srv.URL, testStart, testEnd, 0, 1+i%10), nil)
		req.Header.Set("X-DOMO-Developer-Token", DomoToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		out[i] = strconv.Itoa(res.StatusCode) + res.Header.Get("Retry-After")
		if err != nil || (res.StatusCode == 200 && !json.Valid(b)) {
			out[i] = "cut"
		}
	}
	return out
}

func TestChaosIsSeededAndDeterministic(t *testing.T) {
	c := Chaos{Seed: 7, RateLimit: 0.10, ServerError: 0.05, Truncate: 0.05}
	a, b := chaosStatuses(t, c, 600), chaosStatuses(t, c, 600)
	c.Seed = 8
	other := chaosStatuses(t, c, 600)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatal("the same seed gives different faults")
	}
	if strings.Join(a, " ") == strings.Join(other, " ") {
		t.Fatal("another seed gives the same faults")
	}
	counts := map[string]int{}
	for _, st := range a {
		counts[st[:3]]++
	}
	in := func(what string, n, lo, hi int) {
		if n < lo || n > hi {
			t.Errorf("%s: %d of 600, want %d..%d (%v)", what, n, lo, hi, counts)
		}
	}
	in("429", counts["429"], 40, 85)
	in("5xx", counts["500"]+counts["502"]+counts["503"]+counts["504"], 15, 50)
	in("cut", counts["cut"], 5, 35)
}

func TestParseChaos(t *testing.T) {
	c, err := ParseChaos("seed=7, 429=10%,5xx=0.05,truncate=2%,latency=1%,spike=300ms,insert=15%,dup=5%,expire=5%")
	want := Chaos{Seed: 7, RateLimit: 0.10, ServerError: 0.05, Truncate: 0.02, Latency: 0.01, LatencySpike: 300 * time.Millisecond,
		Insert: 0.15, Duplicate: 0.05, ExpireToken: 0.05}
	if err != nil || c != want {
		t.Fatalf("%+v %v", c, err)
	}
	if back, err := ParseChaos(c.String()); err != nil || back != c {
		t.Fatalf("String does not parse back: %q %+v %v", c.String(), back, err)
	}
	for _, bad := range []string{"429", "429=x", "teapot=1%", "429=60%,5xx=60%", "spike=-1s", "429=120%"} {
		if _, err := ParseChaos(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestFaultAPI(t *testing.T) {
	s, srv := newServer(t, testConfig(300))
	post := func(body string) resp {
		return do(t, "POST", srv.URL+"/_sim/faults", strings.NewReader(body), "Content-Type: application/json")
	}
	r := post(`{"provider":"domo","faults":[{"status":429,"retryAfter":"1"},{"delay":"50ms"},{"html":true}]}`)
	var st struct {
		Queued map[string]int
		Chaos  string
	}
	r.json(t, &st)
	if r.status != 200 || st.Queued["domo"] != 3 || st.Chaos != "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := get(t, domoURL(srv.URL, testStart, testEnd, 0, 5), domoHdr()); r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Fatalf("queued fault: %d", r.status)
	}
	post(`{"chaos":"seed=3,429=50%"}`).json(t, &st)
	if st.Chaos != "seed=3,429=50%" || st.Queued["domo"] != 2 || s.ChaosConfig().RateLimit != 0.5 {
		t.Fatalf("%+v", st)
	}
	if r := post(`{"chaos":"429=200%"}`); r.status != 400 {
		t.Fatalf("bad chaos: %d", r.status)
	}
	if r := post(`{"provider":"splunk","faults":[{}]}`); r.status != 400 {
		t.Fatalf("bad provider: %d", r.status)
	}
	do(t, "DELETE", srv.URL+"/_sim/faults", nil).json(t, &st)
	if st.Chaos != "" || st.Queued["domo"] != 0 {
		t.Fatalf("after DELETE: %+v", st)
	}

	at := testEnd.Add(-time.Hour)
	r = do(t, "POST", srv.URL+"/_sim/insert?provider=datafold&n=3&at="+ms(at), nil)
	var added []events.Event
	r.json(t, &added)
	if len(added) != 3 || len(s.Inserts(events.Datafold)) != 3 || added[0].Time.Before(at) {
		t.Fatalf("insert: %d %s", r.status, r.body)
	}
}
