package events

import (
	"slices"
	"strings"
)

// Filter is the event filter of a query. Empty lists match everything.
//
// Matching rules (the same whether a provider pushes a filter down to the
// vendor or the engine applies it):
//   - Events: exact match on Event or Action.
//   - ObjectTypes: exact match on ObjectType.
//   - Users: exact match on User or UserID, case-insensitive match on Email.
//   - Search: case-insensitive substring of Message, Event, User, Email or
//     ObjectName.
type Filter struct {
	Events      []string
	ObjectTypes []string
	Users       []string
	Search      string
}

// IsEmpty reports whether the filter matches every event.
func (f Filter) IsEmpty() bool {
	return len(f.Events) == 0 && len(f.ObjectTypes) == 0 && len(f.Users) == 0 && f.Search == ""
}

// Match reports whether e passes the filter.
func (f Filter) Match(e *Event) bool {
	if len(f.Events) > 0 && !containsValue(f.Events, e.Event) && !containsValue(f.Events, e.Action) {
		return false
	}
	if len(f.ObjectTypes) > 0 && !containsValue(f.ObjectTypes, e.ObjectType) {
		return false
	}
	if len(f.Users) > 0 && !f.matchUser(e) {
		return false
	}
	if f.Search != "" {
		s := strings.ToLower(f.Search)
		if !containsFold(e.Message, s) && !containsFold(e.Event, s) && !containsFold(e.User, s) &&
			!containsFold(e.Email, s) && !containsFold(e.ObjectName, s) {
			return false
		}
	}
	return true
}

func (f Filter) matchUser(e *Event) bool {
	for _, u := range f.Users {
		if u == "" {
			continue
		}
		if u == e.User || u == e.UserID || (e.Email != "" && strings.EqualFold(u, e.Email)) {
			return true
		}
	}
	return false
}

// Apply keeps the events that match, in place.
func (f Filter) Apply(evs []Event) []Event {
	if f.IsEmpty() {
		return evs
	}
	n := 0
	for i := range evs {
		if f.Match(&evs[i]) {
			if n != i {
				evs[n] = evs[i]
			}
			n++
		}
	}
	return evs[:n]
}

// containsValue: an empty value matches no filter entry.
func containsValue(list []string, v string) bool {
	return v != "" && slices.Contains(list, v)
}

func containsFold(haystack, lowerNeedle string) bool {
	return haystack != "" && strings.Contains(strings.ToLower(haystack), lowerNeedle)
}
