package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/internal/redistest"
	"github.com/auditlens/auditlog/pkg/events"
)

// withRedis is simSettings on a shared Redis.
func withRedis(url, password string, srvURL string) backend.DataSourceInstanceSettings {
	s := simSettings(srvURL)
	var jd map[string]any
	_ = json.Unmarshal(s.JSONData, &jd)
	jd["redisUrl"] = url
	s.JSONData, _ = json.Marshal(jd)
	secrets := map[string]string{"redisPassword": password}
	for k, v := range s.DecryptedSecureJSONData {
		secrets[k] = v
	}
	s.DecryptedSecureJSONData = secrets
	return s
}

// Grafana replicas each run their own plugin, with their own cache; on one
// Redis, a window one of them read is served to the others, and replicas
// asking at once wait for the one that reads it.
func TestReplicasOnOneRedisReadEachWindowOnce(t *testing.T) {
	rs, err := redistest.Start(t.TempDir(), "r3dis-pass")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	sim, srv, _, _ := identicalSim(t) // its own request counts
	from, to := simEnd.Add(-36*time.Hour), simEnd
	ids := []string{events.Domo, events.Domino, events.ThousandEyes}
	query := func(ds *Datasource, id string) int {
		r := run(t, ds, dataQuery("T", providerQuery(id, "table"), from, to, time.Hour)).Responses["T"]
		if r.Error != nil {
			t.Fatalf("%s: %v", id, r.Error)
		}
		n, _ := r.Frames[0].RowLen()
		return n
	}
	replica := func() *Datasource { return newSimDatasource(t, withRedis(rs.URL(), rs.Password, srv.URL)) }

	// One replica reads; two more are served from Redis.
	first := replica()
	for _, id := range ids {
		query(first, id)
	}
	alone := map[string]int{}
	for _, id := range ids {
		alone[id] = sim.Requests(id)
	}
	for range 2 {
		ds := replica()
		for _, id := range ids {
			if n := query(ds, id); n != len(sim.TruthRange(id, from, to)) {
				t.Fatalf("%s: %d rows from Redis, the truth has %d", id, n, len(sim.TruthRange(id, from, to)))
			}
		}
	}
	for _, id := range ids {
		if got := sim.Requests(id); got != alone[id] {
			t.Errorf("%s: the other replicas sent %d requests; Redis held every settled window", id, got-alone[id])
		}
	}

	// Three replicas at once over another range: about one replica's reads.
	from, to = simEnd.Add(-48*time.Hour), simEnd.Add(-36*time.Hour)
	before := map[string]int{}
	for _, id := range ids {
		before[id] = sim.Requests(id)
	}
	var wg sync.WaitGroup
	for range 3 {
		ds := replica()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, id := range ids {
				query(ds, id)
			}
		}()
	}
	wg.Wait()
	three := map[string]int{}
	for _, id := range ids {
		three[id] = sim.Requests(id) - before[id]
	}
	solo := newSimDatasource(t, simSettings(srv.URL)) // no Redis: what one replica costs
	for _, id := range ids {
		n := sim.Requests(id)
		query(solo, id)
		three, one := three[id], sim.Requests(id)-n
		// A span's pages asked for ahead vary by one from run to run.
		if float64(three) > 1.1*float64(one)+1 {
			t.Errorf("%s: three replicas at once sent %d requests, one alone %d", id, three, one)
		}
	}
}

// Redis killed: queries still give the exact answer, each replica on its
// own, and Save & test says so; when Redis is back, health says that too.
func TestRedisGoneDegradesToAReplicaAlone(t *testing.T) {
	rs, err := redistest.Start(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	sim, srv, _, _ := identicalSim(t)
	ds := newSimDatasource(t, withRedis(rs.URL(), "", srv.URL))
	health := func() (*backend.CheckHealthResult, healthDetails) {
		res, err := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return res, detailsOf(t, res)
	}
	if res, d := health(); res.Status != backend.HealthStatusOk || !strings.Contains(d.VerboseMessage, "Shared state (Redis): OK") {
		t.Fatalf("with Redis: %s\n%s", res.Message, d.VerboseMessage)
	}
	rs.Stop()
	from, to := simEnd.Add(-24*time.Hour), simEnd
	for _, id := range []string{events.Domo, events.ThousandEyes} {
		r := run(t, ds, dataQuery("T", providerQuery(id, "table"), from, to, time.Hour)).Responses["T"]
		if r.Error != nil {
			t.Fatalf("%s without Redis: %v", id, r.Error)
		}
		sameEvents(t, id, rows(t, r.Frames[0]), truthOf(sim.TruthRange(id, from, to)))
	}
	res, d := health()
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "failed: Shared state (Redis)") ||
		!strings.Contains(d.VerboseMessage, "does not answer") || !strings.Contains(d.VerboseMessage, "own request budget and cache") {
		t.Fatalf("health without Redis: %s\n%s", res.Message, d.VerboseMessage)
	}
	if err := rs.Restart(); err != nil {
		t.Fatal(err)
	}
	if res, _ := health(); res.Status != backend.HealthStatusOk {
		t.Fatalf("Redis is back, health says %s", res.Message)
	}
}
