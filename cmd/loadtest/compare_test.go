package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func TestCompareRequestsHoldsEachProviderToTheRatio(t *testing.T) {
	ids := []string{"a", "b", "c", "d"}
	base := []providerLoad{{requests: 10, cold: 4}, {requests: 100, cold: 50}, {requests: 0}, {requests: 0}}
	multi := []providerLoad{{requests: 11, cold: 5}, {requests: 111, cold: 51}, {requests: 0}, {requests: 3, cold: 3}}
	cs := compareRequests(ids, base, multi, 1.1)
	if len(cs) != 5 || cs[4].provider != "total" || cs[4].base != 110 || cs[4].multi != 125 || cs[4].baseCold != 54 || cs[4].multiCold != 59 || cs[1].multiCold != 51 {
		t.Fatalf("rows: %+v", cs)
	}
	for i, want := range []bool{true, false, true, false, false} {
		if cs[i].pass != want {
			t.Errorf("%s: %d vs %d passes %v, want %v", cs[i].provider, cs[i].multi, cs[i].base, cs[i].pass, want)
		}
	}
	// 11 of 10 is exactly 1.1×: met, whatever the float division says.
	if cs[0].ratioText() != "1.10×" || cs[2].ratioText() != "–" || !math.IsInf(cs[3].ratio, 1) || cs[3].ratioText() != "∞" {
		t.Errorf("ratios: %q %q %v %q", cs[0].ratioText(), cs[2].ratioText(), cs[3].ratio, cs[3].ratioText())
	}
}

func TestVerdictMustHoldsFailTheExitStatusTargetsOnlyWhenStrict(t *testing.T) {
	for _, c := range []struct {
		v              verdict
		mark           string
		failed, strict bool
	}{
		{verdict{must: true, pass: true}, "PASS", false, false},
		{verdict{must: true}, "FAIL", true, true},
		{verdict{pass: true}, "MET ", false, false},
		{verdict{}, "MISS", false, true},
	} {
		if c.v.mark() != c.mark || c.v.failed(false) != c.failed || c.v.failed(true) != c.strict {
			t.Errorf("%+v: %s %v %v", c.v, c.v.mark(), c.v.failed(false), c.v.failed(true))
		}
	}
}

func healthOf(t *testing.T, status backend.HealthStatus, lines []string, providers map[string]bool) *backend.CheckHealthResult {
	t.Helper()
	var ps []map[string]any
	for id, ok := range providers {
		ps = append(ps, map[string]any{"id": id, "ok": ok})
	}
	d, err := json.Marshal(map[string]any{"verboseMessage": strings.Join(lines, "\n"), "providers": ps})
	if err != nil {
		t.Fatal(err)
	}
	return &backend.CheckHealthResult{Status: status, Message: "2 of 2 providers working", JSONDetails: d}
}

