package vendorsim

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/auditlens/auditlog/pkg/events"
)

const dominoPath = "/api/audittrail/v1/auditevents"

func dominoHdr() string { return "Authorization: Bearer " + DominoBearer }

// dominoAll pages {"events": [...]} (or a bare array) to the end.
func dominoAll(t *testing.T, base string, limit int, bare bool, hdr string) []json.RawMessage {
	t.Helper()
	var all []json.RawMessage
	for off := 0; ; off += limit {
		r := get(t, base+"&limit="+itoa(limit)+"&offset="+itoa(off), hdr)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("%d %s: %.300s", r.status, r.header.Get("Content-Type"), r.body)
		}
		var page []json.RawMessage
		if bare {
			page = rawsOf(t, r.body)
		} else {
			var env struct {
				Events []json.RawMessage `json:"events"`
			}
			r.json(t, &env)
			if env.Events == nil {
				t.Fatalf("no events array: %.200s", r.body)
			}
			page = env.Events
		}
		all = append(all, page...)
		if len(page) < limit {
			return all
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDominoAuth(t *testing.T) {
	_, srv := newServer(t, testConfig(200))
	u := srv.URL + dominoPath + "?limit=1"
	for _, h := range []string{"", "Authorization: Bearer wrong", "X-Domino-Api-Key: wrong", "Authorization: Bearer " + DominoAPIKey, "X-Domino-Api-Key: " + DominoBearer} {
		if r := get(t, u, h); r.status != 401 {
			t.Errorf("%q: %d", h, r.status)
		}
	}
	for _, h := range []string{"Authorization: Bearer " + DominoBearer, "authorization: bearer " + DominoBearer, "X-Domino-Api-Key: " + DominoAPIKey} {
		if r := get(t, u, h); r.status != 200 {
			t.Errorf("%q: %d %s", h, r.status, r.body)
		}
	}
}

func TestDominoParams(t *testing.T) {
	_, srv := newServer(t, testConfig(2000))
	base := srv.URL + dominoPath
	for _, q := range []string{"startTimestamp=x", "endTimestamp=1.5", "limit=-1", "offset=-3", "sort=actorName"} {
		r := get(t, base+"?"+q, dominoHdr())
		if r.status != 400 || !json.Valid(r.body) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	var env struct{ Events []json.RawMessage }
	get(t, base+"?x=1", dominoHdr()).json(t, &env)
	if len(env.Events) != 100 {
		t.Fatalf("default limit: %d", len(env.Events))
	}
	get(t, base+"?limit=5000", dominoHdr()).json(t, &env)
	if len(env.Events) != 1000 {
		t.Fatalf("limit 5000: %d", len(env.Events))
	}
}

func TestDominoPagingReturnsTheTruth(t *testing.T) {
	for _, bare := range []bool{false, true} {
		cfg := testConfig(2500)
		cfg.DominoBareArray = bare
		s, srv := newServer(t, cfg)
		truth := s.Truth(events.Domino)
		base := srv.URL + dominoPath + "?startTimestamp=" + ms(testStart) + "&endTimestamp=" + ms(testEnd)
		checkSame(t, "domino -timestamp", dominoAll(t, base+"&sort=-timestamp", 1000, bare, dominoHdr()), truth)
		rev := slices.Clone(truth)
		slices.Reverse(rev)
		checkSame(t, "domino timestamp", dominoAll(t, base+"&sort=timestamp", 700, bare, "X-Domino-Api-Key: "+DominoAPIKey), rev)
		checkSame(t, "domino default sort", dominoAll(t, base, 1000, bare, dominoHdr()), rev)
	}
}

func TestDominoFilters(t *testing.T) {
	s, srv := newServer(t, testConfig(3000))
	truth := s.Truth(events.Domino)
	var pick events.Event
	for _, e := range truth {
		if e.Event == "Change User Role In Project" {
			pick = e
			break
		}
	}
	if pick.Event == "" {
		t.Fatal("no role change in the data")
	}
	if !strings.Contains(pick.Message, "(role: ") || !strings.Contains(pick.Message, ` in project "`) {
		t.Fatalf("message %q", pick.Message)
	}
	var rec struct {
		Actor struct{ ID, Name string }
		In    struct{ ID, Name string }
	}
	_ = json.Unmarshal(pick.Raw, &rec)
	cases := []struct {
		q    url.Values
		keep func(events.Event) bool
	}{
		{url.Values{"event": {pick.Event}}, func(e events.Event) bool { return e.Event == pick.Event }},
		{url.Values{"actorName": {pick.User}}, func(e events.Event) bool { return e.User == pick.User }},
		{url.Values{"actorId": {rec.Actor.ID}}, func(e events.Event) bool { return e.UserID == rec.Actor.ID }},
		{url.Values{"targetType": {"dataset"}}, func(e events.Event) bool { return e.ObjectType == "dataset" }},
		{url.Values{"targetName": {pick.ObjectName}}, func(e events.Event) bool { return hasTarget(e, "name", pick.ObjectName) }},
		{url.Values{"targetId": {pick.ObjectID}}, func(e events.Event) bool { return hasTarget(e, "id", pick.ObjectID) }},
		{url.Values{"withinProjectName": {pick.Scope}}, func(e events.Event) bool { return e.Scope == pick.Scope }},
		{url.Values{"withinProjectId": {rec.In.ID}, "event": {"Download Files"}}, func(e events.Event) bool {
			return e.Scope == pick.Scope && e.Event == "Download Files"
		}},
	}
	for _, c := range cases {
		var want []events.Event
		for _, e := range truth {
			if c.keep(e) {
				want = append(want, e)
			}
		}
		if len(want) == 0 {
			t.Fatalf("%v matches nothing", c.q)
		}
		got := dominoAll(t, srv.URL+dominoPath+"?sort=-timestamp&"+c.q.Encode(), 1000, false, dominoHdr())
		checkSame(t, c.q.Encode(), got, want)
	}
}

func hasTarget(e events.Event, field, val string) bool {
	var rec struct {
		Targets []struct{ Entity map[string]string }
	}
	_ = json.Unmarshal(e.Raw, &rec)
	for _, t := range rec.Targets {
		if t.Entity[field] == val {
			return true
		}
	}
	return false
}

func TestDominoRecordsHaveTheDocumentedShape(t *testing.T) {
	s := shared(t)
	kinds := map[string]bool{}
	for _, e := range s.Truth(events.Domino) {
		var rec map[string]json.RawMessage
		_ = json.Unmarshal(e.Raw, &rec)
		for _, k := range []string{"id", "timestamp", "actor", "action", "targets", "affecting", "metadata"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("record lacks %s: %s", k, e.Raw)
			}
		}
		var actor map[string]string
		_ = json.Unmarshal(rec["actor"], &actor)
		if actor["firstName"] == "" || actor["lastName"] == "" || strings.Contains(actor["name"], " ") {
			t.Fatalf("actor %v: name must be a login", actor)
		}
		raw := string(e.Raw)
		switch {
		case strings.Contains(raw, `"added":[`):
			kinds["added"] = true
		case strings.Contains(raw, `"removed":[`):
			kinds["removed"] = true
		}
		if strings.Contains(raw, `"before":`) {
			kinds["before"] = true
		}
		if strings.Count(raw, `"entity":`) > 1 {
			kinds["multi-target"] = true
		}
		if _, ok := rec["in"]; !ok {
			kinds["no project"] = true
		}
		if strings.Contains(raw, `"appliedUser"`) {
			kinds["appliedUser"] = true
		}
		if strings.Contains(raw, `"command":`) {
			kinds["metadata"] = true
		}
	}
	for _, k := range []string{"added", "removed", "before", "multi-target", "no project", "appliedUser", "metadata"} {
		if !kinds[k] {
			t.Errorf("no record with %s", k)
		}
	}
}
