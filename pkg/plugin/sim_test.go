package plugin

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// The simulated week every engine test reads: it ends at the last midnight
// but one on the plugin's clock (settled, and inside every vendor's
// retention on any date the suite runs at); the seed makes the records the
// same from run to run, relative to that midnight.
var (
	simEnd   = clock.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	simStart = simEnd.Add(-7 * 24 * time.Hour)
)

// simEvents is the number of events per provider in the shared simulator.
const simEvents = 50000

var (
	sharedOnce sync.Once
	sharedSim  *vendorsim.Sim
	sharedSrv  *httptest.Server
)

// shared returns one simulator with simEvents events per provider, started
// once for the package's tests.
func shared(t *testing.T) (*vendorsim.Sim, *httptest.Server) {
	t.Helper()
	sharedOnce.Do(func() {
		cfg := vendorsim.DefaultConfig()
		cfg.Start, cfg.End, cfg.Events, cfg.Seed = simStart, simEnd, simEvents, 7
		// Rate limiting has its own tests; here it would only add waits.
		cfg.ThousandEyesRateLimit = -1
		sharedSim = vendorsim.New(cfg)
		sharedSrv = httptest.NewServer(sharedSim)
	})
	return sharedSim, sharedSrv
}

// simSettings is a data source with all five providers on the simulator.
func simSettings(url string) backend.DataSourceInstanceSettings {
	jd, _ := json.Marshal(map[string]any{
		"providers": map[string]any{
			events.Domo:         map[string]any{"enabled": true, "instance": "acme", "url": url},
			events.DomoPlatform: map[string]any{"enabled": true, "clientId": vendorsim.DomoPlatformClientID, "url": url},
			events.Domino:       map[string]any{"enabled": true, "url": url, "authType": "bearer"},
			events.Datafold:     map[string]any{"enabled": true, "url": url},
			// The simulator's rate limit is off for these tests, so pace much faster than the real 240/min.
			events.ThousandEyes: map[string]any{"enabled": true, "url": url, "accountGroupId": "1234", "requestsPerMinute": 60000},
		},
		"maxEvents": 1000000,
	})
	return backend.DataSourceInstanceSettings{
		ID: 1, UID: "audit", Name: "Audit Log", Type: "auditlens-auditlog-datasource", JSONData: jd,
		DecryptedSecureJSONData: vendorsim.SecureJSONData(),
	}
}

func newSimDatasource(t *testing.T, s backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	ds := inst.(*Datasource)
	t.Cleanup(ds.Dispose)
	return ds
}

func dataQuery(refID string, q map[string]any, from, to time.Time, interval time.Duration) backend.DataQuery {
	q["refId"] = refID
	raw, _ := json.Marshal(q)
	return backend.DataQuery{RefID: refID, JSON: raw, TimeRange: backend.TimeRange{From: from, To: to}, Interval: interval, MaxDataPoints: 1000}
}

func run(t *testing.T, ds *Datasource, qs ...backend.DataQuery) *backend.QueryDataResponse {
	t.Helper()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: qs})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// providerQuery is a query for one provider over the whole data set
// (ThousandEyes over every account group, so the truth is comparable).
func providerQuery(provider, format string) map[string]any {
	q := map[string]any{"provider": provider, "format": format}
	if provider == events.ThousandEyes {
		q["options"] = map[string]any{"allAccountGroups": true}
	}
	return q
}

// normalised is an event without its engine-internal key, for comparing
// against the simulator's ground truth.
type normalised struct {
	Time                                                      time.Time
	Provider, User, Email, UserID, Action, Event, ObjectType  string
	ObjectID, ObjectName, IPAddress, UserAgent, Scope, Status string
	Message                                                   string
	Raw                                                       string
}

func project(e events.Event) normalised {
	var v any
	_ = json.Unmarshal(e.Raw, &v)
	raw, _ := json.Marshal(v)
	return normalised{e.Time.UTC(), e.Provider, e.User, e.Email, e.UserID, e.Action, e.Event, e.ObjectType,
		e.ObjectID, e.ObjectName, e.IPAddress, e.UserAgent, e.Scope, e.Status, e.Message, string(raw)}
}