func TestHealthAfterTheKillMustShowRedisFailedAndProvidersWorking(t *testing.T) {
	down := healthOf(t, backend.HealthStatusError, []string{"Domo: OK — connected", "Cisco ThousandEyes: OK — connected",
		"Shared state (Redis): FAILED — Redis at 127.0.0.1:1 does not answer"}, map[string]bool{"domo": true, "thousandeyes": true, "redis": false})
	up := healthOf(t, backend.HealthStatusOk, []string{"Domo: OK — connected", "Shared state (Redis): OK — shared"},
		map[string]bool{"domo": true, "redis": true})
	providerDown := healthOf(t, backend.HealthStatusError, []string{"Domo: FAILED — 500",
		"Shared state (Redis): FAILED — Redis at 127.0.0.1:1 does not answer"}, map[string]bool{"domo": false, "redis": false})

	h := readHealth(down, "secret-pw")
	if h.redisOK || h.providers != 2 || h.providersOK != 2 || !strings.HasPrefix(h.redisLine, "Shared state (Redis): FAILED") || h.leaked {
		t.Fatalf("read: %+v", h)
	}
	shot := func(res *backend.CheckHealthResult, moment string, replica int) healthShot {
		h := readHealth(res, "secret-pw")
		h.moment, h.replica = moment, replica
		return h
	}
	vs := healthVerdicts([]healthShot{shot(down, "2 s after the kill", 1), shot(down, "2 s after the kill", 2),
		shot(up, "2 s after the restart", 1), shot(up, "2 s after the restart", 2)})
	if len(vs) != 2 || !vs[0].must || !vs[0].pass || vs[1].must || !vs[1].pass {
		t.Fatalf("verdicts: %+v", vs)
	}
	// Redis still OK after the kill, or a provider failing with it: FAIL.
	for _, bad := range []*backend.CheckHealthResult{up, providerDown} {
		vs = healthVerdicts([]healthShot{shot(down, "2 s after the kill", 1), shot(bad, "2 s after the kill", 2)})
		if len(vs) != 1 || vs[0].pass || !strings.HasPrefix(vs[0].detail, "replica 2:") {
			t.Fatalf("verdicts: %+v", vs)
		}
	}
	// A call that failed is no health.
	vs = healthVerdicts([]healthShot{{moment: "2 s after the kill", replica: 1, err: "unavailable"}})
	if vs[0].pass {
		t.Fatal("a failed call passed")
	}
	// The password in an answer fails whatever else holds.
	leaky := healthOf(t, backend.HealthStatusError, []string{"Shared state (Redis): FAILED — auth secret-pw rejected"},
		map[string]bool{"domo": true, "redis": false})
	vs = healthVerdicts([]healthShot{shot(leaky, "2 s after the kill", 1)})
	if len(vs) != 2 || !vs[0].pass || vs[1].pass || !vs[1].must {
		t.Fatalf("leak: %+v", vs)
	}
}

func TestPeakPerClockMinuteCountsTheVendorsWindows(t *testing.T) {
	t0 := time.Date(2027, 3, 1, 10, 0, 50, 0, time.UTC)
	var ts []time.Time
	for i := 0; i < 20; i++ { // 10 in the last 10 s of 10:00, 10 in the first of 10:01
		ts = append(ts, t0.Add(time.Duration(i)*time.Second))
	}
	if n, _ := peakPerMinute(ts); n != 20 {
		t.Fatalf("sliding peak %d, want 20", n)
	}
	if n := peakPerClockMinute(ts); n != 10 {
		t.Fatalf("clock-minute peak %d, want 10", n)
	}
}

func TestParseRedisInfo(t *testing.T) {
	s := parseRedisInfo("# Stats\r\ntotal_connections_received:9\r\ntotal_commands_processed:5086\r\n# Memory\r\nused_memory_peak_human:60.40M\r\n# Keyspace\r\ndb0:keys=283,expires=280,avg_ttl=1000\r\n")
	if s.commands != 5086 || s.keys != 283 || s.peakMemory != "60.40M" {
		t.Fatalf("%+v", s)
	}
}

func TestFlagsDefaultToHAWithReplicas(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil || o.processes() || o.redis || o.compare || o.alertInterval != 0 {
		t.Fatalf("default: %+v %v", o, err)
	}
	o, err = parseFlags([]string{"-replicas", "3"})
	if err != nil || !o.processes() || !o.redis || !o.compare || o.alertInterval != time.Minute {
		t.Fatalf("-replicas 3: %+v %v", o, err)
	}
	o, err = parseFlags([]string{"-replicas", "3", "-redis=false", "-compare=false", "-alert-interval", "0"})
	if err != nil || o.redis || o.compare || o.alertInterval != 0 {
		t.Fatalf("overrides: %+v %v", o, err)
	}
	for _, bad := range [][]string{
		{"-kill-redis-at", "10s"},                      // no Redis with one replica
		{"-replicas", "3", "-kill-redis-at", "90s"},    // after the load
		{"-replicas", "3", "-restart-redis-at", "10s"}, // nothing killed
		{"-replicas", "3", "-kill-redis-at", "20s", "-restart-redis-at", "10s"},
		{"-replicas", "0"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
