package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Domino Data Lab audit trail, vendors.md#domino.
//
// GET {host}/api/audittrail/v1/auditevents?startTimestamp&endTimestamp&sort=-timestamp&limit&offset
// plus exact filters (event, targetType, withinProjectName), with a bearer
// token or the legacy X-Domino-Api-Key. {"events": [...]} or a bare array.
type domino struct {
	base     *url.URL
	secret   string
	authType string
}

const (
	dominoPath     = "/api/audittrail/v1/auditevents"
	dominoPageSize = 1000 // what Domino's own export script uses
)

func newDomino(ps models.ProviderSettings) (Provider, error) {
	if ps.URL == "" {
		return nil, fmt.Errorf("domino: the Domino URL is missing (e.g. https://domino.example.com)")
	}
	base, err := baseURL(events.Domino, ps.URL, "")
	if err != nil {
		return nil, err
	}
	if ps.AuthType != models.AuthBearer && ps.AuthType != models.AuthAPIKey {
		return nil, fmt.Errorf("domino: authType %q is unknown (use %q or %q)", ps.AuthType, models.AuthBearer, models.AuthAPIKey)
	}
	return &domino{base: base, secret: ps.Secret, authType: ps.AuthType}, nil
}

func (p *domino) ID() string                { return events.Domino }
func (p *domino) BaseURL() *url.URL         { return p.base }
func (p *domino) WindowSize() time.Duration { return 24 * time.Hour }
func (p *domino) Redact(s string) string    { return redact(s, p.secret) }

// Pushdown: Domino's filters take one value each; users are not pushed
// (actorName is a login name and actorId an id, and a user filter may be either).
func (p *domino) Pushdown(r Request) events.Filter {
	var f events.Filter
	if len(r.Filter.Events) == 1 {
		f.Events = r.Filter.Events
	}
	if len(r.Filter.ObjectTypes) == 1 {
		f.ObjectTypes = r.Filter.ObjectTypes
	}
	return f
}

func (p *domino) NewRequest(ctx context.Context, r Request, cursor string) (*http.Request, error) {
	q := url.Values{}
	q.Set("startTimestamp", ms(r.From))
	q.Set("endTimestamp", ms(r.To.Add(time.Millisecond)))
	q.Set("sort", "-timestamp")
	q.Set("limit", fmt.Sprint(pageSize(r, dominoPageSize)))
	q.Set("offset", fmt.Sprint(offsetOf(cursor)))
	f := p.Pushdown(r)
	if len(f.Events) == 1 {
		q.Set("event", f.Events[0])
	}
	if len(f.ObjectTypes) == 1 {
		q.Set("targetType", f.ObjectTypes[0])
	}
	if r.Options.Project != "" {
		q.Set("withinProjectName", r.Options.Project)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, dominoPath, q), nil)
	if err != nil {
		return nil, err
	}
	if p.authType == models.AuthAPIKey {
		req.Header.Set("X-Domino-Api-Key", p.secret)
	} else {
		req.Header.Set("Authorization", "Bearer "+p.secret)
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

type dominoEntity struct {
	EntityType flexString `json:"entityType"`
	ID         flexString `json:"id"`
	Name       flexString `json:"name"`
}

type dominoRecord struct {
	ID        flexString `json:"id"`
	Timestamp flexTime   `json:"timestamp"`
	Actor     struct {
		ID   flexString `json:"id"`
		Name flexString `json:"name"`
	} `json:"actor"`
	Action struct {
		EventName flexString `json:"eventName"`
	} `json:"action"`
	In      dominoEntity `json:"in"`
	Targets []struct {
		Entity       dominoEntity `json:"entity"`
		FieldChanges []struct {
			FieldName flexString  `json:"fieldName"`
			Before    *flexString `json:"before"`
			After     *flexString `json:"after"`
			Added     []struct {
				Name flexString `json:"name"`
			} `json:"added"`
			Removed []struct {
				Name flexString `json:"name"`
			} `json:"removed"`
		} `json:"fieldChanges"`
	} `json:"targets"`
}

// message renders a record as one line, e.g.
// Change User Role In Project user "jwilson" (role: Contributor -> Owner) in project "churn-model".
func (rec *dominoRecord) message() string {
	var b strings.Builder
	b.WriteString(string(rec.Action.EventName))
	for i, t := range rec.Targets {
		if i > 0 {
			b.WriteString(",")
		}
		name := t.Entity.Name
		if name == "" {
			name = t.Entity.ID
		}
		fmt.Fprintf(&b, " %s %q", t.Entity.EntityType, string(name))
		var changes []string
		for _, fc := range t.FieldChanges {
			c := string(fc.FieldName) + ":"
			if fc.Before != nil || fc.After != nil {
				c += " " + str(fc.Before) + " -> " + str(fc.After)
			}
			for _, a := range fc.Added {
				c += " +" + string(a.Name)
			}
			for _, r := range fc.Removed {
				c += " -" + string(r.Name)
			}
			changes = append(changes, c)
		}
		if len(changes) > 0 {
			b.WriteString(" (" + strings.Join(changes, "; ") + ")")
		}
	}
	if rec.In.Name != "" {
		fmt.Fprintf(&b, " in project %q", string(rec.In.Name))
	}
	return b.String()
}

func str(f *flexString) string {
	if f == nil {
		return ""
	}
	return string(*f)
}

func (p *domino) ParsePage(body []byte, r Request, cursor string) (Page, error) {
	recs, err := decodeArray(body, "events")
	if err != nil {
		return Page{}, err
	}
	evs := make([]events.Event, 0, len(recs))
	for i, raw := range recs {
		var rec dominoRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return Page{}, recordError(i, err)
		}
		e := events.Event{
			Time:     rec.Timestamp.Time,
			Provider: events.Domino,
			User:     string(rec.Actor.Name),
			UserID:   string(rec.Actor.ID),
			Action:   string(rec.Action.EventName),
			Event:    string(rec.Action.EventName),
			Scope:    string(rec.In.Name),
			Message:  rec.message(),
			Raw:      raw,
			Key:      string(rec.ID),
		}
		if len(rec.Targets) > 0 {
			t := rec.Targets[0].Entity
			e.ObjectType, e.ObjectID, e.ObjectName = string(t.EntityType), string(t.ID), string(t.Name)
		}
		if e.Key == "" {
			e.Key = events.HashKey(events.Domino, raw)
		}
		if r.Options.Project != "" && e.Scope != r.Options.Project {
			continue // the project filter, also applied where the API did not
		}
		evs = append(evs, e)
	}
	return Page{Events: inWindow(evs, r.Window), Records: len(recs), Next: nextOffset(cursor, len(recs), pageSize(r, dominoPageSize))}, nil
}

func (p *domino) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the audit trail is for Domino administrators; use a token of an admin or service account with admin rights"
	}
	if p.authType == models.AuthAPIKey {
		return "check the Domino API key, or switch to a bearer token (service account or personal access token)"
	}
	return "check the Domino access token (service account token or personal access token); it may have expired"
}
