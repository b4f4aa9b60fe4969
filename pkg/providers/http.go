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
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/clock"
)

// MaxBodyBytes bounds one response body.
const MaxBodyBytes = 64 << 20

// ErrTooLarge is an answer longer than MaxBodyBytes.
var ErrTooLarge = fmt.Errorf("the response is larger than %d MiB", MaxBodyBytes>>20)

// readBuffers are reused to read bodies whose length is not announced
// (chunked answers): reading into a growing buffer of its own costs each
// page about twice its size in allocations, and the result would keep up
// to twice its length alive (records' raw bytes are slices of the body).
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps a rare huge answer from pinning its buffer.
const maxPooledBuffer = 4 << 20

// readBody reads at most MaxBodyBytes+1 bytes of resp's body into a slice
// of exactly its length, which nothing else holds.
func readBody(resp *http.Response) ([]byte, error) {
	limited := io.LimitReader(resp.Body, MaxBodyBytes+1)
	if n := resp.ContentLength; n > 0 && n <= MaxBodyBytes {
		body := make([]byte, n)
		got, err := io.ReadFull(limited, body)
		if err == nil {
			// A body longer than announced is read on, as without a length.
			var more [1]byte
			if m, _ := limited.Read(more[:]); m > 0 {
				rest, err := io.ReadAll(limited)
				return append(append(body, more[0]), rest...), err
			}
		}
		return body[:got], err
	}
	buf := readBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			readBuffers.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(limited)
	return bytes.Clone(buf.Bytes()), err
}

// HTTPError is a vendor's non-success answer, in words an admin can act on.
type HTTPError struct {
	Provider string
	Status   int
	// Message is the vendor's own message (secrets redacted), if any.
	Message string
	Hint    string
	// RetryAfter is how long the vendor asked us to wait in Retry-After
	// (429/503), if it said.
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

// Retryable reports whether the request may succeed if sent again: rate
// limits and server errors ("429 / 5xx are retried", docs/architecture.md; a vendor's
// 500 is most often a passing fault, and a lasting one still fails after
// the bounded tries).
func (e *HTTPError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
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
// an *HTTPError, and the answer's headers whatever its status (nil when
// there was no answer). It checks that the request goes to p's base URL.
func Do(client *http.Client, req *http.Request, p Provider) ([]byte, http.Header, error) {
	if err := SameOrigin(p, req.URL.String()); err != nil {
		return nil, nil, backend.DownstreamError(err)
	}
	sent := clock.Now()
	resp, err := sameOriginRedirects(client, p).Do(req)
	if err != nil {
		logCall(p, req, clock.Now().Sub(sent), 0, err)
		if req.Context().Err() != nil {
			return nil, nil, req.Context().Err()
		}
		return nil, nil, &NetworkError{Provider: p.ID(), Host: req.URL.Host, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := readBody(resp)
	logCall(p, req, clock.Now().Sub(sent), resp.StatusCode, nil)
	if err != nil {
		return nil, resp.Header, &NetworkError{Provider: p.ID(), Host: req.URL.Host, Err: fmt.Errorf("reading the response: %w", err)}
	}
	if len(body) > MaxBodyBytes {
		return nil, resp.Header, backend.DownstreamError(fmt.Errorf("%s: %w; narrow the time range", p.ID(), ErrTooLarge))
	}
	if resp.StatusCode/100 != 2 {
		return nil, resp.Header, newHTTPError(p, resp, body)
	}
	if looksHTML(resp, body) {
		return nil, resp.Header, backend.DownstreamErrorf("%s: %s returned a web page instead of JSON; check the URL in the data source settings", p.ID(), req.URL.Host)
	}
	// Every vendor answers a JSON object or array; anything else is not its
	// API (and is not quoted: it could be anything, a request echo included).
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] != '{' && b[0] != '[' {
		return nil, resp.Header, backend.DownstreamErrorf("%s: %s answered HTTP %d with something other than JSON (%s); check the URL in the data source settings",
			p.ID(), req.URL.Host, resp.StatusCode, contentType(resp))
	}
	return body, resp.Header, nil
}

func contentType(resp *http.Response) string {
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	if ct = strings.TrimSpace(ct); ct == "" || len(ct) > 60 {
		return "no JSON content type"
	}
	return "Content-Type " + ct
}

// sameOriginRedirects returns client with a redirect policy that follows
// redirects only within p's base URL. Go re-sends custom headers (Domo's and
// Domino's tokens) on a redirect to another host, so a redirect elsewhere,
// e.g. a single sign-on page in front of a wrongly configured URL, is not
// followed: its answer is reported as is.
func sameOriginRedirects(client *http.Client, p Provider) *http.Client {
	c := *client
	next := client.CheckRedirect
	c.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if SameOrigin(p, r.URL.String()) != nil {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(r, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap()
	}
	return err
}

// looksHTML: the body decides, not the Content-Type, which some servers
// get wrong (JSON labelled text/html or text/plain).
func looksHTML(resp *http.Response, body []byte) bool {
	if b := bytes.TrimSpace(body); len(b) > 0 {
		switch b[0] {
		case '<':
			return true
		case '{', '[':
			return false
		}
	}
	return strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html")
}

func newHTTPError(p Provider, resp *http.Response, body []byte) *HTTPError {
	e := &HTTPError{Provider: p.ID(), Status: resp.StatusCode}
	red := func(s string) string { return s }
	if r, ok := p.(Redactor); ok {
		red = r.Redact
	}
	if looksHTML(resp, body) {
		e.Message = "the server returned a web page, not an API answer"
		if resp.StatusCode == http.StatusNotFound {
			e.Hint = "check the URL in the data source settings"
		}
	} else {
		// Redacted before the message is cut to length (a cut secret would
		// no longer be recognised) and after it is decoded from JSON.
		e.Message = red(vendorMessage([]byte(red(string(body)))))
	}
	if resp.StatusCode/100 == 3 {
		e.Message = ""
		where := "another address"
		if loc, err := resp.Location(); err == nil {
			where = red(loc.Scheme + "://" + loc.Host)
		}
		e.Hint = "it redirects to " + where + ", outside the configured URL, where the plugin does not send credentials: check the URL in the data source settings"
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Hint = p.AuthHint(resp.StatusCode)
	case http.StatusNotFound:
		if e.Hint == "" {
			e.Hint = "check the URL in the data source settings"
		}
	}
	e.RetryAfter = retryAfter(resp.Header, clock.Now())
	return e
}

// retryAfter reads Retry-After: seconds, or an HTTP date on the vendor's
// clock, measured against the answer's Date header (the vendor's now), so
// that a vendor clock minutes ahead of or behind ours waits as long as the
// vendor meant; now is only the fallback when there is no Date. A budget
// the vendor announces in other headers is package budget's business.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	return 0
}

// vendorMessage extracts the human message from the error shapes docs/vendors.md
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
