package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/auditlens/auditlog/internal/httpstatus"
	"github.com/auditlens/auditlog/internal/redistest"
	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// pluginBinary is the executable under test: AUDITLOG_PLUGIN_BINARY (npm
// test points it at the one mage built into dist/), else one built here
// from the current source, never a dist/ binary that may be older.
func pluginBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("AUDITLOG_PLUGIN_BINARY"); p != "" {
		return p
	}
	builtOnce.Do(func() {
		name := fmt.Sprintf("gpx_auditlog_%s_%s", runtime.GOOS, runtime.GOARCH)
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		dir, err := os.MkdirTemp("", "auditlog-plugin-")
		if err != nil {
			builtErr = err
			return
		}
		built = filepath.Join(dir, name)
		if out, err := exec.Command("go", "build", "-o", built, ".").CombinedOutput(); err != nil {
			builtErr = fmt.Errorf("building the plugin: %v\n%s", err, out)
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return built
}

var (
	builtOnce sync.Once
	built     string
	builtErr  error
)

func pluginCmd(t *testing.T, env []string) *exec.Cmd {
	cmd := exec.Command(pluginBinary(t))
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

type pluginClients struct {
	data        pluginv2.DataClient
	diagnostics pluginv2.DiagnosticsClient
	resource    pluginv2.ResourceClient
}

// startPlugin launches the binary the way Grafana does: go-plugin's
// handshake on stdout with Grafana's magic cookie, then gRPC.
func startPlugin(t *testing.T, env ...string) pluginClients {
	t.Helper()
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"data":        &grpcplugin.DataGRPCPlugin{},
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		Cmd:              pluginCmd(t, env),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: os.Stderr}),
		StartTimeout:     30 * time.Second,
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("go-plugin handshake: %v", err)
	}
	dispense := func(name string) any {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispense %s: %v", name, err)
		}
		return raw
	}
	return pluginClients{
		data:        dispense("data").(pluginv2.DataClient),
		diagnostics: dispense("diagnostics").(pluginv2.DiagnosticsClient),
		resource:    dispense("resource").(pluginv2.ResourceClient),
	}
}

func pluginContext(url string, token string) *pluginv2.PluginContext {
	jd, _ := json.Marshal(map[string]any{"providers": map[string]any{
		"thousandeyes": map[string]any{"enabled": true, "url": url, "accountGroupId": "1234"},
		"domo":         map[string]any{"enabled": true, "instance": "acme", "url": url},
	}})
	return &pluginv2.PluginContext{
		OrgId:    1,
		PluginId: "auditlens-auditlog-datasource",
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id: 1, Uid: "audit", Name: "Audit Log", JsonData: jd, LastUpdatedMS: clock.Now().UnixMilli(),
			DecryptedSecureJsonData: map[string]string{"thousandeyesToken": token, "domoToken": vendorsim.DomoToken},
		},
	}
}

