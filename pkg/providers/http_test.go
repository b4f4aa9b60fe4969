package providers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

func TestVendorErrorShapesBecomeReadableMessages(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"status":401,"statusReason":"Unauthorized","message":"Full authentication is required","toe":"X1"}`, "Full authentication is required"},
		{`{"type":"about:blank","title":"Too Many Requests","status":429,"detail":"Organization rate limit exceeded"}`, "Too Many Requests: Organization rate limit exceeded"},
		{`{"error":"invalid_token","error_description":"The access token is invalid"}`, "The access token is invalid"},
		{`{"detail":[{"loc":["body","start_date"],"msg":"invalid datetime format","type":"value_error"}]}`, "start_date: invalid datetime format"},
		{`{"title":"Bad Request","errors":[{"code":"x","field":"window","message":"must match"}]}`, "Bad Request: window: must match"},
		{`plain text failure`, "plain text failure"},
	} {
		if got := vendorMessage([]byte(c.body)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.body, got, c.want)
		}
	}
}

func serve(t *testing.T, status int, ctype, body string, hdr map[string]string) (*httptest.Server, Provider) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The vendor's clock is the plugin's (rate-limit resets are
		// measured against the answer's Date).
		w.Header().Set("Date", clock.Now().UTC().Format(http.TimeFormat))
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	p, err := New(events.ThousandEyes, models.ProviderSettings{Enabled: true, URL: srv.URL, Secret: "tok-SECRET-123"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, p
}

func doOnce(t *testing.T, srv *httptest.Server, p Provider) ([]byte, error) {
	t.Helper()
	req, _ := p.NewRequest(context.Background(), everything, "")
	body, _, err := Do(srv.Client(), req, p)
	return body, err
}

func TestDoReportsStatusHintAndRedactsSecrets(t *testing.T) {
	srv, p := serve(t, 401, "application/json", `{"error":"invalid_token","error_description":"token tok-SECRET-123 is expired"}`, nil)
	_, err := doOnce(t, srv, p)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 401 {
		t.Fatalf("want an HTTPError 401, got %v", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "tok-SECRET-123") || !strings.Contains(msg, "[redacted]") || !strings.Contains(msg, "User API Tokens") {
		t.Fatalf("message %q must redact the token and say what to check", msg)
	}
}

func TestDoRejectsHTMLWithStatus200(t *testing.T) {
	srv, p := serve(t, 200, "text/html", `<!doctype html><html><body>Sign in</body></html>`, nil)
	_, err := doOnce(t, srv, p)
	if err == nil || !strings.Contains(err.Error(), "web page instead of JSON") {
		t.Fatalf("got %v", err)
	}
}

// ThousandEyes announces its budget on every answer, 429s included: the
// answer's headers come back with the error, and the provider names them.
func TestThousandEyesAnnouncesItsBudget(t *testing.T) {
	reset := clock.Now().Add(30 * time.Second).Unix()
	srv, p := serve(t, 429, "application/problem+json", `{"title":"Too Many Requests","status":429}`,
		map[string]string{"X-Organization-Rate-Limit-Limit": "240", "X-Organization-Rate-Limit-Remaining": "0", "X-Organization-Rate-Limit-Reset": itoa(reset)})
	req, _ := p.NewRequest(context.Background(), everything, "")
	_, hdr, err := Do(srv.Client(), req, p)
	var he *HTTPError
	if !errors.As(err, &he) || !he.Retryable() || he.RetryAfter != 0 {
		t.Fatalf("want a retryable 429 without Retry-After, got %+v", he)
	}
	l, names := p.(RateLimited).RateLimit()
	now := clock.Now()
	a := names.Read(hdr, now, l.Window)
	if a.Limit != 240 || a.Remaining != 0 || a.Reset.Sub(now) < 28*time.Second || a.Reset.Sub(now) > 31*time.Second || l.Requests != 240 {
		t.Fatalf("announced %+v (documented %+v)", a, l)
	}
	srv2, p2 := serve(t, 503, "", ``, map[string]string{"Retry-After": "7"})
	_, err = doOnce(t, srv2, p2)
	if !errors.As(err, &he) || he.RetryAfter != 7*time.Second {
		t.Fatalf("Retry-After: %+v", he)
	}
}

func TestDoRefusesOtherOrigins(t *testing.T) {
	_, p := serve(t, 200, "", `{}`, nil)
	req, _ := http.NewRequest("GET", "https://elsewhere.example.com/v7/audit-user-events", nil)
	if _, _, err := Do(http.DefaultClient, req, p); err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
		t.Fatalf("got %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Go re-sends custom headers (X-DOMO-Developer-Token, X-Domino-Api-Key) on
// redirects, even to another host: a redirect off the base URL is not
// followed but reported.
func TestDoDoesNotFollowRedirectsElsewhere(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect was followed with headers %v", r.Header)
	}))
	t.Cleanup(elsewhere.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, elsewhere.URL+"/login?next=x", http.StatusFound)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusMovedPermanently) // same origin: followed
	}))
	t.Cleanup(srv.Close)
	p, err := New(events.Domo, models.ProviderSettings{Enabled: true, URL: srv.URL, Instance: "acme", Secret: "tok-SECRET-123"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = doOnce(t, srv, p)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusFound || !strings.Contains(err.Error(), "redirects to "+elsewhere.URL+", outside the configured URL") {
		t.Fatalf("want the 302 reported, got %v", err)
	}
}

// A vendor that echoes the credentials in a long error message: they are
// redacted before the message is cut to length, and the Basic client
// credentials are redacted too. (A wrong Domo platform client secret once
// deadlocked here: Redact took the lock the token request held.)
func TestDoRedactsEchoedCredentials(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"` + strings.Repeat("x", 290) + cred + `"}`))
	}))
	t.Cleanup(srv.Close)
	p, err := New(events.DomoPlatform, models.ProviderSettings{Enabled: true, URL: srv.URL, ClientID: "cid", Secret: "client-SECRET-456"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := p.NewRequest(context.Background(), everything, "")
		done <- err
	}()
	select {
	case err := <-done:
		basic := "Y2lkOmNsaWVudC1TRUNSRVQtNDU2" // base64("cid:client-SECRET-456")
		if err == nil || strings.Contains(err.Error(), basic[:8]) || !strings.Contains(err.Error(), "HTTP 401") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the token request did not return")
	}
}
