package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/auditlens/auditlog/internal/httpstatus"
	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/clock"
)

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the module (go run ./cmd/bench)")
	}
	return filepath.Dir(gomod), nil
}

// buildSim builds ./cmd/vendorsim into dir.
func buildSim(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "vendorsim")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/vendorsim")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building ./cmd/vendorsim: %v", err)
	}
	return bin, nil
}

// simHealth is the simulator's GET /_sim/health.
type simHealth struct {
	Status string         `json:"status"`
	Start  time.Time      `json:"start"`
	End    time.Time      `json:"end"`
	Events map[string]int `json:"events"`
}

// simProc is the simulator running as its own process.
type simProc struct {
	cmd    *exec.Cmd
	url    string
	log    string
	health simHealth
	exited chan struct{}
	err    error // set when exited is closed
}

// startSim runs the simulator on a free loopback port, with events per
// provider over days ending at o.end, and waits until it has generated its
// data and answers /_sim/health.
func startSim(ctx context.Context, o *options, bin string, events int, days float64, logPath string) (*simProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin,
		"-addr", addr,
		"-events", strconv.Itoa(events),
		"-days", strconv.FormatFloat(days, 'f', -1, 64),
		"-end", o.end.Format(time.RFC3339),
		"-latency", o.latency.String(),
		"-seed", strconv.FormatInt(o.seed, 10),
		"-te-rate-limit", strconv.Itoa(o.teRateLimit),
		"-te-page-size", strconv.Itoa(o.tePageSize),
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the simulator: %v", err)
	}
	s := &simProc{cmd: cmd, url: "http://" + addr, log: logPath, exited: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.exited) }()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(15 * time.Minute)
	for {
		select {
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-s.exited:
			return nil, fmt.Errorf("the simulator exited (%v); its log: %s", s.err, tail(logPath))
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := client.Get(s.url + "/_sim/health")
		if err != nil {
			if time.Now().After(deadline) {
				s.stop()
				return nil, fmt.Errorf("the simulator did not answer within 15 minutes: %v", err)
			}
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&s.health)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			s.stop()
			return nil, fmt.Errorf("the simulator's /_sim/health: status %d: %v", resp.StatusCode, err)
		}
		return s, nil
	}
}

// truthCount counts the simulator's ground-truth events of provider in
// [from, to) (GET /_sim/truth, read as a stream).
func (s *simProc) truthCount(provider string, from, to time.Time) (int, error) {
	u := fmt.Sprintf("%s/_sim/truth?provider=%s&from=%d&to=%d", s.url, url.QueryEscape(provider), from.UnixMilli(), to.UnixMilli())
	resp, err := http.Get(u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("/_sim/truth: status %d", resp.StatusCode)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(resp.Body, 1<<20))
	if _, err := dec.Token(); err != nil {
		return 0, fmt.Errorf("/_sim/truth: %v", err)
	}
	n := 0
	for dec.More() {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, fmt.Errorf("/_sim/truth: %v", err)
		}
		n++
	}
	return n, nil
}

// stop ends the simulator (SIGTERM, then SIGKILL after 5 s).
func (s *simProc) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// dataPaths are the audit endpoints whose answers are pages of records.
var dataPaths = map[string]string{
	"domo":          "/api/audit/v1/user-audits",
	"domo-platform": "/v1/audit",
	"domino":        "/api/audittrail/v1/auditevents",
	"datafold":      "/api/v1/audit_logs",
	"thousandeyes":  "/v7/audit-user-events",
}

// proxy is a reverse proxy in front of the simulator that counts the
// requests the engine sends (token requests included) and can capture the
// bodies of one provider's successful data responses into a file: each a
// 4-byte big-endian length, then the body. It also keeps the last rate
// budget ThousandEyes announced, so that runs can be started when the
// organisation's minute covers them (budgetWait).
//
// GET /_bench/requests answers the count so far (not forwarded, not
// counted); ?stopCapture=1 also ends the capture. Each such call also
// records a mark: the count and the CPU time used so far by the simulator
// and by this process (the proxy), so the rig's share of the machine during
// a phase is known.
type proxy struct {
	srv      *http.Server
	url      string
	simPID   int
	requests atomic.Int64
	marks    []mark // guarded by mu

	mu       sync.Mutex
	capture  *os.File
	dataPath string // of the provider being captured
	w        *bufio.Writer
	bodies   int
	trace    []traced // since the last takeTrace
	te       budget.Announcement
}

// teHeaders are the headers ThousandEyes announces its budget in, as its
// provider adapter reads them (providers.RateLimited).
var _, teHeaders = documented("thousandeyes")

