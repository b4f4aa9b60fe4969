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
	return Do(srv.Client(), req, p)
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

func TestDoReadsRateLimitWaits(t *testing.T) {
	reset := time.Now().Add(30 * time.Second).Unix()
	srv, p := serve(t, 429, "application/problem+json", `{"title":"Too Many Requests","status":429}`,
		map[string]string{"X-Organization-Rate-Limit-Reset": itoa(reset)})
	_, err := doOnce(t, srv, p)
	var he *HTTPError
	if !errors.As(err, &he) || !he.Retryable() || he.RetryAfter < 25*time.Second || he.RetryAfter > 31*time.Second {
		t.Fatalf("want a retryable 429 waiting for the reset, got %+v", he)
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
	if _, err := Do(http.DefaultClient, req, p); err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
		t.Fatalf("got %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
