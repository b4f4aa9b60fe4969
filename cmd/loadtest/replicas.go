package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/auditlens/auditlog/pkg/plugin"
)

// target is one Grafana replica's view of the data source: the plugin in
// this process (today's single data source) or a plugin process driven
// over gRPC as Grafana drives it.
type target interface {
	QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error)
	CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error)
	// pid is the process serving the data source (this one in process).
	pid() int
	close()
}

// inProcess is the data source built in this process with
// plugin.NewDatasource, as the load test always did.
type inProcess struct{ ds *plugin.Datasource }

func newInProcess(ctx context.Context, settings backend.DataSourceInstanceSettings) (*inProcess, error) {
	inst, err := plugin.NewDatasource(ctx, settings)
	if err != nil {
		return nil, fmt.Errorf("NewDatasource: %w", err)
	}
	return &inProcess{ds: inst.(*plugin.Datasource)}, nil
}

func (p *inProcess) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	return p.ds.QueryData(ctx, req)
}

func (p *inProcess) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	return p.ds.CheckHealth(ctx, req)
}

func (p *inProcess) pid() int { return os.Getpid() }
func (p *inProcess) close()   { p.ds.Dispose() }

// process is one plugin process, started the way Grafana starts it:
// go-plugin's handshake on stdout with Grafana's magic cookie, then the
// Data and Diagnostics services over gRPC (as pkg/main_test.go does).
type process struct {
	client      *goplugin.Client
	cmd         *exec.Cmd
	data        pluginv2.DataClient
	diagnostics pluginv2.DiagnosticsClient
}

func startProcess(binary string, verbose bool, name string) (*process, error) {
	level := hclog.Error
	if verbose {
		level = hclog.Warn
	}
	cmd := exec.Command(binary)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"data":        &grpcplugin.DataGRPCPlugin{},
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
		}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr}),
		StartTimeout:     30 * time.Second,
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("go-plugin handshake with %s: %w", binary, err)
	}
	p := &process{client: client, cmd: cmd}
	for name, dst := range map[string]any{"data": &p.data, "diagnostics": &p.diagnostics} {
		raw, err := rpc.Dispense(name)
		if err != nil {
			client.Kill()
			return nil, fmt.Errorf("dispense %s: %w", name, err)
		}
		switch d := dst.(type) {
		case *pluginv2.DataClient:
			*d = raw.(pluginv2.DataClient)
		case *pluginv2.DiagnosticsClient:
			*d = raw.(pluginv2.DiagnosticsClient)
		}
	}
	return p, nil
}

func (p *process) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp, err := p.data.QueryData(ctx, backend.ToProto().QueryDataRequest(req))
	if err != nil {
		return nil, err
	}
	return backend.FromProto().QueryDataResponse(resp)
}

func (p *process) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	resp, err := p.diagnostics.CheckHealth(ctx, &pluginv2.CheckHealthRequest{
		PluginContext: backend.ToProto().PluginContext(req.PluginContext), Headers: req.Headers})
	if err != nil {
		return nil, err
	}
	return backend.FromProto().CheckHealthResponse(resp), nil
}

func (p *process) pid() int {
	if p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

func (p *process) close() { p.client.Kill() }

// buildPlugin builds the plugin's backend (./pkg) into dir, as mage builds
// it into dist/, and returns the binary's path.
func buildPlugin(ctx context.Context, dir string) (string, error) {
	name := fmt.Sprintf("gpx_auditlog_%s_%s", runtime.GOOS, runtime.GOARCH)
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	bin := filepath.Join(dir, name)
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/auditlens/auditlog/pkg").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building the plugin (go build ./pkg; run from the repository, or give -plugin-binary): %v\n%s", err, out)
	}
	return bin, nil
}

// procUsage is what /proc says of a process: peak RSS (VmHWM, bytes) and
// CPU time (user + system). Zero where there is no /proc.
func procUsage(pid int) (peak int64, cpu time.Duration) {
	peak = procStatusOf(strconv.Itoa(pid), "VmHWM")
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return peak, 0
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		f := strings.Fields(s[i+1:])
		// utime and stime are fields 14 and 15 of stat; f[0] is field 3.
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			st, _ := strconv.ParseInt(f[12], 10, 64)
			cpu = time.Duration(u+st) * time.Second / 100 // USER_HZ, 100 on Linux
		}
	}
	return peak, cpu
}

// procStatusOf reads a kB value of /proc/<pid>/status in bytes.
func procStatusOf(pid, key string) int64 {
	f, err := os.Open(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	defer f.Close()
	return statusValue(f, key)
}

func statusValue(r io.Reader, key string) int64 {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
