package providers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// eachRecord calls fn for every record of a page that is a JSON array, or
// an object holding the array under one of keys. fn reads the record from
// s, which is on it; once read, s.record() is its raw bytes. Each record is
// read once, in place.
func eachRecord(body []byte, keys []string, fn func(i int, s *scanner) error) (int, error) {
	return eachRecordAnd(body, keys, fn, nil)
}

// eachRecordAnd is eachRecord that also hands the page object's other
// fields to other (which reads or skips the value), in the same pass: a
// next-page link after the records is not looked for in a second one.
func eachRecordAnd(body []byte, keys []string, fn func(i int, s *scanner) error, other func(field []byte, s *scanner)) (int, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return 0, fmt.Errorf("the response body is empty")
	}
	s := &scanner{b: body}
	n := 0
	var ferr error
	readArray := func() {
		s.array(func() {
			if ferr != nil {
				s.skip()
				return
			}
			if s.next() != kindObject {
				ferr = recordError(n, fmt.Errorf("is not a JSON object"))
				s.skip()
				return
			}
			s.recordStart = s.i
			err := fn(n, s)
			if s.err != nil {
				return // a syntax error: reported for the whole page
			}
			if err != nil {
				ferr = recordError(n, err)
				return
			}
			n++
		})
	}
	switch body[0] {
	case '[':
		readArray()
	case '{':
		found := false
		s.object(func(field []byte) {
			if found || !slices.Contains(keys, string(field)) {
				if other != nil {
					other(field, s)
				} else {
					s.skip()
				}
				return
			}
			found = true
			switch s.next() {
			case kindNull:
				s.null()
			case kindArray:
				readArray()
			default:
				ferr = fmt.Errorf("%q in the response is not a list of records", field)
				s.skip()
			}
		})
		if s.err == nil && ferr == nil && !found {
			what := "the response is a JSON object, not a list of records"
			if len(keys) > 0 {
				what = fmt.Sprintf("the response has no %s list", quoteJoin(keys))
			}
			return 0, fmt.Errorf("%s%s", what, errorHint(body))
		}
	default:
		return 0, fmt.Errorf("the response is not JSON (it starts with %q)", truncate(string(body), 20))
	}
	s.end()
	if s.err != nil {
		return n, fmt.Errorf("the response is not valid JSON (cut off or malformed): %v", s.err)
	}
	if ferr != nil {
		return n, ferr
	}
	return n, nil
}

// errorHint describes an error answer sent with status 200 (vendors'
// status codes "are rarely consistent"), from its status and its fixed
// phrases only: free-text messages may echo a credential.
func errorHint(body []byte) string {
	var m struct {
		Status       any    `json:"status"`
		StatusReason string `json:"statusReason"`
		Title        string `json:"title"`
		Error        string `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var parts []string
	if n, ok := m.Status.(float64); ok && n >= 100 && n < 600 {
		parts = append(parts, strconv.Itoa(int(n)))
	}
	for _, s := range []string{m.StatusReason, m.Title, m.Error} {
		if s = strings.TrimSpace(s); s != "" && len(s) <= 60 && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (it looks like an error answered with status 200: " + strings.Join(parts, " ") + ")"
}

func quoteJoin(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += " or "
		}
		s += strconv.Quote(k)
	}
	return s
}

// readScalar reads any JSON value as text: strings as they are, numbers and
// booleans as written, null as "", objects and arrays as compact JSON.
func readScalar(s *scanner) string {
	switch s.next() {
	case kindString:
		return string(s.str())
	case kindNumber:
		return string(s.number())
	case kindBool:
		return strconv.FormatBool(s.boolean())
	case kindNull:
		s.null()
		return ""
	}
	raw := s.raw()
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// readTime reads a record's time: epoch ms (number or numeric string) or a
// date string (see ParseTime).
func readTime(s *scanner) (time.Time, error) {
	switch s.next() {
	case kindNumber:
		n := s.number()
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %s is not epoch milliseconds", truncate(string(n), 40))
		}
		return epochMillis(f)
	case kindString:
		b := s.str()
		if t, ok := utcSeconds(b); ok {
			return t, nil
		}
		return ParseTime(string(b))
	case kindNull:
		s.null()
		return time.Time{}, fmt.Errorf("time is null")
	}
	s.skip()
	return time.Time{}, fmt.Errorf("time is neither a number nor a string")
}

// eachField calls fn for each field of the object at s (a value of another
// type is skipped); fn reads or skips the field's value. The name is valid
// only during fn: compare it (switch string(name) does not allocate), do
// not keep it.
func eachField(s *scanner, fn func(name []byte)) {
	if s.next() != kindObject {
		s.skip()
		return
	}
	s.object(fn)
}

// eachElement calls fn for each element of the array at s (a value of
// another type is skipped).
func eachElement(s *scanner, fn func()) {
	if s.next() != kindArray {
		s.skip()
		return
	}
	s.array(fn)
}

// interner keeps one copy of the values that repeat across a page's
// records (user names, event names, object types...), so that a million
// events do not hold a million copies of "Viewed page". A string value
// already seen costs no allocation.
type interner map[string]string

// intern returns b as a string, allocated only the first time it is seen.
func (in interner) intern(b []byte) string {
	if v, ok := in[string(b)]; ok {
		return v
	}
	v := string(b)
	in[v] = v
	return v
}

func (in interner) read(s *scanner) string {
	if s.next() == kindString {
		b := s.str()
		if v, ok := in[string(b)]; ok {
			return v
		}
		v := string(b)
		in[v] = v
		return v
	}
	v := readScalar(s)
	if w, ok := in[v]; ok {
		return w
	}
	in[v] = v
	return v
}
