// Package events holds the normalised audit event that every provider maps its
// records onto, and the generic operations on it: filtering, de-duplication
// and ordering.
package events

import (
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// Provider ids (the query and settings contract).
const (
	Domo         = "domo"
	DomoPlatform = "domo-platform"
	Domino       = "domino"
	Datafold     = "datafold"
	ThousandEyes = "thousandeyes"
)

// ProviderIDs lists every provider in display order.
var ProviderIDs = []string{Domo, DomoPlatform, Domino, Datafold, ThousandEyes}

// Event is one normalised audit event. String fields are empty when the
// vendor has no value for them.
type Event struct {
	Time       time.Time       `json:"time"`
	Provider   string          `json:"provider"`
	User       string          `json:"user"`
	Email      string          `json:"email"`
	UserID     string          `json:"userId"`
	Action     string          `json:"action"`
	Event      string          `json:"event"`
	ObjectType string          `json:"objectType"`
	ObjectID   string          `json:"objectId"`
	ObjectName string          `json:"objectName"`
	IPAddress  string          `json:"ipAddress"`
	UserAgent  string          `json:"userAgent"`
	Scope      string          `json:"scope"`
	Status     string          `json:"status"`
	Message    string          `json:"message"`
	Raw        json.RawMessage `json:"raw"`
	// Key is the vendor's id of the event, where it has one: events with
	// the same Key are one event read twice. Without an id, identical
	// records are distinct events (a burst of the same failed login), and
	// Key is empty.
	Key string `json:"-"`
}

// RecordID names an event in a frame (the logs' id column): the vendor's
// id, else a hash of the provider and the raw record, as 32 hex digits, the
// same in every process (replicas show the same ids).
func RecordID(e *Event) string {
	if e.Key != "" {
		return e.Key
	}
	h := fnv.New128a()
	h.Write([]byte(e.Provider))
	h.Write([]byte{0})
	h.Write(e.Raw)
	return hex.EncodeToString(h.Sum(nil))
}

// SortNewestFirst orders events newest first, then by provider; events of
// one provider with the same time keep the vendor's order (a stable sort),
// which is deterministic, unlike hash keys. Vendors mostly answer newest
// first already, so a sorted input costs one pass.
func SortNewestFirst(evs []Event) {
	if inOrder(evs) {
		return
	}
	slices.SortStableFunc(evs, newestFirst)
}

func newestFirst(a, b Event) int { return compareNewest(&a, &b) }

// compareNewest is newestFirst on pointers: an Event is some 300 bytes,
// and the order of every query's result is checked, so events are not
// copied to be compared.
func compareNewest(a, b *Event) int {
	if c := b.Time.Compare(a.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Provider, b.Provider)
}

// inOrder reports whether evs are newest first.
func inOrder(evs []Event) bool {
	for i := 1; i < len(evs); i++ {
		if compareNewest(&evs[i-1], &evs[i]) > 0 {
			return false
		}
	}
	return true
}

// Dedupe removes events whose Key (the vendor's id) was already seen,
// keeping the first; events without a Key are all kept.
func Dedupe(evs []Event) []Event {
	n := DedupeList(ListOf(evs)).Len()
	return evs[:n]
}

// ProviderLabels are the display names of the providers.
var ProviderLabels = map[string]string{
	Domo:         "Domo",
	DomoPlatform: "Domo platform API",
	Domino:       "Domino Data Lab",
	Datafold:     "Datafold",
	ThousandEyes: "Cisco ThousandEyes",
}
