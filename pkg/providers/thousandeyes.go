package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Cisco ThousandEyes API v7 activity log, vendors.md#thousandeyes.
//
// GET https://api.thousandeyes.com/v7/audit-user-events?aid&useAllPermittedAids&startDate&endDate
// with a bearer token. Paging follows the absolute _links.next.href
// verbatim, only if it points at the configured origin.
type thousandEyes struct {
	base  *url.URL
	token string
	aid   string
}

const (
	thousandEyesURL  = "https://api.thousandeyes.com"
	thousandEyesPath = "/v7/audit-user-events"
)

func newThousandEyes(ps models.ProviderSettings) (Provider, error) {
	base, err := baseURL(events.ThousandEyes, ps.URL, thousandEyesURL)
	if err != nil {
		return nil, err
	}
	return &thousandEyes{base: base, token: ps.Secret, aid: ps.AccountGroupID}, nil
}

func (p *thousandEyes) ID() string                     { return events.ThousandEyes }
func (p *thousandEyes) BaseURL() *url.URL              { return p.base }
func (p *thousandEyes) WindowSize() time.Duration      { return 24 * time.Hour }
func (p *thousandEyes) Redact(s string) string         { return redact(s, p.token) }
func (p *thousandEyes) Pushdown(Request) events.Filter { return events.Filter{} }

func (p *thousandEyes) NewRequest(ctx context.Context, r Request, cursor string) (*http.Request, error) {
	target := cursor
	if target == "" {
		q := url.Values{}
		switch {
		case r.Options.AllAccountGroups:
			q.Set("useAllPermittedAids", "true")
		case r.Options.AccountGroupID != "":
			q.Set("aid", r.Options.AccountGroupID)
		case p.aid != "":
			q.Set("aid", p.aid)
		}
		// Dates have whole seconds: widen to whole seconds and clip.
		q.Set("startDate", r.From.UTC().Truncate(time.Second).Format(time.RFC3339))
		q.Set("endDate", r.To.UTC().Truncate(time.Second).Add(time.Second).Format(time.RFC3339))
		target = endpoint(p.base, thousandEyesPath, q)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	req.Header.Set("Accept", "application/hal+json, application/json")
	return req, nil
}

type thousandEyesPage struct {
	AuditEvents []json.RawMessage `json:"auditEvents"`
	Links       struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
}

type thousandEyesRecord struct {
	AccountGroupName flexString `json:"accountGroupName"`
	Date             flexTime   `json:"date"`
	Event            flexString `json:"event"`
	IPAddress        flexString `json:"ipAddress"`
	UID              flexString `json:"uid"`
	User             flexString `json:"user"`
	Resources        []struct {
		Type flexString `json:"type"`
		Name flexString `json:"name"`
	} `json:"resources"`
}

// userEmail splits "Name (email@example.com)".
var userEmail = regexp.MustCompile(`^(.*?)\s*\(([^()\s]+@[^()\s]+)\)\s*$`)

func splitUser(s string) (name, email string) {
	if m := userEmail.FindStringSubmatch(s); m != nil {
		return m[1], m[2]
	}
	if strings.Contains(s, "@") && !strings.Contains(s, " ") {
		return s, s
	}
	return s, ""
}

func (p *thousandEyes) ParsePage(body []byte, r Request, _ string) (Page, error) {
	var page thousandEyesPage
	if err := json.Unmarshal(body, &page); err != nil {
		return Page{}, fmt.Errorf("the response is not valid JSON: %v", err)
	}
	if page.AuditEvents == nil && !strings.Contains(string(body), `"auditEvents"`) {
		return Page{}, fmt.Errorf("the response has no auditEvents list")
	}
	evs := make([]events.Event, 0, len(page.AuditEvents))
	for i, raw := range page.AuditEvents {
		var rec thousandEyesRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return Page{}, recordError(i, err)
		}
		name, email := splitUser(string(rec.User))
		msg := string(rec.Event)
		if len(rec.Resources) > 0 {
			parts := make([]string, len(rec.Resources))
			for j, res := range rec.Resources {
				parts[j] = string(res.Type) + ": " + string(res.Name)
			}
			msg += " " + strings.Join(parts, "; ")
		}
		e := events.Event{
			Time:      rec.Date.Time,
			Provider:  events.ThousandEyes,
			User:      name,
			Email:     email,
			UserID:    string(rec.UID),
			Action:    string(rec.Event),
			Event:     string(rec.Event),
			IPAddress: string(rec.IPAddress),
			Scope:     string(rec.AccountGroupName),
			Message:   msg,
			Raw:       raw,
			Key:       events.HashKey(events.ThousandEyes, raw),
		}
		if len(rec.Resources) > 0 {
			e.ObjectType, e.ObjectName = string(rec.Resources[0].Type), string(rec.Resources[0].Name)
		}
		evs = append(evs, e)
	}
	next := ""
	if page.Links.Next != nil && page.Links.Next.Href != "" && len(page.AuditEvents) > 0 {
		next = page.Links.Next.Href
		if err := SameOrigin(p, next); err != nil {
			return Page{}, fmt.Errorf("the next-page link points elsewhere: %v", err)
		}
	}
	return Page{Events: inWindow(evs, r.Window), Records: len(page.AuditEvents), Next: next}, nil
}

// RequestsPerMinute is ThousandEyes' documented organisation-wide limit.
func (p *thousandEyes) RequestsPerMinute() int { return 240 }

func (p *thousandEyes) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the token's user lacks the permission to view the activity log in this account group"
	}
	return "check the ThousandEyes user API token (Account Settings > Users and Roles > Profile > User API Tokens)"
}

// WebPage: ThousandEyes documents the activity log under Account Settings ›
// Activity Log of its web app; the page's own path is not documented.
func (p *thousandEyes) WebPage() (string, string) {
	return "Open ThousandEyes (Account Settings › Activity Log)", "https://app.thousandeyes.com/"
}
