package models

import (
	"encoding/json"
	"fmt"
	"net/url"
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
	DefaultCacheTTL    = 10 * time.Minute
	DefaultCacheMB     = 256
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

// CheckBaseURL validates a configured base URL: absolute http(s), no
// credentials, no query or fragment.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("URL %q is not an absolute URL such as https://host.example.com", raw)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("URL %q must start with https://", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL must not contain a user name or password; put credentials in the secret fields")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q must not have a query string or fragment", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}
