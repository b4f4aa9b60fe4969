package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// The sequential baseline reads a provider's whole range the way a generic
// REST data source (Grafana's Infinity plugin, a script) does: one request
// for the whole range with the largest page the API allows, then the next
// page, one at a time, until a short or empty page (offset paging: domo,
// domo-platform, domino), no next link (ThousandEyes' _links.next.href), or
// after the one answer (datafold has no paging). Requests are built and
// pages read by the provider adapters of pkg/providers; nothing of the
// engine (pkg/fetch) is used: no windows, no concurrency, no cache, no
// budget. A 429 is waited out as a simple client does (Retry-After, else
// the vendor's X-Organization-Rate-Limit-Reset) and the request sent again.

// newProvider is the adapter of provider pointed at baseURL with the
// simulator's credentials, as the bench's data source configures it.
func newProvider(provider, baseURL string, client *http.Client) (providers.Provider, error) {
	ps := models.ProviderSettings{Enabled: true, URL: baseURL, Secret: vendorsim.SecureJSONData()[models.SecretKey(provider)]}
	switch provider {
	case events.Domo:
		ps.Instance = "acme"
	case events.DomoPlatform:
		ps.ClientID = vendorsim.DomoPlatformClientID
	case events.Domino:
		ps.AuthType = models.AuthBearer
	case events.ThousandEyes:
		ps.AccountGroupID = "1234"
	}
	return providers.New(provider, ps, client)
}

// seqResult is what the sequential reader did for one provider and range.
type seqResult struct {
	Sent        int // requests it sent (token requests and 429s included)
	Pages       int // successful data answers
	Records     int // events in the range read
	Distinct    int // distinct records among them (by their raw JSON)
	RateLimited int // 429 answers waited out
	Waited      time.Duration
	MaxBody     int // bytes of the largest answer
	Wall        time.Duration
	// Requests is the proxy's count (set by the caller; the bench counts
	// every request at the proxy, the engine's and this reader's alike).
	Requests int64
}

// maxRateLimited is how many 429s in a row the reader takes before it
// gives up (a simple client would not retry for ever).
const maxRateLimited = 20

// countingTransport counts every request sent through it.
type countingTransport struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.rt.RoundTrip(r)
}

// readSequential reads [from, to) of provider from the API at baseURL page
// after page. pageSize is the largest page the API allows (0: the server
// picks, or no paging).
func readSequential(ctx context.Context, provider, baseURL string, from, to time.Time, pageSize int) (seqResult, error) {
	var res seqResult
	ct := &countingTransport{rt: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, DisableCompression: true}}
	client := &http.Client{Transport: ct}
	defer client.CloseIdleConnections()
	p, err := newProvider(provider, baseURL, client)
	if err != nil {
		return res, err
	}
	r := providers.Request{Window: providers.Window{From: from, To: to}}
	if provider == events.ThousandEyes {
		r.Options.AllAccountGroups = true // every account group, as the simulator's truth
	}
	seeker, offsetPaged := p.(providers.Seeker)
	if offsetPaged {
		r.PageSize = pageSize
	}
	seen := make(map[uint64]struct{})
	t0 := time.Now()
	cursor := ""
	for {
		body, err := getPage(ctx, client, p, r, cursor, &res)
		if err != nil {
			res.Wall, res.Sent = time.Since(t0), int(ct.n.Load())
			return res, fmt.Errorf("%s page %d: %w", provider, res.Pages+1, err)
		}
		page, err := p.ParsePage(body, r, cursor)
		if err != nil {
			res.Wall, res.Sent = time.Since(t0), int(ct.n.Load())
			return res, fmt.Errorf("%s page %d: %w", provider, res.Pages+1, err)
		}
		res.Pages++
		res.MaxBody = max(res.MaxBody, len(body))
		res.Records += len(page.Events)
		for i := range page.Events {
			h := fnv.New64a()
			_, _ = h.Write(page.Events[i].Raw)
			seen[h.Sum64()] = struct{}{}
		}
		switch {
		case offsetPaged:
			// offset += page size, until a short or empty page.
			if page.Records < pageSize || page.Records == 0 {
				cursor = ""
			} else {
				cursor = seeker.PageCursor(r, res.Pages)
			}
		default:
			cursor = page.Next // "" without paging or without a next link
		}
		if cursor == "" {
			break
		}
	}
	res.Wall, res.Sent, res.Distinct = time.Since(t0), int(ct.n.Load()), len(seen)
	return res, nil
}

// getPage sends one page's request until it is not a 429 and returns the
// body of a 200.
func getPage(ctx context.Context, client *http.Client, p providers.Provider, r providers.Request, cursor string, res *seqResult) ([]byte, error) {
	for tries := 0; ; tries++ {
		req, err := p.NewRequest(ctx, r, cursor) // a new request each try: datafold's has a body
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return body, nil
		case resp.StatusCode == http.StatusTooManyRequests && tries < maxRateLimited:
			wait := retryWait(resp.Header, time.Now())
			res.RateLimited++
			res.Waited += wait
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		default:
			msg := strings.TrimSpace(string(body))
			if len(msg) > 200 {
				msg = msg[:200] + "…"
			}
			return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
		}
	}
}

// retryWait is how long a simple client waits after a 429: Retry-After
// (seconds or a date), else until the vendor's rate-limit reset (an epoch
// second on the vendor's clock, which its Date header gives), else a
// second. The Date header has whole seconds, so the wait is never short.
func retryWait(h http.Header, now time.Time) time.Duration {
	vendorNow := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		vendorNow = d
	}
	clamp := func(d time.Duration) time.Duration { return min(max(d, 10*time.Millisecond), 5*time.Minute) }
	if s := strings.TrimSpace(h.Get("Retry-After")); s != "" {
		if secs, err := strconv.Atoi(s); err == nil {
			return clamp(time.Duration(secs) * time.Second)
		}
		if t, err := http.ParseTime(s); err == nil {
			return clamp(t.Sub(vendorNow))
		}
	}
	if s := strings.TrimSpace(h.Get("X-Organization-Rate-Limit-Reset")); s != "" {
		if epoch, err := strconv.ParseInt(s, 10, 64); err == nil {
			return clamp(time.Unix(epoch, 0).Sub(vendorNow))
		}
	}
	return time.Second
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
