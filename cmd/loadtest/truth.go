package main

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// The panels filter on these event lists (the demo dashboard's).
var filterLists = map[string][]string{
	"":             nil,
	"failedLogins": {"Login failed.", "FAILED_LOGIN", "Failed login", "login_failed"},
	// The demo alert rule's list (provisioning/alerting/failed-logins.yml).
	"teFailedLogins":    {"Login failed."},
	"permissionChanges": {"Change Data Source Permissions", "Change User Role In Project", "Add Collaborator", "Remove Collaborator", "Add Grant For Dataset", "Remove Grant For Dataset", "Updated role", "Updated group", "user_role_changed"},
}

// truthSet is one provider's events matching one filter, oldest first, as
// times and prefix sums of row hashes: the count and the hash of any time
// range are two binary searches away.
type truthSet struct {
	times []int64  // UnixNano, ascending
	sums  []uint64 // sums[i] = hash of events [0, i)
}

func (s *truthSet) span(from, to int64) (int, int) {
	a := sort.Search(len(s.times), func(i int) bool { return s.times[i] >= from })
	b := sort.Search(len(s.times), func(i int) bool { return s.times[i] >= to })
	return a, b
}

// truth is the simulator's ground truth by provider and filter name.
type truth map[string]map[string]*truthSet

// newTruth reads the simulator's ground truth once. The filter is applied
// here independently of the engine: an event matches a list when its event
// or action is in it (the query contract, README "Queries").
func newTruth(sim *vendorsim.Sim) truth {
	t := truth{}
	for _, id := range events.ProviderIDs {
		evs := sim.Truth(id) // newest first
		t[id] = map[string]*truthSet{}
		for name, list := range filterLists {
			s := &truthSet{sums: []uint64{0}}
			for i := len(evs) - 1; i >= 0; i-- {
				e := &evs[i]
				if list != nil && !slices.Contains(list, e.Event) && !slices.Contains(list, e.Action) {
					continue
				}
				s.times = append(s.times, e.Time.UnixNano())
				s.sums = append(s.sums, s.sums[len(s.sums)-1]+rowHash(e.Time, e.Provider, e.User, e.UserID, e.Event, e.ObjectType, e.ObjectID, e.IPAddress))
			}
			t[id][name] = s
		}
	}
	return t
}

// rowHash identifies an event by the fields both the table and the logs
// frames carry. Sums of row hashes compare multisets of rows.
func rowHash(t time.Time, fields ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	n := uint64(t.UnixNano())
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	h.Write(b[:])
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	x := h.Sum64()
	// Mix, so that sums of hashes of similar rows do not cancel.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return x
}

// expected is what the truth says of one panel query.
type expected struct {
	count int
	hash  uint64
}

func (t truth) expect(ids []string, filter string, from, to time.Time) expected {
	var e expected
	for _, id := range ids {
		s := t[id][filter]
		a, b := s.span(from.UnixNano(), to.UnixNano())
		e.count += b - a
		e.hash += s.sums[b] - s.sums[a]
	}
	return e
}

func (t truth) count(ids []string, filter string, from, to int64) int {
	n := 0
	for _, id := range ids {
		a, b := t[id][filter].span(from, to)
		n += b - a
	}
	return n
}

// check compares one answer with the truth; "" means right.
func (t truth) check(p *panel, from, to time.Time, frames data.Frames, maxEvents int) string {
	ids := p.providers()
	want := t.expect(ids, p.filter, from, to)
	switch p.format {
	case "timeseries":
		return t.checkSeries(ids, p.filter, from, to, frames, want.count)
	case "table", "logs":
		if len(frames) != 1 {
			return fmt.Sprintf("%d frames, want 1", len(frames))
		}
		got, sorted, err := rowsOf(frames[0], p.format)
		if err != "" {
			return err
		}
		if !sorted {
			return "rows are not newest first"
		}
		if want.count > maxEvents {
			// Only the newest maxEvents are shown (with a notice).
			if got.count != maxEvents {
				return fmt.Sprintf("%d rows, want the newest %d of %d", got.count, maxEvents, want.count)
			}
			return ""
		}
		if got.count != want.count {
			return fmt.Sprintf("%d rows, the simulator holds %d", got.count, want.count)
		}
		if got.hash != want.hash {
			return fmt.Sprintf("%d rows as many as the simulator holds, but not the same events", got.count)
		}
	}
	return ""
}

