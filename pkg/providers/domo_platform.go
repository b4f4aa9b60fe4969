package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Domo platform API /v1/audit, docs/vendors.md#domo-platform.
//
// OAuth client credentials: GET /oauth/token?grant_type=client_credentials&scope=audit
// with HTTP Basic client auth; the bearer token lasts about an hour and is
// cached until shortly before it expires (and dropped on a 401). Then
// GET /v1/audit?start&end&limit(max 1000)&offset[&user], a bare array.
type domoPlatform struct {
	base         *url.URL
	clientID     string
	clientSecret string
	client       *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
	// shown is the newest access token, for Redact, which must not take mu:
	// it runs inside accessToken (holding mu) when the token endpoint fails.
	shown atomic.Pointer[string]
}

const (
	domoPlatformURL      = "https://api.domo.com"
	domoPlatformPath     = "/v1/audit"
	domoPlatformPageSize = 1000 // documented maximum
	tokenEarlyRefresh    = time.Minute
)

var numericID = regexp.MustCompile(`^\d+$`)

func newDomoPlatform(ps models.ProviderSettings, client *http.Client) (Provider, error) {
	if ps.ClientID == "" {
		return nil, fmt.Errorf("domo-platform: the client id is missing (create a client with the audit scope at developer.domo.com)")
	}
	base, err := baseURL(events.DomoPlatform, ps.URL, domoPlatformURL)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = http.DefaultClient
	}
	return &domoPlatform{base: base, clientID: ps.ClientID, clientSecret: ps.Secret, client: client}, nil
}

func (p *domoPlatform) ID() string                { return events.DomoPlatform }
func (p *domoPlatform) BaseURL() *url.URL         { return p.base }
func (p *domoPlatform) WindowSize() time.Duration { return MaxWindow }
func (p *domoPlatform) Redact(s string) string {
	tok := ""
	if t := p.shown.Load(); t != nil {
		tok = *t
	}
	// The Basic credentials as sent, should a server echo the header.
	return redact(s, p.clientSecret, basicCredentials(p.clientID, p.clientSecret), tok)
}

func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// Pushdown: the API filters by one user id.
func (p *domoPlatform) Pushdown(r Request) events.Filter {
	if len(r.Filter.Users) == 1 && numericID.MatchString(r.Filter.Users[0]) {
		return events.Filter{Users: r.Filter.Users}
	}
	return events.Filter{}
}

func (p *domoPlatform) NewRequest(ctx context.Context, r Request, cursor string) (*http.Request, error) {
	token, err := p.accessToken(ctx)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("start", ms(r.From))
	q.Set("end", ms(r.To.Add(time.Millisecond)))
	q.Set("limit", fmt.Sprint(pageSize(r, domoPlatformPageSize)))
	q.Set("offset", fmt.Sprint(offsetOf(cursor)))
	if f := p.Pushdown(r); len(f.Users) == 1 {
		q.Set("user", f.Users[0])
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, domoPlatformPath, q), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "bearer "+token)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

func (p *domoPlatform) ParsePage(body []byte, r Request, cursor string) (Page, error) {
	return parseDomoPage(events.DomoPlatform, body, r, cursor, pageSize(r, domoPlatformPageSize), "")
}

// PageCursor: the platform API pages by offset (Seeker).
func (p *domoPlatform) PageCursor(r Request, k int) string {
	return offsetCursor(k, pageSize(r, domoPlatformPageSize))
}

func (p *domoPlatform) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the client lacks the audit scope or its user is not an admin"
	}
	return "check the client id and secret (developer.domo.com > My Account > New Client, with the audit scope)"
}

// Invalidate drops the cached token if rejected carried it (the engine
// calls it on a 401). Requests sent concurrently with the old token are
// all refused: only the first refresh is needed, the others find the new
// token already there.
func (p *domoPlatform) Invalidate(rejected *http.Request) {
	p.mu.Lock()
	if rejected.Header.Get("Authorization") == "bearer "+p.token {
		p.token = ""
	}
	p.mu.Unlock()
}

// accessToken returns a cached token or fetches a new one. Concurrent
// callers share one token request.
func (p *domoPlatform) accessToken(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.token != "" && clock.Now().Before(p.expires) {
		return p.token, nil
	}
	q := url.Values{"grant_type": {"client_credentials"}, "scope": {"audit"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, "/oauth/token", q), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Basic "+basicCredentials(p.clientID, p.clientSecret))
	req.Header.Set("Accept", "application/json")
	body, _, err := Do(p.client, req, p)
	if err != nil {
		return "", fmt.Errorf("getting an access token: %w", err)
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		ExpiresIn   any    `json:"expires_in"` // a number or a numeric string
	}
	_ = json.Unmarshal(body, &answer) // an unreadable answer has no token
	token := answer.AccessToken
	if token == "" {
		return "", fmt.Errorf("domo-platform: the token endpoint returned no access_token")
	}
	if scope := answer.Scope; scope != "" && !hasScope(scope, "audit") {
		return "", fmt.Errorf("domo-platform: the client was granted %q but needs the audit scope", scope)
	}
	ttl := 3599 * time.Second
	if secs, _ := strconv.ParseFloat(fmt.Sprint(answer.ExpiresIn), 64); secs >= 1 {
		ttl = time.Duration(secs) * time.Second
	}
	if ttl > 2*tokenEarlyRefresh {
		ttl -= tokenEarlyRefresh
	}
	p.token, p.expires = token, clock.Now().Add(ttl)
	p.shown.Store(&token)
	return p.token, nil
}

// hasScope accepts space- or comma-separated scope lists (the docs show both).
func hasScope(scopes, want string) bool {
	for _, s := range strings.FieldsFunc(scopes, func(r rune) bool { return r == ' ' || r == ',' }) {
		if s == want {
			return true
		}
	}
	return false
}
