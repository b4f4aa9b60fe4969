// Package plugin is the data source instance: it answers QueryData,
// CheckHealth and CallResource for one configured data source.
package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
	"github.com/auditlens/auditlog/pkg/redisstore"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured data source instance.
type Datasource struct {
	settings  *models.Settings
	client    *http.Client
	fetcher   *fetch.Fetcher
	providers map[string]providers.Provider
	// setupErrs holds, per enabled provider, why it could not be set up.
	setupErrs map[string]error
	resources backend.CallResourceHandler
	// shared is the Redis the replicas share (nil: none, or sharedErr).
	shared    *redisstore.Store
	sharedErr error
}

// NewDatasource creates an instance from its settings. Vendor calls use the
// SDK's HTTP client built from the instance settings, so Grafana's proxy,
// secure SOCKS proxy, TLS and timeout settings apply.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	settings, err := models.LoadSettings(s)
	if err != nil {
		return nil, err
	}
	opts, err := s.HTTPClientOptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("http client options: %w", err)
	}
	client, err := httpclient.New(opts)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	return New(settings, client), nil
}

// New builds an instance from parsed settings and an HTTP client.
func New(settings *models.Settings, client *http.Client) *Datasource {
	d := &Datasource{
		settings:  settings,
		client:    client,
		fetcher:   &fetch.Fetcher{Client: client, Concurrency: settings.Concurrency, Budgets: map[string]*budget.Budget{}},
		providers: map[string]providers.Provider{},
		setupErrs: map[string]error{},
	}
	if settings.CacheTTLSeconds > 0 {
		d.fetcher.Cache = fetch.NewCache(int64(settings.CacheMaxMB)<<20, time.Duration(settings.CacheTTLSeconds)*time.Second)
	}
	var store *redisstore.Store
	if settings.RedisURL != "" {
		var err error
		store, err = redisstore.Open(redisstore.Settings{URL: settings.RedisURL, Password: settings.RedisPassword})
		if err != nil {
			d.sharedErr = err // health says so; the replica works alone
		} else {
			d.shared = store
			d.fetcher.Shared = store
		}
	}
	for _, id := range settings.Enabled() {
		p, err := providers.New(id, settings.Providers[id], client)
		if err != nil {
			d.setupErrs[id] = err
			continue
		}
		d.providers[id] = p
		var bs budget.Store
		if store != nil {
			bs = store
		}
		d.fetcher.Budgets[id] = budget.For(organisation(p, settings.Providers[id]), limitOf(p, settings.Providers[id], settings.Reserve()), bs)
	}
	d.resources = httpadapter.New(d.routes())
	return d
}

// Dispose releases the instance's idle connections and its cache.
func (d *Datasource) Dispose() {
	d.client.CloseIdleConnections()
	d.fetcher.Cache.Close()
}

// provider returns the set-up provider id or why it is unavailable.
func (d *Datasource) provider(id string) (providers.Provider, error) {
	if err := d.setupErrs[id]; err != nil {
		return nil, err
	}
	p, ok := d.providers[id]
	if !ok {
		return nil, fmt.Errorf("provider: %q is not enabled in this data source", id)
	}
	return p, nil
}

// organisation names whose request budget a provider spends: the vendor
// host and a hash of the credentials (ThousandEyes counts per organisation,
// and a token belongs to one). Data sources with the same credentials share
// one budget; the hash keeps the credentials out of the key.
func organisation(p providers.Provider, ps models.ProviderSettings) string {
	sum := sha256.Sum256([]byte(ps.ClientID + "\x00" + ps.Secret))
	return p.ID() + "|" + p.BaseURL().String() + "|" + hex.EncodeToString(sum[:8])
}

// limitOf is what is known of a provider's budget before its first answer:
// the vendor's documented limit, or the admin's requestsPerMinute (-1: no
// pacing; only a 429 stops requests).
func limitOf(p providers.Provider, ps models.ProviderSettings, reserve float64) budget.Limit {
	l := budget.Limit{Window: time.Minute, Reserve: reserve}
	if rl, ok := p.(providers.RateLimited); ok {
		l, _ = rl.RateLimit()
		l.Reserve = reserve
	}
	if ps.RequestsPerMinute != 0 {
		l.Requests, l.Window = ps.RequestsPerMinute, time.Minute
	}
	return l
}

func label(id string) string {
	if l := events.ProviderLabels[id]; l != "" {
		return l
	}
	return id
}
