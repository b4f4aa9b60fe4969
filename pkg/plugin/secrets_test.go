package plugin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// The leak test: every provider configured with a distinctive secret, the
// simulator behind a "leaky vendor" that echoes every request header, URL
// and body back in each vendor's error shapes (and in 200 answers that are
// not what the API should say, and redirects to another host), and
// everything the plugin hands back or writes down checked for the secrets:
// health messages and details, query errors, frames as JSON (notices and
// executed-query text included), resource answers, every log line.

// Distinctive secrets (no common prefix, so that any 10 characters of one
// can be searched for).
var leakCreds = struct {
	domoToken, platformID, platformSecret, dominoJWT, dominoKey, datafoldKey, teToken string
}{
	domoToken:      "dmTok7Q2xVb9LkP4sWn",
	platformID:     "leak-client-id",
	platformSecret: "pfSec3Hn8ZrW1cYq6Ke",
	dominoJWT:      "dnJwt5Tg2MeK7uXa0Lp",
	dominoKey:      "dnKey2Rb6YsJ9eTq4Mv",
	datafoldKey:    "dfKey9Ws4LpN6bRj3Gc",
	teToken:        "teTok1Fz7QcV5hDm8Xe",
}

// captureLogger is a backend/log.Logger (and an io.Writer for the standard
// library's log) that keeps every line.
type captureLogger struct {
	mu   *sync.Mutex
	buf  *strings.Builder
	with []any
}

func newCaptureLogger() *captureLogger {
	return &captureLogger{mu: &sync.Mutex{}, buf: &strings.Builder{}}
}

// install makes it the SDK's loggers and the standard library's log output
// for the test.
func (c *captureLogger) install(t *testing.T) {
	d, b, w := log.DefaultLogger, backend.Logger, stdlog.Writer()
	log.DefaultLogger, backend.Logger = c, c
	stdlog.SetOutput(c)
	t.Cleanup(func() {
		log.DefaultLogger, backend.Logger = d, b
		stdlog.SetOutput(w)
	})
}

func (c *captureLogger) log(level, msg string, args []any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.buf, "%s %s %v\n", level, msg, append(append([]any(nil), c.with...), args...))
}

func (c *captureLogger) Debug(msg string, args ...any) { c.log("debug", msg, args) }
func (c *captureLogger) Info(msg string, args ...any)  { c.log("info", msg, args) }
func (c *captureLogger) Warn(msg string, args ...any)  { c.log("warn", msg, args) }
func (c *captureLogger) Error(msg string, args ...any) { c.log("error", msg, args) }
func (c *captureLogger) Level() log.Level              { return log.Debug }

func (c *captureLogger) With(args ...any) log.Logger {
	return &captureLogger{mu: c.mu, buf: c.buf, with: append(append([]any(nil), c.with...), args...)}
}

func (c *captureLogger) FromContext(context.Context) log.Logger { return c }

func (c *captureLogger) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *captureLogger) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *captureLogger) reset() {
	c.mu.Lock()
	c.buf.Reset()
	c.mu.Unlock()
}

// leakyVendor stands in front of the simulator. In mode "pass" it forwards;
// otherwise it answers every vendor request itself with the request's
// headers, URL and body echoed in the chosen shape and status, or
// redirects to another host.
type leakyVendor struct {
	sim http.Handler

	mu        sync.Mutex
	mode      string // pass, echo, cut, redirect
	status    int
	shape     string // domo, oauth, problem, fastapi, text, html, records, broken
	elsewhere string // redirect target origin
	// tokens are the credentials seen on requests (the access tokens Domo's
	// token endpoint issued included): all of them are secrets.
	tokens map[string]bool
}

func (v *leakyVendor) set(mode string, status int, shape string) {
	v.mu.Lock()
	v.mode, v.status, v.shape = mode, status, shape
	v.mu.Unlock()
}

