package providers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Domo Activity Log API (instance API), docs/vendors.md#domo.
//
// GET https://{instance}.domo.com/api/audit/v1/user-audits?start&end&offset&limit&objectType
// with X-DOMO-Developer-Token. A bare array, offset paging, no documented
// maximum page size (clients use 1000).
type domo struct {
	base     *url.URL
	token    string
	instance string
}

const (
	domoPath     = "/api/audit/v1/user-audits"
	domoPageSize = 1000
)

func newDomo(ps models.ProviderSettings) (Provider, error) {
	def := ""
	if ps.Instance != "" {
		if strings.ContainsAny(ps.Instance, "./:") {
			return nil, fmt.Errorf("domo: instance %q should be only the name before .domo.com (e.g. acme for https://acme.domo.com)", ps.Instance)
		}
		def = "https://" + ps.Instance + ".domo.com"
	}
	if ps.URL == "" && def == "" {
		return nil, fmt.Errorf("domo: the instance name is missing (acme for https://acme.domo.com)")
	}
	base, err := baseURL(events.Domo, ps.URL, def)
	if err != nil {
		return nil, err
	}
	scope := ps.Instance
	if scope == "" {
		scope = base.Hostname()
	}
	return &domo{base: base, token: ps.Secret, instance: scope}, nil
}

func (p *domo) ID() string                { return events.Domo }
func (p *domo) BaseURL() *url.URL         { return p.base }
func (p *domo) WindowSize() time.Duration { return MaxWindow }

// Retention: Domo keeps about one year of activity log (docs/vendors.md).
func (p *domo) Retention() time.Duration { return 365 * 24 * time.Hour }

func (p *domo) Pushdown(r Request) events.Filter {
	return events.Filter{ObjectTypes: r.Filter.ObjectTypes}
}

func (p *domo) NewRequest(ctx context.Context, r Request, cursor string) (*http.Request, error) {
	q := url.Values{}
	// start/end are epoch ms; the end is padded by 1 ms in case it is exclusive.
	q.Set("start", ms(r.From))
	q.Set("end", ms(r.To.Add(time.Millisecond)))
	q.Set("offset", fmt.Sprint(offsetOf(cursor)))
	q.Set("limit", fmt.Sprint(pageSize(r, domoPageSize)))
	if len(r.Filter.ObjectTypes) > 0 {
		q.Set("objectType", strings.Join(r.Filter.ObjectTypes, ","))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, domoPath, q), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-DOMO-Developer-Token", p.token)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// parseDomoPage reads a page of either Domo API (a bare array; the
// platform API adds fields). Unknown fields are ignored.
func parseDomoPage(provider string, body []byte, r Request, cursor string, limit int, scope string) (Page, error) {
	evs := make([]events.Event, 0, limit)
	in := interner{}
	n, err := eachRecord(body, nil, func(_ int, s *scanner) error {
		e := events.Event{Provider: provider, Scope: scope}
		var comment string
		var terr error
		hasTime := false
		eachField(s, func(field []byte) {
			switch string(field) {
			case "userName":
				e.User = in.read(s)
			case "userId":
				e.UserID = in.read(s)
			case "actionType":
				e.Action = in.read(s)
			case "eventText":
				e.Event = in.read(s)
			case "objectType":
				e.ObjectType = in.read(s)
			case "objectId":
				e.ObjectID = readScalar(s)
			case "objectName":
				e.ObjectName = readScalar(s)
			case "additionalComment":
				comment = readScalar(s)
			case "ipAddress":
				e.IPAddress = in.read(s)
			case "browserDetails":
				e.UserAgent = in.read(s)
			case "time":
				e.Time, terr = readTime(s)
				hasTime = true
			default:
				s.skip()
			}
		})
		e.Raw = s.record()
		if terr != nil {
			return terr
		}
		if !hasTime {
			return fmt.Errorf("has no time")
		}
		e.Message = comment
		if e.Message == "" {
			e.Message = e.Event
		}
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	return Page{Events: inWindow(evs, r.Window), Records: n, Next: nextOffset(cursor, n, limit)}, nil
}

func (p *domo) ParsePage(body []byte, r Request, cursor string) (Page, error) {
	return parseDomoPage(events.Domo, body, r, cursor, pageSize(r, domoPageSize), p.instance)
}

// PageCursor: Domo pages by offset (Seeker).
func (p *domo) PageCursor(r Request, k int) string { return offsetCursor(k, pageSize(r, domoPageSize)) }

func (p *domo) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the token's user lacks the Admin role or the \"View Activity Logs\" grant"
	}
	return "check the developer token (Domo Admin > Authentication > Access tokens); it may have expired"
}

// ObjectTypes reads Domo's object-type catalogue; elements are strings in
// the documentation and objects {type} in some clients: both are accepted.
func (p *domo) ObjectTypes(ctx context.Context, client *http.Client) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint(p.base, domoPath+"/objectTypes", nil), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-DOMO-Developer-Token", p.token)
	req.Header.Set("Accept", "application/json")
	body, _, err := Do(client, req, p)
	if err != nil {
		return nil, err
	}
	var out []string
	s := &scanner{b: body}
	if s.next() != kindArray {
		return nil, fmt.Errorf("domo: the object types answer is not a list")
	}
	eachElement(s, func() {
		var t string
		if s.next() == kindObject {
			eachField(s, func(f []byte) {
				if string(f) == "type" {
					t = readScalar(s)
				} else {
					s.skip()
				}
			})
		} else {
			t = readScalar(s)
		}
		if t != "" {
			out = append(out, t)
		}
	})
	s.end()
	if s.err != nil {
		return nil, fmt.Errorf("domo: the object types answer is not valid JSON: %v", s.err)
	}
	return out, nil
}

func (p *domo) Redact(s string) string { return redact(s, p.token) }

// WebPage: the activity log lives in Domo's Admin settings (Governance ›
// Activity log); the page's own path is not documented, so link to Admin.
func (p *domo) WebPage() (string, string) {
	return "Open Domo Admin (Governance › Activity log)", "https://" + p.instance + ".domo.com/admin"
}
