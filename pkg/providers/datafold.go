package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Datafold audit logs, docs/vendors.md#datafold.
//
// GET {host}/api/v1/audit_logs with "Authorization: Key <key>" and a JSON
// body {"start_date", "end_date"} on the GET. No paging: the whole range
// comes in one response (Unpaged: the engine sizes the windows by the
// answers' density and splits one whose answer is too large).
type datafold struct {
	base *url.URL
	key  string
}

const (
	datafoldURL  = "https://app.datafold.com"
	datafoldPath = "/api/v1/audit_logs"
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
func (p *datafold) WindowSize() time.Duration      { return MaxWindow }
func (p *datafold) Unpaged()                       {}
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

func (p *datafold) ParsePage(body []byte, r Request, _ string) (Page, error) {
	// No paging: room for one event per "timestamp" key.
	evs := make([]events.Event, 0, bytes.Count(body, []byte(`"timestamp"`)))
	in := interner{}
	n, err := eachRecord(body, []string{"logs"}, func(_ int, s *scanner) error {
		e := events.Event{Provider: events.Datafold}
		var action, logEntry, requestType, url string
		var terr error
		hasTime := false
		eachField(s, func(field []byte) {
			switch string(field) {
			case "timestamp":
				e.Time, terr = readTime(s)
				hasTime = true
			case "event_uuid":
				e.Key = readScalar(s)
			case "client_ip":
				e.IPAddress = in.read(s)
			case "url":
				url = readScalar(s)
			case "action":
				action = in.read(s)
			case "log_entry":
				logEntry = readScalar(s)
			case "object_id":
				e.ObjectID = readScalar(s)
			case "object_type":
				e.ObjectType = in.read(s)
			case "request_type":
				requestType = in.read(s)
			case "status":
				e.Status = in.read(s)
			case "user_agent":
				e.UserAgent = in.read(s)
			case "user_email":
				e.Email = in.read(s)
			case "user_id":
				e.UserID = in.read(s)
			default:
				s.skip()
			}
		})
		e.Raw = s.record()
		if terr != nil {
			return terr
		}
		if !hasTime {
			return fmt.Errorf("has no timestamp")
		}
		// Plain API calls carry no action: name them by method and URL.
		if action == "" {
			action = requestType + " " + url
		}
		e.User, e.Action, e.Event = e.Email, action, action
		e.Message = logEntry
		if e.Message == "" {
			e.Message = action
		}
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	return Page{Events: inWindow(evs, r.Window), Records: n}, nil
}

func (p *datafold) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the API key's user may not read audit logs; use an admin's key"
	}
	return "check the Datafold API key (Settings > Account > API key); it is sent as \"Authorization: Key <key>\""
}