func (v *leakyVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	v.mu.Lock()
	mode, status, shape, elsewhere := v.mode, v.status, v.shape, v.elsewhere
	for _, h := range []string{"Authorization", "X-Domo-Developer-Token", "X-Domino-Api-Key"} {
		if val := r.Header.Get(h); val != "" {
			_, tok, _ := strings.Cut(val, " ")
			v.tokens[val] = true
			if tok != "" {
				v.tokens[tok] = true
			}
		}
	}
	v.mu.Unlock()
	if mode == "pass" || strings.HasPrefix(r.URL.Path, "/_sim/") {
		v.sim.ServeHTTP(w, r)
		return
	}
	if mode == "redirect" {
		http.Redirect(w, r, elsewhere+r.URL.RequestURI(), http.StatusFound)
		return
	}
	echo := echoOf(r, body)
	if mode == "cut" {
		// The credentials right where a 300-character message is cut off.
		var creds []string
		for _, h := range []string{"Authorization", "X-Domo-Developer-Token", "X-Domino-Api-Key"} {
			if val := r.Header.Get(h); val != "" {
				if _, tok, ok := strings.Cut(val, " "); ok {
					val = tok
				}
				creds = append(creds, val)
			}
		}
		echo = strings.Repeat("x", 288) + strings.Join(creds, " ")
	}
	writeEcho(w, status, shape, echo)
}

// echoOf renders a request the way a chatty server might: every header,
// the URL and the body.
func echoOf(r *http.Request, body []byte) string {
	var names []string
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s; ", k, strings.Join(r.Header[k], ", "))
	}
	fmt.Fprintf(&b, "url: %s; body: %s", r.URL.String(), body)
	return b.String()
}

func writeEcho(w http.ResponseWriter, status int, shape, echo string) {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	ctype, out := "application/json", ""
	switch shape {
	case "domo":
		out = js(map[string]any{"status": status, "statusReason": "Rejected " + echo, "message": "Bad request: " + echo, "toe": "T0E"})
	case "oauth":
		out = js(map[string]any{"error": "invalid_token " + echo, "error_description": echo})
	case "problem":
		ctype = "application/problem+json"
		out = js(map[string]any{"type": "about:blank", "title": echo, "status": status, "detail": echo, "instance": echo,
			"errors": []map[string]string{{"code": "X", "field": echo, "message": echo}}})
	case "fastapi":
		out = js(map[string]any{"detail": []map[string]any{{"loc": []string{"body", echo}, "msg": echo, "type": "value_error"}}})
	case "text":
		ctype, out = "text/plain", echo
	case "html":
		ctype, out = "text/html", "<html><body><h1>Error</h1><pre>"+echo+"</pre></body></html>"
	case "records":
		// A 200 answer shaped like no vendor's: records with the echo in them.
		out = js(map[string]any{"unexpected": []string{echo}})
	case "broken":
		// JSON cut off right after the echo.
		out = `[{"time": 1700000000000, "eventText": ` + js(echo) + `, "x": `
	case "starts":
		// Not JSON at all, starting with the credentials.
		ctype, out = "text/plain", strings.TrimPrefix(echo[strings.Index(echo, "Authorization: ")+len("Authorization: "):], "Bearer ")
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

// received records what reaches the other host of a redirect.
type received struct {
	mu  sync.Mutex
	log strings.Builder
}

func (rc *received) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.log.WriteString(echoOf(r, body) + "\n")
	rc.mu.Unlock()
	writeEcho(w, http.StatusUnauthorized, "oauth", echoOf(r, body))
}

func (rc *received) String() string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.log.String()
}

func leakSettings(url string) []backend.DataSourceInstanceSettings {
	jd := func(providers map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"providers": providers})
		return b
	}
	secrets := map[string]string{
		"domoToken":                leakCreds.domoToken,
		"domoPlatformClientSecret": leakCreds.platformSecret,
		"dominoToken":              leakCreds.dominoJWT,
		"datafoldApiKey":           leakCreds.datafoldKey,
		"thousandeyesToken":        leakCreds.teToken,
	}
	all := backend.DataSourceInstanceSettings{ID: 7, UID: "leak", Name: "Audit Log", Type: "auditlens-auditlog-datasource",
		JSONData: jd(map[string]any{
			events.Domo:         map[string]any{"enabled": true, "instance": "acme", "url": url},
			events.DomoPlatform: map[string]any{"enabled": true, "clientId": leakCreds.platformID, "url": url},
			events.Domino:       map[string]any{"enabled": true, "url": url, "authType": "bearer"},
			events.Datafold:     map[string]any{"enabled": true, "url": url},
			events.ThousandEyes: map[string]any{"enabled": true, "url": url, "requestsPerMinute": -1},
		}),
		DecryptedSecureJSONData: secrets}
	apiKey := backend.DataSourceInstanceSettings{ID: 8, UID: "leak-apikey", Name: "Audit Log (Domino API key)", Type: "auditlens-auditlog-datasource",
		JSONData:                jd(map[string]any{events.Domino: map[string]any{"enabled": true, "url": url, "authType": "apiKey"}}),
		DecryptedSecureJSONData: map[string]string{"dominoToken": leakCreds.dominoKey}}
	return []backend.DataSourceInstanceSettings{all, apiKey}
}

