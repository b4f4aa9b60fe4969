package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// resource calls a resource path the way Grafana does (the sub-path alone,
// the query with the URL) and returns the status and body.
func resource(t *testing.T, ds *Datasource, method, path string) (int, string) {
	t.Helper()
	sub, _, _ := strings.Cut(path, "?")
	var status int
	var body []byte
	err := ds.CallResource(context.Background(), &backend.CallResourceRequest{
		Method: method, Path: sub, URL: "/api/datasources/uid/audit/resources/" + path,
	}, backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if r.Status != 0 {
			status = r.Status
		}
		body = append(body, r.Body...)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return status, string(body)
}

func TestResourcesAnswerLookups(t *testing.T) {
	_, srv := shared(t)
	ds := newSimDatasource(t, simSettings(srv.URL))
	from, to := simEnd.Add(-48*time.Hour).UnixMilli(), simEnd.UnixMilli()
	for _, c := range []struct{ path, want string }{
		{"providers", `{"value":"domo-platform","label":"Domo platform API"}`},
		{"objectTypes?provider=domo", `"value":"PAGE"`},
		{fmt.Sprintf("events?provider=thousandeyes&from=%d&to=%d", from, to), `"value":"Login failed."`},
		{fmt.Sprintf("users?provider=all&from=%d&to=%d&limit=3", from, to), `"value"`},
		{fmt.Sprintf("events?from=%d&to=%d", from, to), `"value"`},
	} {
		code, body := resource(t, ds, "GET", c.path)
		if code != http.StatusOK || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %.300s", c.path, code, body)
		}
	}
	_, body := resource(t, ds, "GET", fmt.Sprintf("users?provider=all&from=%d&to=%d&limit=3", from, to))
	var opts []option
	if err := json.Unmarshal([]byte(body), &opts); err != nil || len(opts) != 3 {
		t.Errorf("limit=3 answered %d values: %v %.200s", len(opts), err, body)
	}
}

// Bad input is a 4xx with a message saying what is wrong, before any vendor
// request; the paths are fixed, so nothing reaches an arbitrary vendor path.
func TestResourcesRejectBadInput(t *testing.T) {
	sim, srv := shared(t)
	s := simSettings(srv.URL)
	var jd map[string]map[string]map[string]any
	_ = json.Unmarshal(s.JSONData, &jd)
	jd["providers"]["datafold"]["enabled"] = false
	s.JSONData, _ = json.Marshal(jd)
	ds := newSimDatasource(t, s)
	long := strings.Repeat("x", 500)
	for _, c := range []struct {
		method, path string
		status       int
		want         string
	}{
		{"GET", "", 404, `unknown resource \"\": this data source answers providers, objectTypes, events or users`},
		{"GET", "nope", 404, `unknown resource \"nope\"`},
		{"GET", "events/extra", 404, "unknown resource"},
		{"GET", "Events", 404, "unknown resource"},
		{"GET", "../events", 404, "unknown resource"},
		{"GET", "api/audit/v1/user-audits", 404, "unknown resource"},
		{"GET", "v7/audit-user-events?aid=1", 404, "unknown resource"},
		{"GET", "_sim/truth", 404, "unknown resource"},
		{"GET", "events%2F..%2Fproviders", 404, "unknown resource"},
		{"GET", long, 404, "xxxx…"},
		{"POST", "events?provider=domo", 405, "method POST: events only answers GET"},
		{"DELETE", "providers", 405, "only answers GET"},
		{"GET", "providers?provider=domo", 400, `unknown parameter \"provider\": providers takes no parameters`},
		{"GET", "events?provider=splunk", 400, `provider: unknown provider \"splunk\" (use one of domo, domo-platform, domino, datafold, thousandeyes, or all)`},
		{"GET", "events?provider=" + long, 400, "unknown provider"},
		{"GET", "events?provider=datafold", 400, `provider: \"datafold\" is not enabled in this data source`},
		{"GET", "events?provider=domo&provider=domino", 400, "provider: give it once, not 2 times"},
		{"GET", "events?provder=domo", 400, `unknown parameter \"provder\": use provider, days, from, to, limit`},
		{"GET", "events?provider=domo&days=0", 400, "days: must be a whole number from 1 to 30"},
		{"GET", "events?provider=domo&days=31", 400, "days: must be a whole number from 1 to 30"},
		{"GET", "events?provider=domo&days=1.5", 400, "days: must be a whole number"},
		{"GET", "events?provider=domo&from=1000", 400, "from and to: give both (epoch milliseconds), or neither"},
		{"GET", "events?provider=domo&to=1000", 400, "give both"},
		{"GET", "events?provider=domo&from=now-1h&to=now", 400, `from: \"now-1h\" is not a time in epoch milliseconds`},
		{"GET", "events?provider=domo&from=-5&to=1000", 400, `from: \"-5\" is not a time`},
		{"GET", "events?provider=domo&from=1&to=99999999999999999999", 400, "to: "},
		{"GET", "events?provider=domo&from=2000&to=1000", 400, "from and to: from (1970-01-01T00:00:02Z) must be before to (1970-01-01T00:00:01Z)"},
		{"GET", "events?provider=domo&from=1000&to=1000", 400, "must be before"},
		{"GET", "events?provider=domo&from=0&to=2678400001", 400, "from and to: at most 30 days apart"},
		{"GET", "events?provider=domo&days=2&from=0&to=1000", 400, "days: give either days or from and to, not both"},
		{"GET", "users?provider=domo&limit=0", 400, "limit: must be a whole number from 1 to 10000"},
		{"GET", "users?provider=domo&limit=10001", 400, "limit: must be a whole number from 1 to 10000"},
		{"GET", "users?provider=domo&limit=ten", 400, "limit:"},
		{"GET", "users?provider=domo&%zz", 400, "the query string is not valid URL encoding"},
	} {
		sim.ResetCounters()
		code, body := resource(t, ds, c.method, c.path)
		if code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s %.60s: %d %s\nwant %d with %s", c.method, c.path, code, body, c.status, c.want)
		}
		var e struct{ Error string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
			t.Errorf("%s %.60s: not a JSON error: %s", c.method, c.path, body)
		}
		if len(body) > 400 {
			t.Errorf("%s %.60s: the error echoes too much (%d bytes)", c.method, c.path, len(body))
		}
		for _, id := range []string{"domo", "domo-platform", "domino", "datafold", "thousandeyes"} {
			if n := sim.Requests(id); n != 0 {
				t.Errorf("%s %.60s: sent %d requests to %s", c.method, c.path, n, id)
			}
		}
	}
}
