// Package events holds the normalised audit event that every provider maps its
// records onto, and the generic operations on it: filtering, de-duplication
// and ordering.
package events

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/maphash"
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
	// Key identifies the event across windows and pages: the vendor's id
	// where it has one, else a hash of the raw record.
	Key string `json:"-"`
}

// hashSeeds make HashKey's two 64-bit halves independent. Keys are stable
// for the life of the process (the cache and de-duplication live there too).
var hashSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// HashKey returns a key for a record that has no vendor id: a 128-bit hash
// of the provider and the raw record, as 32 hex digits.
func HashKey(provider string, raw []byte) string {
	var sum [16]byte
	for i, seed := range hashSeeds {
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(provider)
		h.WriteByte(0)
		h.Write(raw)
		binary.LittleEndian.PutUint64(sum[i*8:], h.Sum64())
	}
	return hex.EncodeToString(sum[:])
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

// Dedupe removes events whose Key was already seen, keeping the first.
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
