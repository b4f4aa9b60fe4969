// Package providers holds one file per vendor API. A provider is declarative:
// how a time window and a filter become a request, how a page is read and
// where the next one is, and how a record becomes a normalised event. The
// paging loop, retries, caching and frames live elsewhere, once.
package providers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Window is one slice of the requested range: From <= time < To.
type Window struct {
	From, To time.Time
}

// Request is what the engine asks of one provider for one window.
type Request struct {
	Window
	Filter  events.Filter
	Options models.QueryOptions
	// PageSize overrides the provider's page size (health checks ask for 1).
	PageSize int
	// Newest, when > 0, asks for at least the newest N matching events
	// only: older windows are not fetched once newer ones hold N.
	Newest int
}

// Page is one decoded response.
type Page struct {
	Events []events.Event
	// Records is the number of records the vendor returned on this page
	// (before the engine drops those outside the window).
	Records int
	// Next is the cursor of the next page; "" when this was the last one.
	Next string
}

// Provider is one vendor audit API.
type Provider interface {
	ID() string
	// BaseURL is the origin (and path prefix) every request must go to.
	BaseURL() *url.URL
	// WindowSize is the longest window the engine should ask for in one
	// paged sequence (bounds response size where the API has no paging).
	WindowSize() time.Duration
	// NewRequest builds the request of one page; cursor is "" for the first.
	NewRequest(ctx context.Context, r Request, cursor string) (*http.Request, error)
	// ParsePage reads one successful response body.
	ParsePage(body []byte, r Request, cursor string) (Page, error)
	// Pushdown returns the part of the filter the vendor applies itself (for
	// describing the query); the engine always applies the whole filter.
	Pushdown(r Request) events.Filter
	// AuthHint says, in an admin's words, what to check when the vendor
	// rejects the credentials (401/403).
	AuthHint(status int) string
}

// MaxWindow is the widest window a request asks for: whole years of
// nothing cost a request or two, and a dense window is read in pages (or, for
// an API without pages, split where its answers are large).
const MaxWindow = 512 * 24 * time.Hour

// Unpaged is implemented by providers whose API answers a whole window at
// once, without pages: the engine sizes their requests by the density of
// the answers, and splits a window whose answer is too large.
type Unpaged interface {
	Unpaged()
}

// Seeker is implemented by providers with offset paging: page k (from 0)
// can be asked for without reading the pages before it, as the cursor
// those pages would lead to when they are all full. The engine reads
// several pages of a settled window at once with it.
type Seeker interface {
	PageCursor(r Request, k int) string
}

// ObjectTyper is implemented by providers with an object-type catalogue.
type ObjectTyper interface {
	ObjectTypes(ctx context.Context, client *http.Client) ([]string, error)
}

// WebPager is implemented by providers whose vendor has a web page for the
// audit log; frames link to it.
type WebPager interface {
	WebPage() (title, url string)
}

// RateLimited is implemented by providers whose vendor documents a request
// budget per organisation and announces it on its answers: the engine
// spends it at full speed, keeps its reserve, and waits for the reset
// when it is spent (package budget).
type RateLimited interface {
	RateLimit() (budget.Limit, budget.Headers)
}

// Retainer is implemented by providers whose vendor documents how long it
// keeps audit events: older parts of a range cannot be returned.
type Retainer interface {
	Retention() time.Duration
}

// TokenRefresher is implemented by providers whose credentials are
// short-lived tokens: on a 401 the engine calls Invalidate with the refused
// request and retries once.
type TokenRefresher interface {
	Invalidate(rejected *http.Request)
}

// New builds the provider id from its settings. client is used only by
// providers that make their own auxiliary calls (OAuth tokens).
func New(id string, ps models.ProviderSettings, client *http.Client) (Provider, error) {
	// The same checks as Save & test, so a query says what to fix too.
	if err := models.CheckProvider(id, ps); err != nil {
		return nil, err
	}
	switch id {
	case events.Domo:
		return newDomo(ps)
	case events.DomoPlatform:
		return newDomoPlatform(ps, client)
	case events.Domino:
		return newDomino(ps)
	case events.Datafold:
		return newDatafold(ps)
	case events.ThousandEyes:
		return newThousandEyes(ps)
	}
	return nil, fmt.Errorf("provider: unknown provider %q", id)
}

// baseURL resolves the configured URL or the vendor default.
func baseURL(id, configured, def string) (*url.URL, error) {
	raw := configured
	if raw == "" {
		raw = def
	}
	u, err := models.CheckBaseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", id, err)
	}
	return u, nil
}

// endpoint joins the base URL with an API path.
func endpoint(base *url.URL, path string, q url.Values) string {
	u := *base
	u.Path = base.Path + path
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// inWindow keeps the events of a page that lie in the window (vendors differ
// on whether range ends are inclusive, so requests are padded and clipped).
func inWindow(evs []events.Event, w Window) []events.Event {
	n := 0
	for i := range evs {
		if t := evs[i].Time; !t.Before(w.From) && t.Before(w.To) {
			if n != i {
				evs[n] = evs[i]
			}
			n++
		}
	}
	return evs[:n]
}

func ms(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }
