package providers

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

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

// ParseTime reads a vendor time string: epoch milliseconds, ISO-8601 with or
// without zone and fractional seconds, or Domo's "2017-12-13 10:57:35 PM"
// (read as UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("time is empty")
	}
	if t, ok := utcSeconds(s); ok {
		return t, nil
	}
	if !strings.ContainsAny(s, "-:") {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return epochMillis(n)
		}
	}
	for _, layout := range timeLayouts {
		if !layoutFits(layout, s) {
			continue // cannot match: skipped without the cost of a parse error
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is in an unknown format", truncate(s, 40))
}

// utcSeconds reads the commonest vendor time, "2020-07-17T22:00:54Z"
// (ThousandEyes' every record), without time.Parse or an allocation; false
// for anything else, including an impossible date, which the layouts then
// reject as time.Parse does.
func utcSeconds[T string | []byte](b T) (time.Time, bool) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(b[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // February 30th and the like
		return time.Time{}, false
	}
	return t, true
}

// layoutFits is false when s cannot match layout: every layout starts with
// a date of fixed width (ten bytes) and is followed by its own separator,
// and only the AM/PM layouts end in "M".
func layoutFits(layout, s string) bool {
	switch {
	case len(s) < 10:
		return false
	case layout[2] == '/':
		return s[2] == '/'
	case len(layout) == 10:
		return len(s) == 10
	case len(s) == 10 || s[10] != layout[10]:
		return false
	}
	return strings.HasSuffix(layout, "PM") == strings.HasSuffix(s, "M")
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

// offsetCursor is the cursor of page k when every page before it is full.
func offsetCursor(k, limit int) string {
	if k <= 0 {
		return ""
	}
	return strconv.Itoa(k * limit)
}

func pageSize(r Request, def int) int {
	if r.PageSize > 0 {
		return r.PageSize
	}
	return def
}
