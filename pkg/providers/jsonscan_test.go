package providers

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// scanTree reads the value at s into the types encoding/json decodes into
// (with UseNumber), so the two can be compared.
func scanTree(s *scanner) any {
	switch s.next() {
	case kindObject:
		m := map[string]any{}
		s.object(func(name []byte) {
			k := string(name) // before the value is read: name may be reused
			m[k] = scanTree(s)
		})
		return m
	case kindArray:
		a := []any{}
		s.array(func() { a = append(a, scanTree(s)) })
		return a
	case kindString:
		return string(s.str())
	case kindNumber:
		return json.Number(s.number())
	case kindBool:
		return s.boolean()
	case kindNull:
		s.null()
		return nil
	}
	s.skip()
	return nil
}

// decodeStd is encoding/json's reading of b, or its error.
func decodeStd(b []byte) (any, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if !json.Valid(b) { // data after the value
		return nil, &json.SyntaxError{}
	}
	return v, nil
}

var scannerSeeds = []string{
	`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, `[]`, `{}`, ` [ 1 , -0.5e+10 , 0 , 1E2 ] `, `"x"`, `null`, `-0`,
	`"caf\u00e9 \ud83d\ude00 \ud83d \udc00x \/\b\f\n\r\t\"\\"`, "\"caf\xc3\xa9 \xff\xfe\"", `{"a":1,"a":2}`, `{"\u0061":"b"}`,
	`01`, `1.`, `.5`, `-`, `1e`, `+1`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `"\x"`, `"\u12"`, "\"a\tb\"", `tru`, `nul`,
	`[1]x`, `{"a":[1,{"b":"c"}]`, `"unterminated`, `[` + strings.Repeat(`[`, 50) + strings.Repeat(`]`, 51),
}

// FuzzScanner: the scanner accepts exactly what encoding/json accepts, and
// reads the same values.
func FuzzScanner(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := decodeStd(b)
		s := &scanner{b: b}
		got := scanTree(s)
		s.end()
		if (werr == nil) != (s.err == nil) {
			t.Fatalf("%q: encoding/json says %v, the scanner %v", b, werr, s.err)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: encoding/json reads %#v, the scanner %#v", b, want, got)
		}
		// skip checks the same syntax as reading does.
		k := &scanner{b: b}
		k.skip()
		k.end()
		if (k.err == nil) != (s.err == nil) {
			t.Fatalf("%q: skip says %v, reading %v", b, k.err, s.err)
		}
	})
}

func TestScannerErrorsSayWhereAndWhat(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":1`, "unexpected end of input, expecting ',' or '}' at byte 6"},
		{`[1,2`, "unexpected end of input, expecting ',' or ']'"},
		{`{"a":"b`, "unexpected end of input in a string"},
		{`{"a" 1}`, `unexpected '1', expecting ':' after a field name at byte 5`},
		{`[01]`, `unexpected '1', expecting ',' or ']' at byte 2`},
		{"[\"a\x01\"]", "control character byte 0x01 in a string"},
		{`["\q"]`, `bad escape \q in a string`},
		{`["\u00zz"]`, `bad \u escape`},
		{`[1] [2]`, "data after the JSON value at byte 4"},
		{`[tru]`, `expecting "true"`},
		{strings.Repeat("[", maxDepth+1), "nested too deeply"},
	} {
		s := &scanner{b: []byte(c.in)}
		s.skip()
		s.end()
		if s.err == nil || !strings.Contains(s.err.Error(), c.want) {
			t.Errorf("%q: got error %v, want %q", c.in, s.err, c.want)
		}
	}
}

// A field the reader does not read is skipped for it, and names and plain
// strings are the input's own bytes (no copy).
func TestScannerSkipsUnreadValuesAndSharesBytes(t *testing.T) {
	in := []byte(`{"skip":{"x":[1,2,{"y":"z"}]},"take":"value","n":12}`)
	s := &scanner{b: in}
	var take []byte
	var n string
	s.object(func(name []byte) {
		switch string(name) {
		case "take":
			take = s.str()
		case "n":
			n = string(s.number())
		}
	})
	s.end()
	if s.err != nil || string(take) != "value" || n != "12" {
		t.Fatalf("err %v, take %q, n %q", s.err, take, n)
	}
	if &take[0] != &in[bytes.Index(in, []byte("value"))] {
		t.Fatal("a plain string was copied")
	}
	allocs := testing.AllocsPerRun(100, func() {
		s := &scanner{b: in}
		s.object(func(name []byte) {
			switch string(name) {
			case "take":
				s.str()
			default:
				s.skip()
			}
		})
	})
	if allocs > 1 { // the scanner itself may escape
		t.Fatalf("reading a record allocated %.0f times", allocs)
	}
}

// ThousandEyes' next-page link is read in the same pass as the records:
// the page's own _links, not one inside a record; none when it is null or
// not a string.
func TestThousandEyesNextLinkIsReadInTheSamePass(t *testing.T) {
	p, err := New(events.ThousandEyes, models.ProviderSettings{Enabled: true, URL: "https://x.example", Secret: "tok-123456"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := `{"date":"2026-11-01T10:00:00Z","event":"Login failed.","_links":{"next":{"href":"https://x.example/in-record"}}}`
	cases := map[string]string{
		`{"auditEvents":[` + rec + `],"_links":{"self":{"href":"s"},"next":{"href":"https://x.example/next"}}}`: "https://x.example/next",
		`{"_links":{"next":{"href":"https://x.example/next"}},"auditEvents":[` + rec + `]}`:                     "https://x.example/next",
		`{"auditEvents":[` + rec + `],"_links":{"next":null}}`:                                                  "",
		`{"auditEvents":[` + rec + `],"_links":{"next":{"href":5}}}`:                                            "",
		`{"auditEvents":[],"_links":{"next":{"href":"https://x.example/next"}}}`:                                "",
	}
	for body, want := range cases {
		page, err := p.ParsePage([]byte(body), Request{Window: Window{From: time.Unix(0, 0), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}, "")
		if err != nil || page.Next != want {
			t.Errorf("%s: next %q, %v; want %q", body, page.Next, err, want)
		}
	}
}
