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

// Domino Data Lab audit trail, docs/vendors.md#domino.
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
func (p *domino) WindowSize() time.Duration { return MaxWindow }
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

type dominoEntity struct{ typ, id, name string }

func readDominoEntity(s *scanner) dominoEntity {
	var d dominoEntity
	eachField(s, func(f []byte) {
		switch string(f) {
		case "entityType":
			d.typ = readScalar(s)
		case "id":
			d.id = readScalar(s)
		case "name":
			d.name = readScalar(s)
		default:
			s.skip()
		}
	})
	return d
}

// readDominoTarget reads one target and renders it for the message, e.g.
// user "akim" (role: Contributor -> Owner).
func readDominoTarget(s *scanner) (dominoEntity, string) {
	var ent dominoEntity
	var changes []string
	eachField(s, func(f []byte) {
		switch string(f) {
		case "entity":
			ent = readDominoEntity(s)
		case "fieldChanges":
			eachElement(s, func() {
				var name, before, after string
				hasValues := false
				var added, removed []string
				eachField(s, func(f []byte) {
					switch string(f) {
					case "fieldName":
						name = readScalar(s)
					case "before":
						hasValues = hasValues || s.next() != kindNull
						before = readScalar(s)
					case "after":
						hasValues = hasValues || s.next() != kindNull
						after = readScalar(s)
					case "added", "removed":
						adding := string(f) == "added" // f is not valid once the value is read
						eachElement(s, func() {
							nm := readDominoEntity(s).name
							if adding {
								added = append(added, " +"+nm)
							} else {
								removed = append(removed, " -"+nm)
							}
						})
					default:
						s.skip()
					}
				})
				c := name + ":"
				if hasValues {
					c += " " + before + " -> " + after
				}
				changes = append(changes, c+strings.Join(added, "")+strings.Join(removed, ""))
			})
		default:
			s.skip()
		}
	})
	name := ent.name
	if name == "" {
		name = ent.id
	}
	text := fmt.Sprintf(" %s %q", ent.typ, name)
	if len(changes) > 0 {
		text += " (" + strings.Join(changes, "; ") + ")"
	}
	return ent, text
}

// ParsePage reads {"events": [...]} or a bare array. The message renders
// the record on one line, e.g. Change User Role In Project user "jwilson"
// (role: Contributor -> Owner) in project "churn-model".
func (p *domino) ParsePage(body []byte, r Request, cursor string) (Page, error) {
	evs := make([]events.Event, 0, pageSize(r, dominoPageSize))
	in := interner{}
	n, err := eachRecord(body, []string{"events"}, func(_ int, s *scanner) error {
		e := events.Event{Provider: events.Domino}
		var targets []string
		var terr error
		hasTime := false
		eachField(s, func(field []byte) {
			switch string(field) {
			case "id":
				e.Key = readScalar(s)
			case "timestamp":
				e.Time, terr = readTime(s)
				hasTime = true
			case "actor":
				a := readDominoEntity(s)
				e.UserID, e.User = a.id, a.name
			case "action":
				eachField(s, func(f []byte) {
					if string(f) == "eventName" {
						e.Event = in.read(s)
					} else {
						s.skip()
					}
				})
			case "in":
				e.Scope = readDominoEntity(s).name
			case "targets":
				eachElement(s, func() {
					ent, text := readDominoTarget(s)
					if len(targets) == 0 {
						e.ObjectType, e.ObjectID, e.ObjectName = ent.typ, ent.id, ent.name
					}
					targets = append(targets, text)
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
			return fmt.Errorf("has no timestamp")
		}
		e.Action = e.Event
		e.Message = e.Event + strings.Join(targets, ",")
		if e.Scope != "" {
			e.Message += fmt.Sprintf(" in project %q", e.Scope)
		}
		if r.Options.Project != "" && e.Scope != r.Options.Project {
			return nil // the project filter, also applied where the API did not
		}
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		return Page{}, err
	}
	return Page{Events: inWindow(evs, r.Window), Records: n, Next: nextOffset(cursor, n, pageSize(r, dominoPageSize))}, nil
}

// PageCursor: Domino pages by offset (Seeker).
func (p *domino) PageCursor(r Request, k int) string {
	return offsetCursor(k, pageSize(r, dominoPageSize))
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
