package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes bounds one response body.
const MaxBodyBytes = 64 << 20

// HTTPError is a vendor's non-success answer, in words an admin can act on.
type HTTPError struct {
	Provider string
	Status   int
	// Message is the vendor's own message (secrets redacted), if any.
	Message string
	Hint    string
	// RetryAfter is how long the vendor asked us to wait (429/503), if it said.
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the API answered HTTP %d %s", e.Provider, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// Retryable reports whether the request may succeed if sent again.
func (e *HTTPError) Retryable() bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// NetworkError is a failure to reach the vendor or to read its answer; the
// request may be retried.
type NetworkError struct {
	Provider, Host string
	Err            error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s: cannot reach %s: %v", e.Provider, e.Host, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// Redactor removes secret values from text.
type Redactor interface {
	Redact(s string) string
}

// redact replaces each secret in s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// Do sends one request to p's API and returns the body of a 2xx answer, or
// an *HTTPError. It checks that the request goes to p's base URL.
func Do(client *http.Client, req *http.Request, p Provider) ([]byte, error) {
	if err := SameOrigin(p, req.URL.String()); err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, &NetworkError{Provider: p.ID(), Host: req.URL.Host, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= MaxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, MaxBodyBytes+1))
	body := buf.Bytes()
	if err != nil {
		return nil, &NetworkError{Provider: p.ID(), Host: req.URL.Host, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if len(body) > MaxBodyBytes {
		return nil, fmt.Errorf("%s: the response is larger than %d MiB; narrow the time range", p.ID(), MaxBodyBytes>>20)
	}
	if resp.StatusCode/100 != 2 {
		return nil, newHTTPError(p, resp, body)
	}
	if looksHTML(resp, body) {
		return nil, fmt.Errorf("%s: %s returned a web page instead of JSON; check the URL in the data source settings", p.ID(), req.URL.Host)
	}
	return body, nil
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

func looksHTML(resp *http.Response, body []byte) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "html") {
		return true
	}
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '<'
}

func newHTTPError(p Provider, resp *http.Response, body []byte) *HTTPError {
	e := &HTTPError{Provider: p.ID(), Status: resp.StatusCode}
	if looksHTML(resp, body) {
		e.Message = "the server returned a web page, not an API answer"
		if resp.StatusCode == http.StatusNotFound {
			e.Hint = "check the URL in the data source settings"
		}
	} else {
		e.Message = vendorMessage(body)
	}
	if r, ok := p.(Redactor); ok {
		e.Message = r.Redact(e.Message)
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Hint = p.AuthHint(resp.StatusCode)
	case http.StatusNotFound:
		if e.Hint == "" {
			e.Hint = "check the URL in the data source settings"
		}
	}
	e.RetryAfter = retryAfter(resp.Header, time.Now())
	return e
}

// retryAfter reads Retry-After (seconds or HTTP date) or ThousandEyes'
// X-Organization-Rate-Limit-Reset (epoch seconds of the next window).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := h.Get("X-Organization-Rate-Limit-Reset"); v != "" {
		if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now), 0)
		}
	}
	return 0
}

// vendorMessage extracts the human message from the error shapes vendors.md
// lists: Domo {message, statusReason}, RFC 7807 {title, detail, errors},
// OAuth {error, error_description}, FastAPI {detail: [{loc, msg}]}.
func vendorMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		s := strings.TrimSpace(string(body))
		if s == "" {
			return ""
		}
		return truncate(strings.Join(strings.Fields(s), " "), 200)
	}
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(m[k], &s)
		return strings.TrimSpace(s)
	}
	var parts []string
	add := func(s string) {
		if s != "" {
			for _, p := range parts {
				if p == s {
					return
				}
			}
			parts = append(parts, s)
		}
	}
	add(str("error_description"))
	if len(parts) == 0 {
		add(str("error"))
	}
	add(str("title"))
	add(str("detail"))
	add(str("message"))
	if len(parts) == 0 {
		add(str("statusReason"))
	}
	// FastAPI validation errors and RFC 7807 field errors.
	var list []struct {
		Loc     []any  `json:"loc"`
		Msg     string `json:"msg"`
		Field   string `json:"field"`
		Message string `json:"message"`
	}
	for _, k := range []string{"detail", "errors"} {
		if json.Unmarshal(m[k], &list) == nil {
			for _, d := range list {
				field := d.Field
				if len(d.Loc) > 0 {
					field = fmt.Sprint(d.Loc[len(d.Loc)-1])
				}
				msg := d.Msg + d.Message
				if field != "" {
					msg = field + ": " + msg
				}
				add(msg)
			}
		}
	}
	return truncate(strings.Join(parts, ": "), 300)
}

// SameOrigin checks that target is under p's base URL (scheme, host, port
// and path prefix), so that credentials never go elsewhere.
func SameOrigin(p Provider, target string) error {
	base := p.BaseURL()
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("%s: invalid URL: %v", p.ID(), err)
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) || !strings.HasPrefix(u.Path, base.Path) {
		return fmt.Errorf("%s: refusing to send credentials to %s://%s, which is not the configured %s://%s", p.ID(), u.Scheme, u.Host, base.Scheme, base.Host)
	}
	return nil
}
