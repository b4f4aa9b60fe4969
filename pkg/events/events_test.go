package events

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func TestFilterMatchingRules(t *testing.T) {
	e := Event{Event: "Login failed.", Action: "LOGIN", ObjectType: "USER", User: "Ana Silva", UserID: "77", Email: "Ana@Example.com",
		Message: "Failed login from VPN", ObjectName: "Sales"}
	for _, c := range []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty matches", Filter{}, true},
		{"event by name", Filter{Events: []string{"Login failed."}}, true},
		{"event by action", Filter{Events: []string{"LOGIN"}}, true},
		{"event is exact", Filter{Events: []string{"login failed."}}, false},
		{"object type", Filter{ObjectTypes: []string{"PAGE", "USER"}}, true},
		{"object type miss", Filter{ObjectTypes: []string{"PAGE"}}, false},
		{"user by name", Filter{Users: []string{"Ana Silva"}}, true},
		{"user by id", Filter{Users: []string{"77"}}, true},
		{"user by e-mail, any case", Filter{Users: []string{"ana@example.COM"}}, true},
		{"user name is exact", Filter{Users: []string{"ana silva"}}, false},
		{"search in message", Filter{Search: "vpn"}, true},
		{"search in object name", Filter{Search: "SALES"}, true},
		{"search miss", Filter{Search: "export"}, false},
		{"all must hold", Filter{Events: []string{"LOGIN"}, Users: []string{"Ben"}}, false},
	} {
		if got := c.f.Match(&e); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestDedupeKeepsTheFirstOfEachKeyPerProvider(t *testing.T) {
	evs := []Event{{Provider: "a", Key: "1", Message: "first"}, {Provider: "a", Key: "1", Message: "again"}, {Provider: "b", Key: "1"}, {Provider: "a", Key: "2"}}
	out := Dedupe(evs)
	if len(out) != 3 || out[0].Message != "first" {
		t.Fatalf("dedupe: %+v", out)
	}
}

func TestSortNewestFirstIsDeterministic(t *testing.T) {
	evs := []Event{{Time: t0, Provider: "b", Key: "x"}, {Time: t0.Add(time.Second), Provider: "a", Key: "z"}, {Time: t0, Provider: "a", Key: "y"}}
	SortNewestFirst(evs)
	if evs[0].Key != "z" || evs[1].Key != "y" || evs[2].Key != "x" {
		t.Fatalf("order %+v", evs)
	}
}

func TestRecordIDIsTheVendorsIdElseAStableHash(t *testing.T) {
	a := Event{Provider: "domo", Raw: []byte(`{"a":1}`)}
	b := Event{Provider: "domo-platform", Raw: []byte(`{"a":1}`)}
	c := Event{Provider: "domo", Raw: []byte(`{"a":2}`)}
	if RecordID(&a) != RecordID(&a) || RecordID(&a) == RecordID(&b) || RecordID(&a) == RecordID(&c) || len(RecordID(&a)) != 32 {
		t.Fatal("record ids must be stable, and differ by provider and record")
	}
	// The same in every process: a fixed value, not a seeded hash.
	if got := RecordID(&a); got != "eeec5bbab91bcf7b6c7c68b40c9f7682" {
		t.Fatalf("record id %s changed: ids must not change between processes or versions", got)
	}
	if id := RecordID(&Event{Provider: "datafold", Key: "uuid-1", Raw: a.Raw}); id != "uuid-1" {
		t.Fatalf("the vendor's id is the record id, got %s", id)
	}
}

func TestDedupeKeepsEveryEventWithoutAVendorId(t *testing.T) {
	same := []byte(`{"userName":"Ana","eventText":"Login failed","time":1}`)
	evs := []Event{{Provider: "domo", Raw: same}, {Provider: "domo", Raw: same}, {Provider: "domo", Raw: same}}
	if out := Dedupe(evs); len(out) != 3 {
		t.Fatalf("three identical records are three events, got %d", len(out))
	}
}
