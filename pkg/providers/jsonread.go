package providers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	jsoniter "github.com/json-iterator/go"
)

// Pages are read with json-iterator (already used by Grafana's SDK) in one
// streaming pass per record: the record's raw bytes are kept for the `raw`
// column and its fields are read without reflection. This is the engine's
// hot path (see cmd/bench).
var jsonAPI = jsoniter.ConfigCompatibleWithStandardLibrary

// eachRecord calls fn for every record of a page that is a JSON array, or
// an object holding the array under one of keys. fn gets the record's raw
// bytes and an iterator positioned on it.
func eachRecord(body []byte, keys []string, fn func(i int, raw []byte, it *jsoniter.Iterator) error) (int, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return 0, fmt.Errorf("the response body is empty")
	}
	it := borrowIterator(body)
	defer returnIterator(it)
	n := 0
	var ferr error
	readArray := func(it *jsoniter.Iterator) {
		it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
			raw := it.SkipAndReturnBytes()
			if it.Error != nil {
				return false
			}
			rec := borrowIterator(raw)
			defer returnIterator(rec)
			// A record without a backslash has no escaped string: its
			// strings are their bytes, which interner.read looks up
			// without allocating.
			rec.Attachment = plainRecord(internFromBytes && bytes.IndexByte(raw, '\\') < 0)
			if rec.WhatIsNext() != jsoniter.ObjectValue {
				ferr = recordError(n, fmt.Errorf("is not a JSON object"))
				return false
			}
			if err := fn(n, raw, rec); err != nil {
				ferr = recordError(n, err)
				return false
			}
			if rec.Error != nil && !errors.Is(rec.Error, io.EOF) {
				ferr = recordError(n, rec.Error)
				return false
			}
			n++
			return true
		})
	}
	switch body[0] {
	case '[':
		readArray(it)
	case '{':
		found := false
		it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
			if found || !slices.Contains(keys, field) {
				it.Skip()
				return true
			}
			found = true
			switch it.WhatIsNext() {
			case jsoniter.NilValue:
				it.Skip()
			case jsoniter.ArrayValue:
				readArray(it)
			default:
				ferr = fmt.Errorf("%q in the response is not a list of records", field)
				return false
			}
			return ferr == nil
		})
		if ferr == nil && !found && it.Error == nil {
			what := "the response is a JSON object, not a list of records"
			if len(keys) > 0 {
				what = fmt.Sprintf("the response has no %s list", quoteJoin(keys))
			}
			return 0, fmt.Errorf("%s%s", what, errorHint(body))
		}
	default:
		return 0, fmt.Errorf("the response is not JSON (it starts with %q)", truncate(string(body), 20))
	}
	if ferr != nil {
		return n, ferr
	}
	if it.Error != nil && !errors.Is(it.Error, io.EOF) {
		return n, fmt.Errorf("the response is not valid JSON (cut off or malformed): %v", shortErr(it.Error))
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

// shortErr keeps json-iterator's error readable (it quotes a long window of input).
func shortErr(err error) string {
	return truncate(err.Error(), 120)
}

// readScalar reads any JSON value as text: strings as they are, numbers and
// booleans as written, null as "", objects and arrays as compact JSON.
func readScalar(it *jsoniter.Iterator) string {
	switch it.WhatIsNext() {
	case jsoniter.StringValue:
		return it.ReadString()
	case jsoniter.NumberValue:
		return string(it.ReadNumber())
	case jsoniter.BoolValue:
		return strconv.FormatBool(it.ReadBool())
	case jsoniter.NilValue:
		it.ReadNil()
		return ""
	default:
		raw := it.SkipAndReturnBytes()
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil {
			return string(raw)
		}
		return buf.String()
	}
}

// readTime reads a record's time: epoch ms (number or numeric string) or a
// date string (see ParseTime).
func readTime(it *jsoniter.Iterator) (time.Time, error) {
	switch it.WhatIsNext() {
	case jsoniter.NumberValue:
		n := it.ReadNumber()
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %s is not epoch milliseconds", truncate(string(n), 40))
		}
		return epochMillis(f)
	case jsoniter.StringValue:
		return ParseTime(it.ReadString())
	case jsoniter.NilValue:
		it.ReadNil()
		return time.Time{}, fmt.Errorf("time is null")
	}
	it.Skip()
	return time.Time{}, fmt.Errorf("time is neither a number nor a string")
}

// eachField calls fn for each field of the object at it.
func eachField(it *jsoniter.Iterator, fn func(field string)) {
	if it.WhatIsNext() != jsoniter.ObjectValue {
		it.Skip()
		return
	}
	it.ReadObjectCB(func(it *jsoniter.Iterator, field string) bool {
		fn(field)
		return it.Error == nil
	})
}

// eachElement calls fn for each element of the array at it.
func eachElement(it *jsoniter.Iterator, fn func()) {
	if it.WhatIsNext() != jsoniter.ArrayValue {
		it.Skip()
		return
	}
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		fn()
		return it.Error == nil
	})
}

// interner keeps one copy of the values that repeat across a page's
// records (user names, event names, object types...), so that a million
// events do not hold a million copies of "Viewed page".
type interner map[string]string

func (in interner) read(it *jsoniter.Iterator) string {
	if plain, _ := it.Attachment.(plainRecord); plain && it.WhatIsNext() == jsoniter.StringValue {
		b := it.ReadStringAsSlice() // valid until the next read
		if v, ok := in[string(b)]; ok {
			return v
		}
		s := string(b)
		in[s] = s
		return s
	}
	s := readScalar(it)
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

// internFromBytes turns the plain-record fast path on (a fuzz target
// compares it with the general path).
var internFromBytes = true

// plainRecord marks (in Iterator.Attachment) a record with no escapes.
type plainRecord bool

// borrowIterator and returnIterator share json-iterator's pool; iterators
// come back without a plainRecord mark, which only eachRecord sets.
func borrowIterator(b []byte) *jsoniter.Iterator {
	it := jsonAPI.BorrowIterator(b)
	it.Attachment = nil
	return it
}

func returnIterator(it *jsoniter.Iterator) {
	it.Attachment = nil
	jsonAPI.ReturnIterator(it)
}
