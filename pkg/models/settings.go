package models

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/events"
)

// Secret keys in secureJsonData, per provider.
var secretKeys = map[string]string{
	events.Domo:         "domoToken",
	events.DomoPlatform: "domoPlatformClientSecret",
	events.Domino:       "dominoToken",
	events.Datafold:     "datafoldApiKey",
	events.ThousandEyes: "thousandeyesToken",
}

// SecretKey returns the secureJsonData key holding a provider's secret.
func SecretKey(provider string) string { return secretKeys[provider] }

// Settings defaults.
const (
	DefaultMaxEvents   = 100000
	DefaultConcurrency = 4
	// DefaultRateLimitReserve is the percentage of an announced request
	// budget left to others (ThousandEyes: 24 of 240 a minute).
	DefaultRateLimitReserve = 10
	DefaultCacheTTL         = 10 * time.Minute
	DefaultCacheMB          = 1024
)

// Domino auth types.
const (
	AuthBearer = "bearer"
	AuthAPIKey = "apiKey"
)

// ProviderSettings is one provider's part of jsonData.providers.
type ProviderSettings struct {
	Enabled bool `json:"enabled"`
	// URL replaces the provider's default host (self-hosted, proxies, the simulator).
	URL string `json:"url,omitempty"`
	// Instance is the Domo instance name: https://{instance}.domo.com.
	Instance string `json:"instance,omitempty"`
	// ClientID is the Domo platform OAuth client id.
	ClientID string `json:"clientId,omitempty"`
	// AuthType is Domino's credential kind: "bearer" (default) or "apiKey".
	AuthType string `json:"authType,omitempty"`
	// AccountGroupID is the default ThousandEyes account group (aid).
	AccountGroupID string `json:"accountGroupId,omitempty"`
	// RequestsPerMinute overrides the vendor's documented request rate that
	// the plugin stays under (0 = the documented rate, < 0 = no pacing).
	RequestsPerMinute int `json:"requestsPerMinute,omitempty"`
	// Secret is the decrypted secureJsonData value; never serialised.
	Secret string `json:"-"`
}

// Settings is the data source's jsonData plus decrypted secrets.
type Settings struct {
	Providers   map[string]ProviderSettings `json:"providers"`
	MaxEvents   int                         `json:"maxEvents"`
	Concurrency int                         `json:"concurrency"`
	// CacheTTLSeconds and CacheMaxMB tune the window cache; CacheTTLSeconds < 0 disables it.
	CacheTTLSeconds int `json:"cacheTTLSeconds"`
	CacheMaxMB      int `json:"cacheMaxMB"`
	// RateLimitReserve is the percentage of a vendor's announced request
	// budget left to the organisation's other API users (default 10; 0 to
	// 90). The plugin spends the rest at full speed and then waits for
	// the budget's reset.
	RateLimitReserve *int `json:"rateLimitReserve,omitempty"`
	// RedisURL, when set, shares the request budgets and the window cache
	// with every Grafana replica on that Redis (redis://host:6379/0); its
	// password is secureJsonData.redisPassword.
	RedisURL      string `json:"redisUrl,omitempty"`
	RedisPassword string `json:"-"`
}

// RedisPasswordKey is the secureJsonData key of the Redis password.
const RedisPasswordKey = "redisPassword"

// Reserve is RateLimitReserve as a fraction.
func (s *Settings) Reserve() float64 {
	if s.RateLimitReserve == nil {
		return DefaultRateLimitReserve / 100.0
	}
	return float64(*s.RateLimitReserve) / 100
}

