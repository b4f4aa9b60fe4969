package frames

import (
	"fmt"
	"sort"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
)

// MaxBuckets bounds the points of one series; a finer interval is widened.
const MaxBuckets = 20000

// Other is the series that folds everything beyond the top N.
const Other = "other"

// None labels events without a value for the group-by dimension.
const None = "(none)"

// SeriesSpec says how to count.
type SeriesSpec struct {
	From, To time.Time
	Interval time.Duration
	GroupBy  string
	Limit    int
	// Provider is the query's provider selector ("all" or an id): the
	// provider label of series that are not per provider.
	Provider string
	// Seeds are group values that get a series even when they have no
	// events (the values the query filters on), so alerts see 0, not no data.
	Seeds []string
}

// Bucket returns the bucket width for a range and interval:
// max(interval, 1s), widened to whole seconds so the range has at most
// MaxBuckets buckets.
func Bucket(from, to time.Time, interval time.Duration) (time.Duration, bool) {
	b := max(interval.Truncate(time.Second), time.Second)
	span := to.Sub(from)
	if span/b > MaxBuckets {
		w := (span + MaxBuckets - 1) / MaxBuckets
		w = (w + time.Second - 1).Truncate(time.Second)
		return w, true
	}
	return b, false
}

// dimension returns the group value of e and the label names used.
func dimension(e *events.Event, groupBy string) string {
	var v string
	switch groupBy {
	case models.GroupEvent:
		v = e.Event
	case models.GroupUser:
		v = e.User
		if v == "" {
			v = e.UserID
		}
	case models.GroupObjectType:
		v = e.ObjectType
	case models.GroupProvider:
		v = e.Provider
	case models.GroupIPAddress:
		v = e.IPAddress
	}
	if v == "" {
		v = None
	}
	return v
}

type seriesKey struct{ provider, value string }

// TimeSeries counts events per bucket and returns one wide frame per series
// (time + a float64 "count" field with labels), zero-filled over the whole
// range. The counts of all frames add up to len(evs) when every event lies
// in [From, To). The bool reports that the interval was widened.
func TimeSeries(evs []events.Event, s SeriesSpec) ([]*data.Frame, time.Duration) {
	bucket, _ := Bucket(s.From, s.To, s.Interval)
	first := s.From.Truncate(bucket)
	n := int(s.To.Add(-time.Nanosecond).Sub(first)/bucket) + 1
	if !s.From.Before(s.To) {
		n = 0
	}
	perProvider := s.Provider == models.ProviderAll && s.GroupBy != models.GroupNone && s.GroupBy != models.GroupProvider
	counts := map[seriesKey][]float64{}
	totals := map[seriesKey]int{}
	key := func(e *events.Event) seriesKey {
		switch {
		case s.GroupBy == models.GroupNone:
			return seriesKey{s.Provider, ""}
		case s.GroupBy == models.GroupProvider:
			return seriesKey{e.Provider, e.Provider}
		case perProvider:
			return seriesKey{e.Provider, dimension(e, s.GroupBy)}
		}
		return seriesKey{s.Provider, dimension(e, s.GroupBy)}
	}
	for i := range evs {
		e := &evs[i]
		idx := int(e.Time.Sub(first) / bucket)
		if e.Time.Before(s.From) || !e.Time.Before(s.To) || idx < 0 || idx >= n {
			continue
		}
		k := key(e)
		c := counts[k]
		if c == nil {
			c = make([]float64, n)
			counts[k] = c
		}
		c[idx]++
		totals[k]++
	}
	if s.GroupBy != models.GroupNone && !perProvider {
		for _, v := range s.Seeds {
			k := seriesKey{s.Provider, v}
			if s.GroupBy == models.GroupProvider {
				k = seriesKey{v, v}
			}
			if counts[k] == nil {
				counts[k] = make([]float64, n)
			}
		}
	}
	if len(counts) == 0 {
		counts[seriesKey{s.Provider, ""}] = make([]float64, n)
	}
	keys := make([]seriesKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if totals[a] != totals[b] {
			return totals[a] > totals[b]
		}
		if a.value != b.value {
			return a.value < b.value
		}
		return a.provider < b.provider
	})
	// Top N plus "other".
	if len(keys) > s.Limit {
		other := make([]float64, n)
		for _, k := range keys[s.Limit:] {
			for i, v := range counts[k] {
				other[i] += v
			}
		}
		keys = keys[:s.Limit]
		ok := seriesKey{s.Provider, Other}
		counts[ok] = other
		keys = append(keys, ok)
	}
	times := make([]time.Time, n)
	for i := range times {
		times[i] = first.Add(time.Duration(i) * bucket)
	}
	frames := make([]*data.Frame, 0, len(keys))
	for _, k := range keys {
		labels := data.Labels{"provider": k.provider}
		name := k.provider
		if s.GroupBy != models.GroupNone && s.GroupBy != models.GroupProvider && k.value != "" {
			labels[s.GroupBy] = k.value
			name = k.value
			if perProvider && k.value != Other {
				name = fmt.Sprintf("%s · %s", k.provider, k.value)
			}
		}
		if k.value == Other && s.GroupBy == models.GroupProvider {
			labels = data.Labels{"provider": Other}
			name = Other
		}
		value := data.NewField("count", labels, counts[k])
		value.Config = &data.FieldConfig{DisplayNameFromDS: name}
		f := data.NewFrame(name, data.NewField("time", nil, append([]time.Time(nil), times...)), value)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		frames = append(frames, f)
	}
	return frames, bucket
}
