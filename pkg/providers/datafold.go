package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Datafold audit logs, vendors.md#datafold.
//
// GET {host}/api/v1/audit_logs with "Authorization: Key <key>" and a JSON
// body {"start_date", "end_date"} on the GET. No paging: the whole range
// comes in one response, so the engine asks for short windows.
type datafold struct {
	base *url.URL
	key  string
}

const (
	datafoldURL    = "https://app.datafold.com"
	datafoldPath   = "/api/v1/audit_logs"
	datafoldWindow = time.Hour
)

func newDatafold(ps models.ProviderSettings) (Provider, error) {
	base, err := baseURL(events.Datafold, ps.URL, datafoldURL)
	if err != nil {
		return nil, err
	}
	return &datafold{base: base, key: ps.Secret}, nil
}

func (p *datafold) ID() string                     { return events.Datafold }
func (p *datafold) BaseURL() *url.URL              { return p.base }
func (p *datafold) WindowSize() time.Duration      { return datafoldWindow }
func (p *datafold) Redact(s string) string         { return redact(s, p.key) }
func (p *datafold) Pushdown(Request) events.Filter { return events.Filter{} }

func (p *datafold) NewRequest(ctx context.Context, r Request, _ string) (*http.Request, error) {
	// Whether end_date is inclusive is not documented: ask for one extra
	// second and clip.
	body, err := json.Marshal(map[string]string{
		"start_date": r.From.UTC().Format(time.RFC3339Nano),
		"end_date":   r.To.Add(time.Second).UTC().Format(time.RFC3339Nano),
	})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, datafoldPath, nil), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Key "+p.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

type datafoldRecord struct {
	Timestamp   flexTime   `json:"timestamp"`
	EventUUID   flexString `json:"event_uuid"`
	ClientIP    flexString `json:"client_ip"`
	URL         flexString `json:"url"`
	Action      flexString `json:"action"`
	LogEntry    flexString `json:"log_entry"`
	ObjectID    flexString `json:"object_id"`
	ObjectType  flexString `json:"object_type"`
	RequestType flexString `json:"request_type"`
	Status      flexString `json:"status"`
	UserAgent   flexString `json:"user_agent"`
	UserEmail   flexString `json:"user_email"`
	UserID      flexString `json:"user_id"`
}

func (p *datafold) ParsePage(body []byte, r Request, _ string) (Page, error) {
	recs, err := decodeArray(body, "logs")
	if err != nil {
		return Page{}, err
	}
	evs := make([]events.Event, 0, len(recs))
	for i, raw := range recs {
		var rec datafoldRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return Page{}, recordError(i, err)
		}
		// Plain API calls carry no action: name them by method and URL.
		name := string(rec.Action)
		if name == "" {
			name = string(rec.RequestType) + " " + string(rec.URL)
		}
		msg := string(rec.LogEntry)
		if msg == "" {
			msg = name
		}
		e := events.Event{
			Time:       rec.Timestamp.Time,
			Provider:   events.Datafold,
			User:       string(rec.UserEmail),
			Email:      string(rec.UserEmail),
			UserID:     string(rec.UserID),
			Action:     name,
			Event:      name,
			ObjectType: string(rec.ObjectType),
			ObjectID:   string(rec.ObjectID),
			IPAddress:  string(rec.ClientIP),
			UserAgent:  string(rec.UserAgent),
			Status:     string(rec.Status),
			Message:    msg,
			Raw:        raw,
			Key:        string(rec.EventUUID),
		}
		if e.Key == "" {
			e.Key = events.HashKey(events.Datafold, raw)
		}
		evs = append(evs, e)
	}
	return Page{Events: inWindow(evs, r.Window), Records: len(recs)}, nil
}

func (p *datafold) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the API key's user may not read audit logs; use an admin's key"
	}
	return "check the Datafold API key (Settings > Account > API key); it is sent as \"Authorization: Key <key>\""
}
