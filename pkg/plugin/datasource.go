// Package plugin is the data source instance: it answers QueryData,
// CheckHealth and CallResource for one configured data source.
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
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
		fetcher:   &fetch.Fetcher{Client: client, Concurrency: settings.Concurrency, Limiters: map[string]*rate.Limiter{}},
		providers: map[string]providers.Provider{},
		setupErrs: map[string]error{},
	}
	if settings.CacheTTLSeconds > 0 {
		d.fetcher.Cache = fetch.NewCache(int64(settings.CacheMaxMB)<<20, time.Duration(settings.CacheTTLSeconds)*time.Second)
	}
	for _, id := range settings.Enabled() {
		p, err := providers.New(id, settings.Providers[id], client)
		if err != nil {
			d.setupErrs[id] = err
			continue
		}
		d.providers[id] = p
		perMin := settings.Providers[id].RequestsPerMinute
		if rl, ok := p.(providers.RateLimited); ok && perMin == 0 {
			perMin = rl.RequestsPerMinute()
		}
		if perMin > 0 {
			// Stay under the vendor's rate; the burst lets a dashboard's
			// first requests go out at once.
			d.fetcher.Limiters[id] = rate.NewLimiter(rate.Limit(float64(perMin)/60), max(1, perMin/24))
		}
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

func label(id string) string {
	if l := events.ProviderLabels[id]; l != "" {
		return l
	}
	return id
}
