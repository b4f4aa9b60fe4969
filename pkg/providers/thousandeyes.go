package providers

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/auditlens/auditlog/pkg/budget"
	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Cisco ThousandEyes API v7 activity log, docs/vendors.md#thousandeyes.
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

func (p *thousandEyes) ID() string                { return events.ThousandEyes }
func (p *thousandEyes) BaseURL() *url.URL         { return p.base }
func (p *thousandEyes) WindowSize() time.Duration { return MaxWindow }

// Retention: ThousandEyes keeps two years of activity log (docs/vendors.md).
func (p *thousandEyes) Retention() time.Duration       { return 2 * 365 * 24 * time.Hour }
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
	// The page size is the server's choice: room for one event per "date"
	// key, so that a page's events are not copied as the slice grows.
	evs := make([]events.Event, 0, bytes.Count(body, []byte(`"date"`)))
	in := interner{}
	users := map[string][2]string{} // splitUser per distinct user of the page
	next := ""
	links := func(field []byte, s *scanner) {
		if string(field) != "_links" {
			s.skip()
			return
		}
		eachField(s, func(rel []byte) {
			if string(rel) != "next" {
				s.skip()
				return
			}
			eachField(s, func(f []byte) {
				if string(f) == "href" && s.next() == kindString {
					next = string(s.str())
				} else {
					s.skip()
				}
			})
		})
	}
	var msg, full []byte // a record's message, built here and interned
	n, err := eachRecordAnd(body, []string{"auditEvents"}, func(_ int, s *scanner) error {
		e := events.Event{Provider: events.ThousandEyes}
		var user string
		msg = msg[:0]
		resources := 0
		var terr error
		hasTime := false
		eachField(s, func(field []byte) {
			switch string(field) {
			case "date":
				e.Time, terr = readTime(s)
				hasTime = true
			case "event":
				e.Event = in.read(s)
			case "ipAddress":
				e.IPAddress = in.read(s)
			case "uid":
				e.UserID = in.read(s)
			case "user":
				user = in.read(s)
			case "accountGroupName":
				e.Scope = in.read(s)
			case "resources":
				eachElement(s, func() {
					var typ, name string
					eachField(s, func(f []byte) {
						switch string(f) {
						case "type":
							typ = in.read(s)
						case "name":
							name = readScalar(s)
						default:
							s.skip()
						}
					})
					if resources == 0 {
						e.ObjectType, e.ObjectName = typ, name
						msg = append(msg, ' ')
					} else {
						msg = append(msg, "; "...)
					}
					resources++
					msg = append(append(append(msg, typ...), ": "...), name...)
				})
			default:
				s.skip()
			}
		})
		e.Raw = s.record()
		if terr != nil {
			return terr
		}
		if !hasTime {
			return fmt.Errorf("has no date")
		}
		parts, ok := users[user]
		if !ok {
			parts[0], parts[1] = splitUser(user)
			users[user] = parts
		}
		e.User, e.Email = parts[0], parts[1]
		e.Action = e.Event
		// "Test updated. testName: HTTP check; agentName: Paris": the
		// same few messages recur across a page.
		e.Message = e.Event
		if resources > 0 {
			full = append(append(full[:0], e.Event...), msg...)
			e.Message = in.intern(full)
		}
		evs = append(evs, e)
		return nil
	}, links)
	if err != nil {
		return Page{}, err
	}
	if n == 0 {
		next = "" // an empty page ends the log, whatever it links to
	}
	if next != "" {
		if err := SameOrigin(p, next); err != nil {
			return Page{}, fmt.Errorf("the next-page link points elsewhere: %v", err)
		}
	}
	return Page{Events: inWindow(evs, r.Window), Records: n, Next: next}, nil
}

// RateLimit is ThousandEyes' documented organisation-wide budget: 240
// requests a minute, announced on every answer.
func (p *thousandEyes) RateLimit() (budget.Limit, budget.Headers) {
	return budget.Limit{Requests: 240, Window: time.Minute}, budget.Headers{
		Limit:     "X-Organization-Rate-Limit-Limit",
		Remaining: "X-Organization-Rate-Limit-Remaining",
		Reset:     "X-Organization-Rate-Limit-Reset",
	}
}

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
