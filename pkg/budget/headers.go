package budget

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers names the response headers a vendor announces its budget in.
// Reset holds the epoch second at which the window resets, on the
// vendor's clock.
type Headers struct {
	Limit, Remaining, Reset string
}

// Read returns what an answer's headers announce; a zero Announcement when
// they say nothing usable. The reset is moved onto the plugin's clock
// (now) by the answer's Date header, the vendor's now, so that a vendor
// clock ahead or behind ours waits as long as the vendor meant; it is
// never further than one window away.
func (h Headers) Read(hdr http.Header, now time.Time, window time.Duration) Announcement {
	if h.Limit == "" || hdr == nil {
		return Announcement{}
	}
	limit, err1 := strconv.Atoi(strings.TrimSpace(hdr.Get(h.Limit)))
	remaining, err2 := strconv.Atoi(strings.TrimSpace(hdr.Get(h.Remaining)))
	reset, err3 := strconv.ParseInt(strings.TrimSpace(hdr.Get(h.Reset)), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= 0 {
		return Announcement{}
	}
	vendorNow := now
	if d, err := http.ParseTime(hdr.Get("Date")); err == nil {
		vendorNow = d
	}
	until := min(max(time.Unix(reset, 0).Sub(vendorNow), 0), window)
	return Announcement{Limit: limit, Remaining: max(min(remaining, limit), 0), Reset: now.Add(until)}
}
