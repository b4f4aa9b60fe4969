package providers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	jsoniter "github.com/json-iterator/go"

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

type dominoEntity struct{ typ, id, name string }

func readDominoEntity(it *jsoniter.Iterator) dominoEntity {
	var d dominoEntity
	eachField(it, func(f string) {
		switch f {
		case "entityType":
			d.typ = readScalar(it)
		case "id":
			d.id = readScalar(it)
		case "name":
			d.name = readScalar(it)
		default:
			it.Skip()
		}
	})
	return d
}

// readDominoTarget reads one target and renders it for the message, e.g.
// user "akim" (role: Contributor -> Owner).
func readDominoTarget(it *jsoniter.Iterator) (dominoEntity, string) {
	var ent dominoEntity
	var changes []string
	eachField(it, func(f string) {
		switch f {
		case "entity":
			ent = readDominoEntity(it)
		case "fieldChanges":
			eachElement(it, func() {
				var name, before, after string
				hasValues := false
				var added, removed []string
				eachField(it, func(f string) {
					switch f {
					case "fieldName":
						name = readScalar(it)
					case "before":
						hasValues = hasValues || it.WhatIsNext() != jsoniter.NilValue
						before = readScalar(it)
					case "after":
						hasValues = hasValues || it.WhatIsNext() != jsoniter.NilValue
						after = readScalar(it)
					case "added", "removed":
						eachElement(it, func() {
							nm := readDominoEntity(it).name
							if f == "added" {
								added = append(added, " +"+nm)
							} else {
								removed = append(removed, " -"+nm)
							}
						})
					default:
						it.Skip()
					}
				})
				c := name + ":"
				if hasValues {
					c += " " + before + " -> " + after
				}
				changes = append(changes, c+strings.Join(added, "")+strings.Join(removed, ""))
			})
		default:
			it.Skip()
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
	n, err := eachRecord(body, []string{"events"}, func(_ int, raw []byte, it *jsoniter.Iterator) error {
		e := events.Event{Provider: events.Domino, Raw: raw}
		var targets []string
		var terr error
		hasTime := false
		eachField(it, func(field string) {
			switch field {
			case "id":
				e.Key = readScalar(it)
			case "timestamp":
				e.Time, terr = readTime(it)
				hasTime = true
			case "actor":
				a := readDominoEntity(it)
				e.UserID, e.User = a.id, a.name
			case "action":
				eachField(it, func(f string) {
					if f == "eventName" {
						e.Event = in.read(it)
					} else {
						it.Skip()
					}
				})
			case "in":
				e.Scope = readDominoEntity(it).name
			case "targets":
				eachElement(it, func() {
					ent, text := readDominoTarget(it)
					if len(targets) == 0 {
						e.ObjectType, e.ObjectID, e.ObjectName = ent.typ, ent.id, ent.name
					}
					targets = append(targets, text)
				})
			default:
				it.Skip()
			}
		})
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
		if e.Key == "" {
			e.Key = events.HashKey(events.Domino, raw)
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

func (p *domino) AuthHint(status int) string {
	if status == http.StatusForbidden {
		return "the audit trail is for Domino administrators; use a token of an admin or service account with admin rights"
	}
	if p.authType == models.AuthAPIKey {
		return "check the Domino API key, or switch to a bearer token (service account or personal access token)"
	}
	return "check the Domino access token (service account token or personal access token); it may have expired"
}
