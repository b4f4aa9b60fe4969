package providers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

type tryKey struct{}

// WithTry marks a request's context with which try of it this is, for the
// log line of the call.
func WithTry(ctx context.Context, try int) context.Context {
	return context.WithValue(ctx, tryKey{}, try)
}

// logCall writes one vendor request to the SDK's logger at debug level
// (Grafana shows it with GF_LOG_FILTERS=plugin.<id>:debug): provider,
// method, host, path, status, duration and which try it was. Query
// strings and headers are never logged (they can carry a cursor, a user
// filter or a credential); the host and path go through the provider's
// redaction.
func logCall(p Provider, req *http.Request, took time.Duration, status int, err error) {
	red := func(s string) string { return s }
	if r, ok := p.(Redactor); ok {
		red = r.Redact
	}
	outcome := strconv.Itoa(status)
	switch {
	case status != 0:
	case errors.Is(err, context.Canceled):
		outcome = "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		outcome = "timed out"
	default:
		outcome = "no answer"
	}
	try, _ := req.Context().Value(tryKey{}).(int)
	backend.Logger.FromContext(req.Context()).Debug("vendor call", "provider", p.ID(), "method", req.Method,
		"host", red(req.URL.Host), "path", red(req.URL.Path), "status", outcome, "durationMs", took.Milliseconds(), "try", max(try, 1))
}