func TestTheBuiltBinaryServesGrafanaOverGRPC(t *testing.T) {
	cfg := vendorsim.DefaultConfig()
	// A week that ended a day ago on the plugin's clock, which the binary
	// shares (it inherits AUDITLOG_NOW when the suite runs at another date).
	cfg.End = clock.Now().UTC().Truncate(time.Hour).Add(-24 * time.Hour)
	cfg.Start = cfg.End.Add(-7 * 24 * time.Hour)
	cfg.Events = 3000
	sim := vendorsim.New(cfg)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := startPlugin(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pctx := pluginContext(srv.URL, vendorsim.ThousandEyesToken)

	t.Run("QueryData", func(t *testing.T) {
		q := func(refID, body string) *pluginv2.DataQuery {
			return &pluginv2.DataQuery{RefId: refID, Json: []byte(body), IntervalMS: 3600_000, MaxDataPoints: 500,
				TimeRange: &pluginv2.TimeRange{FromEpochMS: cfg.Start.UnixMilli(), ToEpochMS: cfg.End.UnixMilli()}}
		}
		resp, err := c.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pctx, Queries: []*pluginv2.DataQuery{
			q("T", `{"provider":"thousandeyes","format":"table"}`),
			q("S", `{"provider":"thousandeyes","format":"timeseries","groupBy":"event"}`),
			q("X", `{"provider":"datafold"}`),
		}})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, e := range sim.TruthRange("thousandeyes", cfg.Start, cfg.End) {
			if strings.Contains(string(e.Raw), `"aid":"1234"`) {
				want++
			}
		}
		table, err := data.UnmarshalArrowFrames(resp.Responses["T"].Frames)
		if err != nil || resp.Responses["T"].Error != "" {
			t.Fatalf("table: %v %s", err, resp.Responses["T"].Error)
		}
		if n, _ := table[0].RowLen(); n != want || want == 0 {
			t.Fatalf("table has %d rows over gRPC, the simulator %d", n, want)
		}
		series, err := data.UnmarshalArrowFrames(resp.Responses["S"].Frames)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, f := range series {
			for i := 0; i < f.Fields[1].Len(); i++ {
				sum += f.Fields[1].At(i).(float64)
			}
		}
		if int(sum) != want {
			t.Fatalf("series add up to %v, want %d", sum, want)
		}
		if e := resp.Responses["X"].Error; !strings.Contains(e, "not enabled") {
			t.Fatalf("a query for a provider that is not set up gets its own error, got %q", e)
		}
		// Grafana's plugin metrics count what the user or a vendor has to
		// fix as downstream, not as the plugin failing.
		if src := resp.Responses["X"].ErrorSource; src != "downstream" {
			t.Fatalf("error source %q, want downstream", src)
		}
	})

	t.Run("CheckHealth", func(t *testing.T) {
		ok, err := c.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: pctx})
		if err != nil {
			t.Fatal(err)
		}
		if ok.Status != pluginv2.CheckHealthResponse_OK || ok.Message != "2 of 2 providers working" ||
			!strings.Contains(string(ok.JsonDetails), `"verboseMessage":"Domo: OK — connected to `) {
			t.Fatalf("health: %v %q %s", ok.Status, ok.Message, ok.JsonDetails)
		}
		bad := pluginContext(srv.URL, "wrong-token-value")
		bad.DataSourceInstanceSettings.Uid = "audit-bad"
		res, err := c.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{PluginContext: bad})
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ Message, VerboseMessage string }
		_ = json.Unmarshal(res.JsonDetails, &d)
		if res.Status != pluginv2.CheckHealthResponse_ERROR || res.Message != "1 of 2 providers working; failed: Cisco ThousandEyes" ||
			!strings.HasPrefix(d.Message, "Cisco ThousandEyes: FAILED — thousandeyes: the API answered HTTP 401") ||
			!strings.Contains(d.VerboseMessage, "Domo: OK") || strings.Contains(string(res.JsonDetails), "wrong-token-value") {
			t.Fatalf("health with a bad token: %q %s", res.Message, res.JsonDetails)
		}
	})

	t.Run("CallResource", func(t *testing.T) {
		get := func(path string) (int32, string) {
			// Grafana sends the sub-path alone and the query with the URL.
			sub, _, _ := strings.Cut(path, "?")
			stream, err := c.resource.CallResource(ctx, &pluginv2.CallResourceRequest{PluginContext: pctx, Path: sub, Method: "GET", Url: "/api/datasources/uid/audit/resources/" + path})
			if err != nil {
				t.Fatal(err)
			}
			var status int32
			var body []byte
			for {
				r, err := stream.Recv()
				if err != nil {
					break
				}
				if r.Code != 0 {
					status = r.Code
				}
				body = append(body, r.Body...)
			}
			return status, string(body)
		}
		if code, body := get("providers"); code != 200 || body != `[{"value":"domo","label":"Domo"},{"value":"thousandeyes","label":"Cisco ThousandEyes"}]`+"\n" {
			t.Fatalf("providers: %d %s", code, body)
		}
		if code, body := get("objectTypes?provider=domo"); code != 200 || !strings.Contains(body, `"value":"PAGE"`) {
			t.Fatalf("objectTypes: %d %s", code, body)
		}
		if code, body := get("events?provider=thousandeyes&days=30"); code != 200 || !strings.Contains(body, `"value":"Login failed."`) {
			t.Fatalf("events: %d %.300s", code, body)
		}
		if code, body := get("users?provider=splunk"); code != 400 || !strings.Contains(body, "provider") {
			t.Fatalf("bad provider: %d %s", code, body)
		}
	})
}