// teAnnounced is the last budget ThousandEyes announced (zero: none yet),
// its reset on the plugin's clock.
func (p *proxy) teAnnounced() budget.Announcement {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.te
}

// takeTrace returns the requests forwarded since the last call (see
// trace.go).
func (p *proxy) takeTrace() []traced {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.trace
	p.trace = nil
	return t
}

// forward passes one request on and records it.
func (p *proxy) forward(rp *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	t := traced{Start: time.Now(), Query: r.URL.RequestURI()}
	sw := &httpstatus.Recorder{ResponseWriter: w}
	rp.ServeHTTP(sw, r)
	t.End, t.Status = time.Now(), sw.Status
	if r.Context().Err() != nil && sw.Status == 0 {
		t.Status = 499 // the engine cancelled it
	}
	p.mu.Lock()
	p.trace = append(p.trace, t)
	p.mu.Unlock()
}

// mark is the state at one /_bench/requests call.
type mark struct {
	Requests int64
	SimCPU   time.Duration
	ProxyCPU time.Duration
}

// takeMarks returns the marks so far and starts a new list.
func (p *proxy) takeMarks() []mark {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.marks
	p.marks = nil
	return m
}

func startProxy(target string, simPID int) (*proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{url: "http://" + l.Addr().String(), simPID: simPID}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			// Keep the Host the engine used: the simulator builds absolute
			// next-page links from it, and they must come back here.
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		ModifyResponse: p.tee,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() != nil {
				return // the engine cancelled it (a page it no longer needs)
			}
			log.Printf("bench proxy: %v", err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	p.srv = &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/_bench/requests" {
				if r.URL.Query().Get("stopCapture") != "" {
					p.stopCapture()
				}
				m := mark{Requests: p.requests.Load(), SimCPU: processCPU(p.simPID), ProxyCPU: cpuTime()}
				p.mu.Lock()
				p.marks = append(p.marks, m)
				p.mu.Unlock()
				_, _ = io.WriteString(w, strconv.FormatInt(m.Requests, 10))
				return
			}
			p.requests.Add(1)
			p.forward(rp, w, r)
		}),
	}
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

func (p *proxy) close() {
	p.stopCapture()
	_ = p.srv.Close()
}

// startCapture begins capturing provider's data response bodies into path.
func (p *proxy) startCapture(path, provider string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.capture, p.w, p.bodies, p.dataPath = f, bufio.NewWriterSize(f, 1<<20), 0, dataPaths[provider]
	return nil
}

// stopCapture ends the capture (no-op when none runs) and returns the number
// of bodies captured.
func (p *proxy) stopCapture() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.bodies
	if p.capture != nil {
		_ = p.w.Flush()
		_ = p.capture.Close()
		p.capture, p.w = nil, nil
	}
	return n
}

func (p *proxy) capturing(path string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.capture != nil && path == p.dataPath
}

func (p *proxy) write(body []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.capture == nil {
		return
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	_, _ = p.w.Write(n[:])
	_, _ = p.w.Write(body)
	p.bodies++
}

// tee wraps a successful data response's body so that what the engine
// reads is also captured, once it has been read to its end.
func (p *proxy) tee(resp *http.Response) error {
	if resp.Request != nil && resp.Request.URL.Path == dataPaths["thousandeyes"] {
		if a := teHeaders.Read(resp.Header, clock.Now(), time.Minute); a.Known() {
			p.mu.Lock()
			// Answers of one window may be read out of order: keep its lowest count.
			if d := a.Reset.Sub(p.te.Reset); p.te.Known() && d < 2*time.Second && d > -2*time.Second {
				a.Remaining = min(a.Remaining, p.te.Remaining)
			}
			p.te = a
			p.mu.Unlock()
		}
	}
	if resp.StatusCode != http.StatusOK || resp.Request == nil || !p.capturing(resp.Request.URL.Path) {
		return nil
	}
	resp.Body = &teeBody{rc: resp.Body, p: p}
	return nil
}

type teeBody struct {
	rc   io.ReadCloser
	p    *proxy
	buf  bytes.Buffer
	done bool
}

func (t *teeBody) Read(b []byte) (int, error) {
	n, err := t.rc.Read(b)
	t.buf.Write(b[:n])
	if errors.Is(err, io.EOF) && !t.done {
		t.done = true
		t.p.write(t.buf.Bytes())
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// readBodies reads a capture file.
func readBodies(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var out [][]byte
	for {
		var n [4]byte
		if _, err := io.ReadFull(r, n[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		b := make([]byte, binary.BigEndian.Uint32(n[:]))
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
}