// LoadSettings reads instance settings, applying defaults.
func LoadSettings(s backend.DataSourceInstanceSettings) (*Settings, error) {
	out := &Settings{}
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, out); err != nil {
			return nil, fmt.Errorf("the data source settings (jsonData) are not valid: %v", err)
		}
	}
	if out.Providers == nil {
		out.Providers = map[string]ProviderSettings{}
	}
	out.RedisURL = strings.TrimSpace(out.RedisURL)
	out.RedisPassword = s.DecryptedSecureJSONData[RedisPasswordKey]
	for id, p := range out.Providers {
		if SecretKey(id) == "" {
			return nil, fmt.Errorf("providers: unknown provider %q (use one of %s)", id, strings.Join(events.ProviderIDs, ", "))
		}
		p.Secret = strings.TrimSpace(s.DecryptedSecureJSONData[SecretKey(id)])
		p.URL = strings.TrimSpace(p.URL)
		p.Instance = strings.TrimSpace(p.Instance)
		p.ClientID = strings.TrimSpace(p.ClientID)
		p.AccountGroupID = strings.TrimSpace(p.AccountGroupID)
		if id == events.Domino && p.AuthType == "" {
			p.AuthType = AuthBearer
		}
		out.Providers[id] = p
	}
	if out.MaxEvents <= 0 {
		out.MaxEvents = DefaultMaxEvents
	}
	if out.Concurrency <= 0 {
		out.Concurrency = DefaultConcurrency
	}
	if out.CacheTTLSeconds == 0 {
		out.CacheTTLSeconds = int(DefaultCacheTTL / time.Second)
	}
	if out.CacheMaxMB <= 0 {
		out.CacheMaxMB = DefaultCacheMB
	}
	if r := out.RateLimitReserve; r != nil && (*r < 0 || *r > 90) {
		return nil, fmt.Errorf("rateLimitReserve: %d is not a percentage from 0 to 90 (default %d)", *r, DefaultRateLimitReserve)
	}
	return out, nil
}

// Enabled lists the enabled providers in display order.
func (s *Settings) Enabled() []string {
	var ids []string
	for _, id := range events.ProviderIDs {
		if s.Providers[id].Enabled {
			ids = append(ids, id)
		}
	}
	return ids
}

// Resolve turns a query's provider field into the providers to query:
// "" means the only enabled one, or all of them.
func (s *Settings) Resolve(provider string) ([]string, error) {
	enabled := s.Enabled()
	if len(enabled) == 0 {
		return nil, fmt.Errorf("provider: no provider is enabled in this data source; enable one in its settings")
	}
	if provider == "" || provider == ProviderAll {
		return enabled, nil
	}
	if !s.Providers[provider].Enabled {
		return nil, fmt.Errorf("provider: %q is not enabled in this data source (enabled: %s)", provider, strings.Join(enabled, ", "))
	}
	return []string{provider}, nil
}

// Vendor hosts. A URL on a vendor's own domain reaches its real API, so it
// must use https (the credentials travel in headers) and be the bare host:
// every vendor serves its audit API at the root of its host (docs/vendors.md) and
// the plugin adds the API path itself. Hosts of other domains (self-hosted
// Domino, dedicated Datafold domains, reverse proxies, the simulator) may
// have a path prefix and may use plain http on a trusted network, but not
// the API path itself.
type vendorDomain struct {
	domain string
	label  string
	// providers whose API lives on this domain.
	providers []string
	// site lists the domain's web, documentation and sign-in hosts, which
	// are not the API.
	site []string
}

var vendorDomains = []vendorDomain{
	{"domo.com", "Domo", []string{events.Domo, events.DomoPlatform}, []string{"domo.com", "www.domo.com", "developer.domo.com"}},
	{"thousandeyes.com", "ThousandEyes", []string{events.ThousandEyes}, []string{"thousandeyes.com", "www.thousandeyes.com", "app.thousandeyes.com", "docs.thousandeyes.com", "developer.thousandeyes.com"}},
	{"datafold.com", "Datafold", []string{events.Datafold}, []string{"datafold.com", "www.datafold.com", "docs.datafold.com"}},
	{"dominodatalab.com", "Domino", []string{events.Domino}, []string{"dominodatalab.com", "www.dominodatalab.com", "docs.dominodatalab.com"}},
}

// vendorOf returns the vendor domain a host belongs to, or nil.
func vendorOf(host string) *vendorDomain {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for i := range vendorDomains {
		d := vendorDomains[i].domain
		if host == d || strings.HasSuffix(host, "."+d) {
			return &vendorDomains[i]
		}
	}
	return nil
}