// rowsOf reads the count and hash of a table or logs frame, and whether it
// is newest first.
func rowsOf(f *data.Frame, format string) (expected, bool, string) {
	var out expected
	col := func(name string) *data.Field {
		fld, i := f.FieldByName(name)
		if i < 0 {
			return nil
		}
		return fld
	}
	str := func(fld *data.Field, i int) string {
		if fld == nil {
			return ""
		}
		switch v := fld.At(i).(type) {
		case string:
			return v
		case *string:
			if v != nil {
				return *v
			}
		}
		return ""
	}
	timeCol := "time"
	if format == "logs" {
		timeCol = "timestamp"
	}
	tf := col(timeCol)
	if tf == nil {
		return out, false, "no " + timeCol + " column"
	}
	n := tf.Len()
	sorted := true
	var prev time.Time
	var labels *data.Field
	var provider, user, userID, event, objectType, objectID, ip *data.Field
	if format == "logs" {
		if labels = col("labels"); labels == nil {
			return out, false, "no labels column"
		}
	} else {
		provider, user, userID, event = col("provider"), col("user"), col("userId"), col("event")
		objectType, objectID, ip = col("objectType"), col("objectId"), col("ipAddress")
		if provider == nil || event == nil {
			return out, false, "no provider or event column"
		}
	}
	for i := 0; i < n; i++ {
		ts, ok := tf.At(i).(time.Time)
		if !ok {
			return out, false, "the time column is not a time"
		}
		if i > 0 && ts.After(prev) {
			sorted = false
		}
		prev = ts
		if format == "logs" {
			var l map[string]string
			raw, _ := labels.At(i).(json.RawMessage)
			if err := json.Unmarshal(raw, &l); err != nil {
				return out, false, fmt.Sprintf("row %d: labels are not a JSON object of strings", i)
			}
			out.hash += rowHash(ts, l["provider"], l["user"], l["userId"], l["event"], l["objectType"], l["objectId"], l["ipAddress"])
		} else {
			out.hash += rowHash(ts, str(provider, i), str(user, i), str(userID, i), str(event, i), str(objectType, i), str(objectID, i), str(ip, i))
		}
		out.count++
	}
	return out, sorted, ""
}

// checkSeries compares every bucket, summed over the series, with the
// events the simulator holds in it.
func (t truth) checkSeries(ids []string, filter string, from, to time.Time, frames data.Frames, want int) string {
	perBucket := map[int64]float64{}
	var bucket time.Duration
	for _, f := range frames {
		var tf, vf *data.Field
		for _, fld := range f.Fields {
			switch fld.Type() {
			case data.FieldTypeTime:
				tf = fld
			case data.FieldTypeFloat64, data.FieldTypeNullableFloat64:
				if vf == nil {
					vf = fld
				}
			}
		}
		if tf == nil || vf == nil {
			return "a series frame without a time or a float64 field"
		}
		if tf.Len() >= 2 {
			bucket = tf.At(1).(time.Time).Sub(tf.At(0).(time.Time))
		}
		for i := 0; i < tf.Len(); i++ {
			var v float64
			switch x := vf.At(i).(type) {
			case float64:
				v = x
			case *float64:
				if x != nil {
					v = *x
				}
			}
			perBucket[tf.At(i).(time.Time).UnixNano()] += v
		}
	}
	total := 0.0
	for _, v := range perBucket {
		total += v
	}
	if int(total) != want {
		return fmt.Sprintf("the series add up to %d, the simulator holds %d", int(total), want)
	}
	if bucket <= 0 {
		return "" // one bucket: its total is the check
	}
	lo, hi := from.UnixNano(), to.UnixNano()
	for start, got := range perBucket {
		a, b := max(start, lo), min(start+int64(bucket), hi)
		if n := t.count(ids, filter, a, b); float64(n) != got {
			return fmt.Sprintf("bucket %s counts %d, the simulator holds %d", time.Unix(0, start).UTC().Format(time.RFC3339), int(got), n)
		}
	}
	return ""
}
