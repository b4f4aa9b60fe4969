package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Look-ups for the editors. Every route answers [{"value","label"}]; every
// error is {"error": "..."} with a 4xx status for bad input (404 unknown
// path, 405 other methods, 400 bad parameters) and 502 when a vendor fails.
//
//	GET providers                       enabled providers
//	GET objectTypes?provider=X[&days=N] Domo's catalogue, else values seen
//	GET events?provider=X[&days=N]      event names seen
//	GET users?provider=X[&days=N]       users seen
//
// "Seen" means in the last N days (default 1, at most 30), or from=..&to=..
// (epoch milliseconds, at most 30 days apart) instead of days. limit=N
// bounds the answer (default and maximum 10000 values, most frequent
// first). provider is a provider id or "all" (also when empty).
//
// The paths are fixed: nothing of the request path or parameters is ever
// put into a vendor URL, so no arbitrary vendor path can be reached.
func (d *Datasource) routes() http.Handler {
	return http.HandlerFunc(d.serveResource)
}

// lookupKinds maps a look-up path to its kind.
var lookupKinds = map[string]string{"/objectTypes": "objectTypes", "/events": "events", "/users": "users"}

const resourceNames = "providers, objectTypes, events or users"

// CallResource serves the editors' look-ups.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}

func (d *Datasource) serveResource(w http.ResponseWriter, r *http.Request) {
	kind, lookup := lookupKinds[r.URL.Path]
	if !lookup && r.URL.Path != "/providers" {
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown resource %q: this data source answers %s", truncateParam(strings.TrimPrefix(r.URL.Path, "/")), resourceNames))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s: %s only answers GET", truncateParam(r.Method), strings.TrimPrefix(r.URL.Path, "/")))
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "the query string is not valid URL encoding")
		return
	}
	allowed := []string{"provider", "days", "from", "to", "limit"}
	if !lookup {
		allowed = nil
	}
	for name, vs := range q {
		if !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q: providers takes no parameters", truncateParam(name)))
			} else {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q: use %s", truncateParam(name), strings.Join(allowed, ", ")))
			}
			return
		}
		if len(vs) > 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: give it once, not %d times", name, len(vs)))
			return
		}
	}
	if !lookup {
		d.handleProviders(w, r)
		return
	}
	lr, err := d.parseLookup(q, d.fetcher.Now().UTC())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	values, err := d.lookup(r.Context(), kind, lr.ids, providers.Window{From: lr.from, To: lr.to})
	if err != nil {
		writeError(w, http.StatusBadGateway, err.Error())
		return
	}
	if len(values) > lr.limit {
		values = values[:lr.limit]
	}
	writeJSON(w, http.StatusOK, values)
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
	defaultLookupDays  = 1
	maxLookupDays      = 30
	maxLookupValues    = 10000
	maxParamShownBytes = 40
)

// lookupRequest is a validated look-up.
type lookupRequest struct {
	ids      []string
	from, to time.Time
	limit    int
}

// parseLookup validates a look-up's parameters.
func (d *Datasource) parseLookup(q url.Values, now time.Time) (lookupRequest, error) {
	lr := lookupRequest{limit: maxLookupValues}
	provider := q.Get("provider")
	if provider != "" && provider != models.ProviderAll && models.SecretKey(provider) == "" {
		return lr, fmt.Errorf("provider: unknown provider %q (use one of %s, or %s)", truncateParam(provider), strings.Join(events.ProviderIDs, ", "), models.ProviderAll)
	}
	ids, err := d.settings.Resolve(provider)
	if err != nil {
		return lr, err
	}
	lr.ids = ids
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLookupValues {
			return lr, fmt.Errorf("limit: must be a whole number from 1 to %d", maxLookupValues)
		}
		lr.limit = n
	}
	fromS, toS, daysS := q.Get("from"), q.Get("to"), q.Get("days")
	if fromS == "" && toS == "" {
		days := defaultLookupDays
		if daysS != "" {
			n, err := strconv.Atoi(daysS)
			if err != nil || n < 1 || n > maxLookupDays {
				return lr, fmt.Errorf("days: must be a whole number from 1 to %d", maxLookupDays)
			}
			days = n
		}
		lr.from, lr.to = now.Add(-time.Duration(days)*24*time.Hour), now
		return lr, nil
	}
	if daysS != "" {
		return lr, fmt.Errorf("days: give either days or from and to, not both")
	}
	if fromS == "" || toS == "" {
		return lr, fmt.Errorf("from and to: give both (epoch milliseconds), or neither")
	}
	ms := func(name, s string) (time.Time, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		// Epoch milliseconds from 1970 to the year 9999.
		if err != nil || n < 0 || n > 253402300799999 {
			return time.Time{}, fmt.Errorf("%s: %q is not a time in epoch milliseconds", name, truncateParam(s))
		}
		return time.UnixMilli(n).UTC(), nil
	}
	if lr.from, err = ms("from", fromS); err != nil {
		return lr, err
	}
	if lr.to, err = ms("to", toS); err != nil {
		return lr, err
	}
	if !lr.from.Before(lr.to) {
		return lr, fmt.Errorf("from and to: from (%s) must be before to (%s)", lr.from.Format(time.RFC3339), lr.to.Format(time.RFC3339))
	}
	if lr.to.Sub(lr.from) > maxLookupDays*24*time.Hour {
		return lr, fmt.Errorf("from and to: at most %d days apart", maxLookupDays)
	}
	return lr, nil
}

// truncateParam bounds a client-supplied value echoed in an error.
func truncateParam(s string) string {
	if len(s) <= maxParamShownBytes {
		return s
	}
	return strings.ToValidUTF8(s[:maxParamShownBytes], "") + "…"
}

// lookup collects distinct values of one kind, most frequent first.
func (d *Datasource) lookup(ctx context.Context, kind string, ids []string, w providers.Window) ([]option, error) {
	counts := map[string]int{}
	labels := map[string]string{}
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
		res, err := d.fetcher.Fetch(ctx, p, providers.Request{Window: w})
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