// apiPaths are the paths the plugin appends to a base URL; a base URL that
// contains one is a pasted endpoint.
var apiPaths = []string{
	"/api/audit/v1/user-audits", "/v1/audit", "/oauth/token", "/api/audittrail/v1/auditevents",
	"/api/v1/audit_logs", "/v7/audit-user-events",
}

// displayURL shows a URL that may not parse without any user name or
// password in it.
func displayURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		if u.User != nil {
			u.User = url.User("xxxxx")
		}
		return u.String()
	}
	rest := raw
	scheme := ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		rest = "xxxxx" + rest[i:]
	}
	return scheme + rest
}

// CheckBaseURL validates a configured base URL: absolute http(s), no
// credentials, no query or fragment; https and no path on a vendor's own
// host; never the API path itself. Messages never show a password.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		return nil, fmt.Errorf("URL must not contain a user name or password; put credentials in the secret fields")
	}
	if err != nil || u.Host == "" || u.Opaque != "" {
		if strings.Contains(raw, "@") {
			return nil, fmt.Errorf("URL %q is not an absolute URL such as https://host.example.com, and must not contain a user name or password", displayURL(raw))
		}
		return nil, fmt.Errorf("URL %q is not an absolute URL such as https://host.example.com", displayURL(raw))
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("URL %q must start with https://", displayURL(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("URL %q must not have a query string or fragment", displayURL(raw))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	bare := u.Scheme + "://" + u.Host
	if v := vendorOf(u.Hostname()); v != nil {
		if u.Scheme != "https" {
			return nil, fmt.Errorf("URL %s uses plain http, but %s is %s own host, which must be reached over https so that the credentials are encrypted: use https://%s",
				bare+u.Path, u.Hostname(), possessive(v.label), u.Host+u.Path)
		}
		if u.Path != "" {
			return nil, fmt.Errorf("URL %s has a path, but %s serves its API at the root of %s: enter only https://%s (the plugin adds %s itself)",
				bare+u.Path, v.label, u.Hostname(), u.Host, u.Path)
		}
	}
	for _, p := range apiPaths {
		if strings.Contains(u.Path+"/", p+"/") {
			return nil, fmt.Errorf("URL %s contains the API path %s: enter the base URL without it (%s); the plugin adds the API path itself",
				bare+u.Path, p, bare+u.Path[:strings.Index(u.Path+"/", p+"/")])
		}
	}
	if last := u.Path[strings.LastIndex(u.Path, "/")+1:]; last == "api" || last == "v1" || last == "v7" {
		return nil, fmt.Errorf("URL %s ends with /%s: enter the base URL without it (%s); the plugin adds the API path itself",
			bare+u.Path, last, bare+strings.TrimSuffix(u.Path, "/"+last))
	}
	return u, nil
}

// Default base URLs (providers.* use the same).
const (
	DomoPlatformURL = "https://api.domo.com"
	DatafoldURL     = "https://app.datafold.com"
	ThousandEyesURL = "https://api.thousandeyes.com"
)

// SettingError is a problem with one setting of one provider.
type SettingError struct {
	Provider string
	// Setting is the jsonData.providers.<id> key ("url", "instance", ...)
	// or the secureJsonData key of the provider's secret.
	Setting string
	Msg     string
}

func (e *SettingError) Error() string { return e.Provider + ": " + e.Msg }

// secretLabels are the config editor's names of each provider's secret.
var secretLabels = map[string]string{
	events.Domo:         "access token",
	events.DomoPlatform: "client secret",
	events.Domino:       "token (bearer token or API key)",
	events.Datafold:     "API key",
	events.ThousandEyes: "user API token",
}

// CheckProvider reports the first problem with an enabled provider's
// settings in an admin's words, naming the provider and the setting: a
// missing field or secret, a secret pasted with spaces or line breaks, a
// base URL that is not valid or is another vendor's host.
func CheckProvider(id string, p ProviderSettings) error {
	bad := func(setting, format string, args ...any) error {
		return &SettingError{Provider: id, Setting: setting, Msg: fmt.Sprintf(format, args...)}
	}
	key := SecretKey(id)
	if key == "" {
		return fmt.Errorf("providers: unknown provider %q (use one of %s)", id, strings.Join(events.ProviderIDs, ", "))
	}
	where := "enter it in the " + events.ProviderLabels[id] + " section of the data source settings (secureJsonData." + key + " when provisioning)"
	switch {
	case p.Secret == "":
		return bad(key, "the %s is missing: %s", secretLabels[id], where)
	case strings.IndexFunc(p.Secret, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return bad(key, "the %s contains spaces or line breaks; paste it again as one line: %s", secretLabels[id], where)
	}
	def := ""
	switch id {
	case events.Domo:
		if p.Instance != "" {
			if strings.ContainsAny(p.Instance, "./: @") {
				return bad("instance", "instance %q should be only the name before .domo.com (acme for https://acme.domo.com)", displayURL(p.Instance))
			}
			def = "https://" + p.Instance + ".domo.com"
		} else if p.URL == "" {
			return bad("instance", "the instance name is missing (acme for https://acme.domo.com)")
		}
	case events.DomoPlatform:
		if p.ClientID == "" {
			return bad("clientId", "the client id is missing (create a client with the audit scope at developer.domo.com > My Account > New Client)")
		}
		def = DomoPlatformURL
	case events.Domino:
		if p.URL == "" {
			return bad("url", "the Domino URL is missing (your deployment's address, e.g. https://domino.example.com)")
		}
		if p.AuthType != AuthBearer && p.AuthType != AuthAPIKey {
			return bad("authType", "authType %q is unknown (use %q or %q)", p.AuthType, AuthBearer, AuthAPIKey)
		}
	case events.Datafold:
		def = DatafoldURL
	case events.ThousandEyes:
		def = ThousandEyesURL
	}
	raw, setting := p.URL, "url"
	if raw == "" {
		raw, setting = def, "instance"
	}
	u, err := CheckBaseURL(raw)
	if err != nil {
		if setting == "url" {
			return bad(setting, "%v (the URL setting, jsonData.providers.%s.url)", err, id)
		}
		return bad(setting, "%v", err)
	}
	v := vendorOf(u.Hostname())
	if v == nil {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if !slices.Contains(v.providers, id) {
		return bad(setting, "URL %s is %s host, not the %s API: %s", u, possessive(v.label), events.ProviderLabels[id], expectedHost(id))
	}
	if slices.Contains(v.site, host) {
		return bad(setting, "URL %s is %s web site, not its API: %s", u, possessive(v.label), expectedHost(id))
	}
	switch {
	case id == events.Domo && host == "api.domo.com":
		return bad(setting, "URL %s is Domo's platform API, not an instance: enter the instance name (acme for https://acme.domo.com) and leave the URL empty, or use the Domo platform API provider", u)
	case id == events.DomoPlatform && host != "api.domo.com":
		return bad(setting, "URL %s is a Domo instance, not the platform API: leave the URL empty for %s, or use the Domo provider for an instance's activity log", u, DomoPlatformURL)
	}
	return nil
}

func possessive(name string) string {
	if strings.HasSuffix(name, "s") {
		return name + "'"
	}
	return name + "'s"
}

// expectedHost says where a provider's API is.
func expectedHost(id string) string {
	switch id {
	case events.Domo:
		return "enter the instance name (acme for https://acme.domo.com) and leave the URL empty"
	case events.DomoPlatform:
		return "leave the URL empty for " + DomoPlatformURL
	case events.Domino:
		return "enter your Domino deployment's address"
	case events.Datafold:
		return "use https://app.datafold.com (US), https://eu.datafold.com (EU) or your dedicated Datafold host"
	case events.ThousandEyes:
		return "leave the URL empty for " + ThousandEyesURL
	}
	return "check the URL"
}
