package providers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// Fuzz targets: `go test` runs their seeds; scripts/test.sh fuzzes each for
// a few seconds; `npm run fuzz` (scripts/fuzz.sh) runs them longer. No input
// may panic or hang a parser, and what a parser accepts must be coherent.

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2017-12-13 10:57:35 PM", "2020-07-17T22:00:54Z", "2024-05-01T10:00:00.123456", "2024-05-01T10:00:00+00:00",
		"1513205855000", "1513205855", "", "13:00", "2017-13-45T99:99:99Z", "1e400", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		// The layouts it skips could not have matched: trying every one
		// in order reads the same.
		if want, werr := parseTimeEveryLayout(s); (err == nil) != (werr == nil) || !got.Equal(want) {
			t.Fatalf("%q: read %s %v, every layout in turn reads %s %v", s, got, err, want, werr)
		}
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q parsed to a non-UTC time %s", s, got)
		}
		again, err := ParseTime(got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q -> %s does not round-trip: %s %v", s, got, again, err)
		}
	})
}

// parseTimeEveryLayout is ParseTime without layoutFits.
func parseTimeEveryLayout(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && s != "" && !strings.ContainsAny(s, "-:") {
		return epochMillis(n)
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown")
}

func fuzzProvider(f *testing.F, id string, ps models.ProviderSettings, seedFiles ...string) {
	for _, name := range seedFiles {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `[]`, `{}`, `null`, `[null]`, `[{}]`, `{"events":null}`, `{"logs":[{"timestamp":1}]}`, `<html>`, `[{"time":"x"}]`,
		`{"auditEvents":[{"date":"2020-07-17T22:00:54Z","user":"A (a@b)"}],"_links":{"next":{"href":"https://api.thousandeyes.com/v7/x?cursor=1"}}}`} {
		f.Add([]byte(s))
	}
	ps.Enabled, ps.Secret = true, "fuzz-secret"
	p, err := New(id, ps, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pg, err := p.ParsePage(body, everything, "")
		if err != nil {
			return
		}
		if pg.Records < len(pg.Events) {
			t.Fatalf("%d events from %d records", len(pg.Events), pg.Records)
		}
		// What a parser accepts is JSON to encoding/json too, and each
		// event's raw bytes are one of its records.
		if !json.Valid(body) {
			t.Fatalf("accepted a body that is not valid JSON: %q", body)
		}
		for _, e := range pg.Events {
			if e.Provider != id || e.Time.Before(everything.From) || !e.Time.Before(everything.To) ||
				!json.Valid(e.Raw) || e.Raw[0] != '{' || !bytes.Contains(body, e.Raw) {
				t.Fatalf("incoherent event %+v", e)
			}
		}
		if pg.Next != "" {
			if err := SameOrigin(p, pg.Next); err != nil && id == events.ThousandEyes {
				t.Fatalf("a foreign next link was accepted: %s", pg.Next)
			}
		}
	})
}

func FuzzDomoPage(f *testing.F) {
	fuzzProvider(f, events.Domo, models.ProviderSettings{Instance: "acme"}, "domo_page.json")
}

func FuzzDomoPlatformPage(f *testing.F) {
	fuzzProvider(f, events.DomoPlatform, models.ProviderSettings{ClientID: "c"}, "domo_platform_page.json")
}

func FuzzDominoPage(f *testing.F) {
	fuzzProvider(f, events.Domino, models.ProviderSettings{URL: "https://domino.example.com", AuthType: models.AuthBearer}, "domino_page.json")
}

func FuzzDatafoldPage(f *testing.F) {
	fuzzProvider(f, events.Datafold, models.ProviderSettings{}, "datafold_page.json")
}

func FuzzThousandEyesPage(f *testing.F) {
	fuzzProvider(f, events.ThousandEyes, models.ProviderSettings{}, "thousandeyes_page.json")
}

func FuzzVendorMessage(f *testing.F) {
	for _, s := range []string{`{"detail":[{"loc":["body",1],"msg":"x"}]}`, `{"errors":[{"field":"a","message":"b"}]}`, `{"message":5}`, `{"detail":{}}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if m := vendorMessage(b); len(m) > 400 {
			t.Fatalf("message of %d bytes is not bounded", len(m))
		}
	})
}