// forbidden lists every secret and its encodings; any 10 characters of one
// found in the output is a leak.
func forbidden(tokens map[string]bool) []string {
	basic := leakCreds.platformID + ":" + leakCreds.platformSecret
	out := []string{leakCreds.domoToken, leakCreds.platformSecret, leakCreds.dominoJWT, leakCreds.dominoKey, leakCreds.datafoldKey, leakCreds.teToken}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString([]byte(basic)))
	}
	for _, s := range out[:6] {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(s)))
	}
	for tok := range tokens {
		if len(tok) >= 10 && tok != leakCreds.platformID && !strings.HasPrefix(strings.ToLower(tok), "bearer ") &&
			!strings.HasPrefix(tok, "Basic ") && !strings.HasPrefix(tok, "Key ") {
			out = append(out, tok)
		}
	}
	return out
}

// leakIn returns the first secret fragment (10 characters) found in s.
func leakIn(s string, secrets []string) string {
	for _, sec := range secrets {
		for i := 0; i+10 <= len(sec); i++ {
			if frag := sec[i : i+10]; strings.Contains(s, frag) {
				return frag + " (of " + sec + ")"
			}
		}
	}
	return ""
}

func TestNoSecretLeaks(t *testing.T) {
	logs := newCaptureLogger()
	logs.install(t)

	cfg := vendorsim.DefaultConfig()
	cfg.Events, cfg.Seed = 3000, 11
	cfg.ThousandEyesRateLimit = -1
	cfg.DomoToken, cfg.DomoPlatformClientID, cfg.DomoPlatformClientSecret = leakCreds.domoToken, leakCreds.platformID, leakCreds.platformSecret
	cfg.DominoBearer, cfg.DominoAPIKey, cfg.DatafoldAPIKey, cfg.ThousandEyesToken = leakCreds.dominoJWT, leakCreds.dominoKey, leakCreds.datafoldKey, leakCreds.teToken
	sim := vendorsim.New(cfg)
	other := &received{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	vendor := &leakyVendor{sim: sim, mode: "pass", tokens: map[string]bool{}, elsewhere: otherSrv.URL}
	srv := httptest.NewServer(vendor)
	t.Cleanup(srv.Close)
	end := cfg.End
	from := end.Add(-3 * time.Hour)

	type output struct{ where, text string }
	// exercise drives one fresh instance of each data source through health,
	// queries and resources, and returns everything it said.
	exercise := func(t *testing.T) []output {
		var outs []output
		add := func(where, text string) { outs = append(outs, output{where, text}) }
		for _, s := range leakSettings(srv.URL) {
			ds := newSimDatasource(t, s)
			// Retries without the waits.
			w := &waits{from: clock.Now()}
			ds.fetcher.Sleep, ds.fetcher.Clock = w.sleep, w.now
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			res, err := ds.CheckHealth(ctx, &backend.CheckHealthRequest{})
			cancel()
			if err != nil {
				add(s.UID+" health error", err.Error())
			} else {
				add(s.UID+" health", res.Message+"\n"+string(res.JSONDetails))
			}
			var qs []backend.DataQuery
			ids := append([]string{"all"}, ds.settings.Enabled()...)
			for _, id := range ids {
				for _, f := range []string{"table", "timeseries", "logs"} {
					q := map[string]any{"provider": id, "format": f, "options": map[string]any{"allAccountGroups": true}}
					if f == "timeseries" {
						q["groupBy"] = "user"
					}
					qs = append(qs, dataQuery(fmt.Sprintf("%s-%s", id, f), q, from, end, time.Minute))
				}
			}
			ctx, cancel = context.WithTimeout(context.Background(), 60*time.Second)
			resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: qs})
			cancel()
			if err != nil {
				add(s.UID+" query error", err.Error())
			} else {
				for ref, r := range resp.Responses {
					if r.Error != nil {
						add(s.UID+" "+ref+" error", r.Error.Error())
					}
				}
				b, err := json.Marshal(resp)
				if err != nil {
					t.Fatalf("marshal frames: %v", err)
				}
				add(s.UID+" frames", string(b))
			}
			paths := []string{"providers", "objectTypes?provider=domo", "users?provider=all"}
			for _, id := range ids {
				paths = append(paths, "events?provider="+id)
			}
			for _, p := range paths {
				code, body := resource(t, ds, "GET", p)
				add(fmt.Sprintf("%s resource %s (%d)", s.UID, p, code), body)
			}
		}
		return outs
	}

	for _, sc := range []struct {
		name, mode string
		status     int
		shape      string
	}{
		{"a working vendor", "pass", 0, ""},
		{"401 in Domo's error shape", "echo", 401, "domo"},
		{"401 in OAuth's error shape", "echo", 401, "oauth"},
		{"403 as RFC 7807 problem", "echo", 403, "problem"},
		{"422 FastAPI validation error", "echo", 422, "fastapi"},
		{"400 plain text", "echo", 400, "text"},
		{"404 web page", "echo", 404, "html"},
		{"500 plain text (retried)", "echo", 500, "text"},
		{"503 as RFC 7807 problem (retried)", "echo", 503, "problem"},
		{"401 cut off in the middle of a credential", "cut", 401, "oauth"},
		{"200 web page", "echo", 200, "html"},
		{"200 unexpected JSON", "echo", 200, "records"},
		{"200 broken JSON", "echo", 200, "broken"},
		{"200 starting with the credentials", "echo", 200, "starts"},
		{"redirect to another host", "redirect", 0, ""},
	} {
		t.Run(sc.name, func(t *testing.T) {
			vendor.set(sc.mode, sc.status, sc.shape)
			defer vendor.set("pass", 0, "")
			logs.reset()
			outs := exercise(t)
			vendor.mu.Lock()
			secrets := forbidden(vendor.tokens)
			vendor.mu.Unlock()
			logged := logs.String()
			outs = append(outs, output{"logs", logged})
			// Every provider's vendor calls are in the debug log (so that the
			// check above covers them), with their status, and without the
			// query string (cursors, user filters).
			for _, id := range events.ProviderIDs {
				if !strings.Contains(logged, "vendor call [provider "+id+" method ") {
					t.Errorf("no vendor call of %s was logged", id)
				}
			}
			if want := "status " + strconv.Itoa(sc.status) + " "; sc.status >= 400 && !strings.Contains(logged, want) {
				t.Errorf("the log does not show the vendor's %d", sc.status)
			}
			if strings.Contains(logged, "offset=") || strings.Contains(logged, "startTimestamp=") {
				t.Errorf("the log shows a query string")
			}
			for _, o := range outs {
				if leak := leakIn(o.text, secrets); leak != "" {
					i := strings.Index(o.text, leak[:10])
					t.Errorf("%s shows %s:\n…%s…", o.where, leak, o.text[max(0, i-200):min(len(o.text), i+60)])
				}
			}
			if sc.mode == "pass" {
				// The baseline must really have worked, or the scenarios prove nothing.
				for _, o := range outs {
					if strings.HasSuffix(o.where, " health") && !strings.Contains(o.text, "providers working\n") {
						t.Errorf("%s: %s", o.where, o.text)
					}
					if strings.Contains(o.where, " error") {
						t.Errorf("%s: %.300s", o.where, o.text)
					}
				}
			} else {
				failed := 0
				for _, o := range outs {
					if strings.Contains(o.where, " error") {
						failed++
					}
				}
				if failed == 0 {
					t.Errorf("no query failed: the leaky vendor was not reached")
				}
			}
		})
	}
	if leak := leakIn(other.String(), forbidden(vendor.tokens)); leak != "" {
		t.Errorf("a redirect carried %s to another host:\n%.600s", leak, other.String())
	}
	if len(vendor.tokens) < 6 {
		t.Errorf("the vendor saw only %d credentials; want every provider's", len(vendor.tokens))
	}
}
