package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Look-ups for the editors. Every route answers [{"value","label"}].
//
//	GET providers                       enabled providers
//	GET objectTypes?provider=X[&days=N] Domo's catalogue, else values seen
//	GET events?provider=X[&days=N]      event names seen
//	GET users?provider=X[&days=N]       users seen
//
// "Seen" means in the last N days (default 1, at most 30).
func (d *Datasource) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /providers", d.handleProviders)
	mux.HandleFunc("GET /objectTypes", d.handleLookup("objectTypes"))
	mux.HandleFunc("GET /events", d.handleLookup("events"))
	mux.HandleFunc("GET /users", d.handleLookup("users"))
	return mux
}

// CallResource serves the editors' look-ups.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}

type option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

func (d *Datasource) handleProviders(w http.ResponseWriter, _ *http.Request) {
	out := []option{}
	for _, id := range d.settings.Enabled() {
		out = append(out, option{Value: id, Label: label(id)})
	}
	writeJSON(w, http.StatusOK, out)
}

const (
	defaultLookupDays = 1
	maxLookupDays     = 30
)

func (d *Datasource) handleLookup(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		days := defaultLookupDays
		if s := r.URL.Query().Get("days"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxLookupDays {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("days: must be a whole number from 1 to %d", maxLookupDays))
				return
			}
			days = n
		}
		ids, err := d.settings.Resolve(r.URL.Query().Get("provider"))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		values, err := d.lookup(r.Context(), kind, ids, time.Duration(days)*24*time.Hour)
		if err != nil {
			writeError(w, http.StatusBadGateway, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, values)
	}
}

// lookup collects distinct values of one kind, most frequent first.
func (d *Datasource) lookup(ctx context.Context, kind string, ids []string, span time.Duration) ([]option, error) {
	counts := map[string]int{}
	labels := map[string]string{}
	now := time.Now().UTC()
	for _, id := range ids {
		p, err := d.provider(id)
		if err != nil {
			return nil, err
		}
		if ot, ok := p.(providers.ObjectTyper); ok && kind == "objectTypes" {
			types, err := ot.ObjectTypes(ctx, d.client)
			if err != nil {
				return nil, err
			}
			for _, t := range types {
				counts[t]++
			}
			continue
		}
		res, err := d.fetcher.Fetch(ctx, p, providers.Request{Window: providers.Window{From: now.Add(-span), To: now}})
		if err != nil {
			return nil, err
		}
		for e := range res.Events.All() {
			v, l := lookupValue(kind, e)
			if v == "" {
				continue
			}
			counts[v]++
			if labels[v] == "" {
				labels[v] = l
			}
		}
	}
	out := make([]option, 0, len(counts))
	for v := range counts {
		l := labels[v]
		if l == "" {
			l = v
		}
		out = append(out, option{Value: v, Label: l})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if counts[a.Value] != counts[b.Value] {
			return counts[a.Value] > counts[b.Value]
		}
		return a.Label < b.Label
	})
	return out, nil
}

func lookupValue(kind string, e *events.Event) (value, label string) {
	switch kind {
	case "events":
		return e.Event, e.Event
	case "objectTypes":
		return e.ObjectType, e.ObjectType
	}
	v := e.User
	if v == "" {
		v = e.UserID
	}
	if e.Email != "" && e.Email != v {
		return v, v + " (" + e.Email + ")"
	}
	return v, v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
