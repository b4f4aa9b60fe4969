// Package fetch is the generic paging loop: it splits a range into windows,
// fetches them concurrently, pages each to its end, retries what may
// succeed on a second try, and filters and de-duplicates the result.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Defaults of a Fetcher.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = 5
	maxPagesPerWindow  = 100000
)

// Fetcher runs provider requests. It is safe for concurrent use.
type Fetcher struct {
	Client *http.Client
	// Concurrency bounds the windows fetched at once, per Fetch call.
	Concurrency int
	// MaxAttempts bounds tries of one request (429 / 502 / 503 / 504 / network).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the capped exponential back-off.
	BaseBackoff, MaxBackoff time.Duration
	// Sleep waits or returns early with the context's error (tests replace it).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Result is the outcome of one Fetch.
type Result struct {
	Events   []events.Event // filtered, de-duplicated, newest first
	Requests int64          // HTTP requests sent, retries included
	Records  int64          // records the vendor returned
	Windows  int
	// FirstRequest describes the first request sent (no secrets).
	FirstRequest string
}

// Windows splits [from, to) into windows of at most size, aligned to
// multiples of size since the epoch so that the same window recurs across
// refreshes.
func Windows(from, to time.Time, size time.Duration) []providers.Window {
	if !from.Before(to) {
		return nil
	}
	var out []providers.Window
	start := from
	for start.Before(to) {
		end := start.Truncate(size).Add(size)
		if end.After(to) {
			end = to
		}
		out = append(out, providers.Window{From: start, To: end})
		start = end
	}
	return out
}

// Fetch returns every event of p in r's window that matches r's filter.
func (f *Fetcher) Fetch(ctx context.Context, p providers.Provider, r providers.Request) (*Result, error) {
	wins := Windows(r.From, r.To, p.WindowSize())
	res := &Result{Windows: len(wins)}
	if len(wins) == 0 {
		return res, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	conc := f.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	perWindow := make([][]events.Event, len(wins))
	var (
		wg       sync.WaitGroup
		sem      = make(chan struct{}, conc)
		errOnce  sync.Once
		firstErr error
		describe sync.Once
	)
	// Newest windows first: the newest events are what users look at.
	for i := len(wins) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			wr := r
			wr.Window = wins[i]
			evs, err := f.fetchWindow(ctx, p, wr, res, &describe)
			if err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
				return
			}
			perWindow[i] = evs
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	n := 0
	for _, w := range perWindow {
		n += len(w)
	}
	all := make([]events.Event, 0, n)
	for i := len(perWindow) - 1; i >= 0; i-- {
		all = append(all, perWindow[i]...)
	}
	events.SortNewestFirst(all)
	res.Events = all
	return res, nil
}

// fetchWindow pages one window to its end.
func (f *Fetcher) fetchWindow(ctx context.Context, p providers.Provider, r providers.Request, res *Result, describe *sync.Once) ([]events.Event, error) {
	var out []events.Event
	seen := map[string]bool{"": true}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages >= maxPagesPerWindow {
			return nil, fmt.Errorf("%s: more than %d pages in one window; the API keeps returning full pages", p.ID(), maxPagesPerWindow)
		}
		body, err := f.Do(ctx, p, func() (*http.Request, error) { return p.NewRequest(ctx, r, cursor) }, res, describe)
		if err != nil {
			return nil, err
		}
		page, err := p.ParsePage(body, r, cursor)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read the API's answer: %w", p.ID(), err)
		}
		atomic.AddInt64(&res.Records, int64(page.Records))
		out = append(out, page.Events...)
		if page.Next == "" {
			break
		}
		if seen[page.Next] {
			return nil, fmt.Errorf("%s: the API returned the same next page twice; stopping to avoid a loop", p.ID())
		}
		seen[page.Next] = true
		cursor = page.Next
	}
	out = r.Filter.Apply(out)
	return events.Dedupe(out), nil
}

// Do sends one request built by build, retrying 429, 502, 503, 504 and
// network errors with Retry-After / reset headers or capped exponential
// back-off with jitter, and refreshing short-lived tokens once on a 401.
func (f *Fetcher) Do(ctx context.Context, p providers.Provider, build func() (*http.Request, error), res *Result, describe *sync.Once) ([]byte, error) {
	attempts := f.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, err
		}
		if describe != nil {
			describe.Do(func() { res.FirstRequest = Describe(p, req) })
		}
		if res != nil {
			atomic.AddInt64(&res.Requests, 1)
		}
		body, err := providers.Do(f.client(), req, p)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *providers.HTTPError
		isHTTP := errors.As(err, &he)
		if isHTTP && he.Status == http.StatusUnauthorized && !refreshed {
			if tr, ok := p.(providers.TokenRefresher); ok {
				tr.Invalidate()
				refreshed = true
				attempt--
				continue
			}
		}
		retryable := (isHTTP && he.Retryable()) || (!isHTTP && isNetworkError(err))
		if !retryable || attempt >= attempts {
			if retryable {
				return nil, fmt.Errorf("%w (gave up after %d tries)", err, attempt)
			}
			return nil, err
		}
		wait := f.backoff(attempt)
		if isHTTP && he.RetryAfter > 0 {
			wait = he.RetryAfter + jitter(250*time.Millisecond)
		}
		if err := f.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (f *Fetcher) client() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	return http.DefaultClient
}

func (f *Fetcher) backoff(attempt int) time.Duration {
	base, maxB := f.BaseBackoff, f.MaxBackoff
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if maxB <= 0 {
		maxB = 30 * time.Second
	}
	d := base << (attempt - 1)
	if d > maxB || d <= 0 {
		d = maxB
	}
	// Full jitter in [d/2, d).
	return d/2 + jitter(d/2)
}

func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}

func (f *Fetcher) sleep(ctx context.Context, d time.Duration) error {
	if f.Sleep != nil {
		return f.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isNetworkError: the request may not have reached the vendor, or its
// answer was cut off.
func isNetworkError(err error) bool {
	var ne *providers.NetworkError
	return errors.As(err, &ne)
}

// Describe renders a request for meta.executedQueryString: method, URL
// and JSON body; credentials are in headers and never shown.
func Describe(p providers.Provider, req *http.Request) string {
	s := req.Method + " " + req.URL.String()
	if req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 1024))
			rc.Close()
			if len(bytes.TrimSpace(b)) > 0 {
				s += " " + string(b)
			}
		}
	}
	if r, ok := p.(providers.Redactor); ok {
		s = r.Redact(s)
	}
	return s
}