// Three Grafana replicas (three plugin processes) on one Redis spend one
// ThousandEyes organisation's budget together: each reads its own week
// (nothing to share in the cache), about 270 requests together in a minute
// that allows 240, and the vendor never answers 429. Replicas that go by
// the vendor's remaining count alone overshoot it at the end of a minute
// (2 to 5 answers of 429 in this test without Redis). The clocks are set
// to 5 seconds before a minute, so the requests past the budget wait 5 s.
func TestReplicasOnRedisShareTheVendorsBudget(t *testing.T) {
	rs, err := redistest.Start(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	target := clock.Now().UTC().Truncate(time.Minute).Add(2*time.Minute - 5*time.Second)
	offset := target.Sub(clock.Now())
	cfg := vendorsim.DefaultConfig()
	cfg.End = target.Truncate(24 * time.Hour).Add(-24 * time.Hour)
	cfg.Start = cfg.End.Add(-21 * 24 * time.Hour)
	cfg.Events, cfg.ThousandEyesPageSize = 12000, 50
	cfg.Now = func() time.Time { return clock.Now().Add(offset) }
	sim := vendorsim.New(cfg)
	var mu sync.Mutex
	statuses := map[int]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &httpstatus.Recorder{ResponseWriter: w}
		sim.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/v7/") {
			mu.Lock()
			statuses[rec.Status]++
			mu.Unlock()
		}
	}))
	defer srv.Close()

	// No reserve and 8 requests in flight per replica: replicas going by
	// the vendor's remaining alone would overshoot the minute together.
	jd, _ := json.Marshal(map[string]any{"redisUrl": rs.URL(), "rateLimitReserve": 0, "concurrency": 8, "providers": map[string]any{
		"thousandeyes": map[string]any{"enabled": true, "url": srv.URL},
	}})
	pctx := &pluginv2.PluginContext{OrgId: 1, PluginId: "auditlens-auditlog-datasource",
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{Id: 1, Uid: "audit", Name: "Audit Log", JsonData: jd,
			DecryptedSecureJsonData: map[string]string{"thousandeyesToken": vendorsim.ThousandEyesToken}}}
	var replicas []pluginClients
	for range 3 {
		replicas = append(replicas, startPlugin(t, clock.EnvVar+"="+clock.Now().Add(offset).Format(time.RFC3339Nano)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i, c := range replicas {
		from := cfg.Start.Add(time.Duration(i) * 7 * 24 * time.Hour)
		to := from.Add(7 * 24 * time.Hour)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.data.QueryData(ctx, &pluginv2.QueryDataRequest{PluginContext: pctx, Queries: []*pluginv2.DataQuery{{
				RefId: "T", Json: []byte(`{"provider":"thousandeyes","format":"table","options":{"allAccountGroups":true}}`),
				TimeRange: &pluginv2.TimeRange{FromEpochMS: from.UnixMilli(), ToEpochMS: to.UnixMilli()}}}})
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
				return
			}
			r := resp.Responses["T"]
			frames, err := data.UnmarshalArrowFrames(r.Frames)
			if err != nil || r.Error != "" {
				t.Errorf("replica %d: %v %s", i, err, r.Error)
				return
			}
			if n, _ := frames[0].RowLen(); n != len(sim.TruthRange("thousandeyes", from, to)) {
				t.Errorf("replica %d: %d rows, the truth has %d", i, n, len(sim.TruthRange("thousandeyes", from, to)))
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if statuses[http.StatusTooManyRequests] != 0 || statuses[http.StatusOK] < 250 {
		t.Fatalf("the vendor answered %v; want no 429 for over 250 requests", statuses)
	}
}
