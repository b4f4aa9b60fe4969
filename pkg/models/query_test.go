package models

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The same fixtures are read by src/types.test.ts, so the Go and the
// TypeScript halves of the query contract cannot drift.
type normalizeCase struct {
	Name       string          `json:"name"`
	Input      json.RawMessage `json:"input"`
	Expected   json.RawMessage `json:"expected"`
	ErrorField string          `json:"errorField"`
}

func TestParseQueryMatchesSharedFixtures(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/queries/normalize.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []normalizeCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cases) < 10 {
		t.Fatalf("expected the fixture file to hold the cases, got %d", len(doc.Cases))
	}
	for _, c := range doc.Cases {
		t.Run(c.Name, func(t *testing.T) {
			q, err := ParseQuery(c.Input)
			if c.ErrorField != "" {
				if err == nil {
					t.Fatalf("expected an error naming %q, got none", c.ErrorField)
				}
				if !strings.HasPrefix(err.Error(), c.ErrorField+":") {
					t.Fatalf("error %q does not start with the field name %q", err, c.ErrorField)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			got, _ := json.Marshal(q)
			var a, b any
			_ = json.Unmarshal(got, &a)
			_ = json.Unmarshal(c.Expected, &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) {
				t.Fatalf("normalised query differs\n got: %s\nwant: %s", ga, gb)
			}
		})
	}
}

func TestParseQueryRejectsMalformedJSON(t *testing.T) {
	_, err := ParseQuery([]byte(`{"refId":"A","events":[`))
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("expected a clear JSON error, got %v", err)
	}
	_, err = ParseQuery([]byte(`{"refId":"A","limit":{"x":1}}`))
	if err == nil || !strings.HasPrefix(err.Error(), "limit:") {
		t.Fatalf("expected an error naming limit, got %v", err)
	}
	_, err = ParseQuery([]byte(`{"refId":"A","search":5}`))
	if err == nil || !strings.HasPrefix(err.Error(), "search:") {
		t.Fatalf("expected an error naming search, got %v", err)
	}
}
