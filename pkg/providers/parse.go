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
