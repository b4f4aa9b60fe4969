package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

// providerHealth is one provider's line of the health result (also sent as
// JSON details for the config editor).
type providerHealth struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	OK      bool   `json:"ok"`
	Message string `json:"message"`
	// Setting names the setting to fix when the settings are at fault: a
	// jsonData.providers.<id> key or the secureJsonData key of the secret.
	Setting string `json:"setting,omitempty"`
}

// healthTimeout bounds the whole check.
const healthTimeout = 20 * time.Second

// CheckHealth tests every enabled provider with one minimal request (the
// last hour, one record) and reports each by name.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	ids := d.settings.Enabled()
	if len(ids) == 0 {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError,
			Message: "No provider is enabled: enable at least one provider and enter its credentials."}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	results := make([]providerHealth, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func(i int, id string) {
			defer wg.Done()
			results[i] = d.checkProvider(ctx, id)
		}(i, id)
	}
	wg.Wait()
	if d.settings.RedisURL != "" {
		results = append(results, d.checkShared(ctx))
	}
	return healthResult(results), nil
}

// sharedHealthID marks the Redis line among the providers' lines.
const sharedHealthID = "redis"

// checkShared is the health line of the Redis the replicas share: when it
// fails, queries still work, each replica with its own budget and cache.
func (d *Datasource) checkShared(ctx context.Context) providerHealth {
	h := providerHealth{ID: sharedHealthID, Label: "Shared state (Redis)", Setting: "redisUrl"}
	err := d.sharedErr
	if err == nil {
		err = d.shared.Status(ctx)
	}
	switch {
	case err != nil:
		h.Message = err.Error()
	default:
		h.OK, h.Setting = true, ""
		h.Message = "request budgets and cached windows are shared with the other Grafana replicas on this Redis"
	}
	return h
}

// healthResult is what Grafana shows after Save & test: the message is
// the alert's title (how many providers work, which failed); the details'
// message is the first thing to fix, and their verboseMessage has one line
// per provider, under "Details". The providers list is for the config
// editor and provisioning checks.
func healthResult(results []providerHealth) *backend.CheckHealthResult {
	status := backend.HealthStatusOk
	lines := make([]string, len(results))
	var failed, working []string
	providers := 0
	first := ""
	for i, r := range results {
		mark := "OK"
		if r.ID != sharedHealthID {
			providers++
		}
		if r.OK {
			if r.ID != sharedHealthID {
				working = append(working, r.Label)
			}
		} else {
			mark = "FAILED"
			status = backend.HealthStatusError
			failed = append(failed, r.Label)
		}
		lines[i] = fmt.Sprintf("%s: %s — %s", r.Label, mark, r.Message)
		if !r.OK && first == "" {
			first = lines[i]
		}
	}
	title := fmt.Sprintf("%d of %d providers working", len(working), providers)
	if len(failed) > 0 {
		title += "; failed: " + strings.Join(failed, ", ")
	} else {
		first = strings.Join(working, ", ") + ": connected and read the audit log."
	}
	details, _ := json.Marshal(map[string]any{
		"message":        first,
		"verboseMessage": strings.Join(lines, "\n"),
		"providers":      results,
	})
	return &backend.CheckHealthResult{Status: status, Message: title, JSONDetails: details}
}

func (d *Datasource) checkProvider(ctx context.Context, id string) providerHealth {
	h := providerHealth{ID: id, Label: label(id)}
	// The settings first: what is wrong with them is said without a request.
	if err := models.CheckProvider(id, d.settings.Providers[id]); err != nil {
		h.Message = err.Error()
		var se *models.SettingError
		if errors.As(err, &se) {
			h.Setting = se.Setting
		}
		return h
	}
	p, err := d.provider(id)
	if err != nil {
		h.Message = err.Error()
		return h
	}
	now := d.fetcher.Now().UTC()
	r := providers.Request{Window: providers.Window{From: now.Add(-time.Hour), To: now}, PageSize: 1}
	// One retry at most: the admin is waiting for the answer.
	quick := &fetch.Fetcher{Client: d.client, Clock: d.fetcher.Clock, Budgets: d.fetcher.Budgets, MaxAttempts: 2, BaseBackoff: 200 * time.Millisecond}
	body, err := quick.Do(ctx, p, func() (*http.Request, error) { return p.NewRequest(ctx, r, "") }, nil, nil)
	if err == nil {
		_, err = p.ParsePage(body, r, "")
		if err != nil {
			err = fmt.Errorf("%s answered, but not like its audit API: %v; check the URL", p.BaseURL().Host, err)
		}
	}
	if err != nil {
		h.Message = err.Error()
		return h
	}
	h.OK = true
	h.Message = "connected to " + p.BaseURL().Host + " and read the audit log"
	return h
}
