package providers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flexString accepts any JSON scalar (vendors disagree on ids being strings
// or numbers) and keeps objects and arrays as compact JSON text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*f = flexString(buf.String())
	default: // number or boolean, as written
		*f = flexString(b)
	}
	return nil
}

// flexTime accepts epoch milliseconds (number or numeric string) or a date
// string in any of the formats the vendors document or were seen to send.
type flexTime struct{ time.Time }

// timeLayouts are tried in order; layouts without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 3:04:05 PM",
	"2006-01-02 03:04:05 PM",
	"01/02/2006 3:04:05 PM",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

func (f *flexTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return fmt.Errorf("time is missing")
	}
	if b[0] != '"' {
		n, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("time %s is not epoch milliseconds", truncate(string(b), 40))
		}
		f.Time, err = epochMillis(n)
		return err
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	f.Time = t
	return nil
}

// ParseTime reads a vendor time string: epoch milliseconds, ISO-8601 with or
// without zone and fractional seconds, or Domo's "2017-12-13 10:57:35 PM"
// (read as UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("time is empty")
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-:") {
		return epochMillis(n)
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is in an unknown format", truncate(s, 40))
}

// epochMillis converts ms to time; values that look like seconds (before
// 1973 as ms) are read as seconds. Values outside 1970..5138 are refused.
func epochMillis(n float64) (time.Time, error) {
	if !(n > 0 && n < 1e14) {
		return time.Time{}, fmt.Errorf("time %v is not a plausible epoch time", n)
	}
	if n < 1e11 {
		n *= 1000
	}
	return time.UnixMilli(int64(n)).UTC(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeArray reads a page that is a JSON array of records, or an object
// holding that array under one of keys. It returns each record's raw bytes.
func decodeArray(body []byte, keys ...string) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("the response body is empty")
	}
	var recs []json.RawMessage
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &recs); err != nil {
			return nil, fmt.Errorf("the response is not valid JSON: %v", err)
		}
		return recs, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, fmt.Errorf("the response is not valid JSON: %v", err)
		}
		for _, k := range keys {
			if v, ok := obj[k]; ok {
				if string(v) == "null" {
					return nil, nil
				}
				if err := json.Unmarshal(v, &recs); err != nil {
					return nil, fmt.Errorf("%q in the response is not a list of records: %v", k, err)
				}
				return recs, nil
			}
		}
		return nil, fmt.Errorf("the response has no %s list", strings.Join(keys, " or "))
	}
	return nil, fmt.Errorf("the response is not JSON (it starts with %q)", truncate(string(body), 20))
}

// recordError wraps a record decoding error with its position.
func recordError(i int, err error) error {
	return fmt.Errorf("record %d: %v", i, err)
}

// Offset paging (Domo, Domo platform, Domino): the cursor is the offset;
// the end is a page shorter than the limit.
func offsetOf(cursor string) int {
	n, _ := strconv.Atoi(cursor)
	return n
}

func nextOffset(cursor string, records, limit int) string {
	if records < limit || records == 0 {
		return ""
	}
	return strconv.Itoa(offsetOf(cursor) + records)
}

func pageSize(r Request, def int) int {
	if r.PageSize > 0 {
		return r.PageSize
	}
	return def
}
