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

// Counter counts events per bucket and series. Events can be added a
// window at a time and dropped after, so counting a million events does
// not hold them. A Counter is not safe for concurrent use.
type Counter struct {
	s           SeriesSpec
	bucket      time.Duration
	first       time.Time
	n           int
	perProvider bool
	counts      map[seriesKey][]float64
	totals      map[seriesKey]int
}

// NewCounter makes an empty counter for spec.
func NewCounter(s SeriesSpec) *Counter {
	bucket, _ := Bucket(s.From, s.To, s.Interval)
	c := &Counter{s: s, bucket: bucket, first: s.From.Truncate(bucket),
		counts: map[seriesKey][]float64{}, totals: map[seriesKey]int{}}
	if s.From.Before(s.To) {
		c.n = int(s.To.Add(-time.Nanosecond).Sub(c.first)/bucket) + 1
	}
	c.perProvider = s.Provider == models.ProviderAll && s.GroupBy != models.GroupNone && s.GroupBy != models.GroupProvider
	return c
}

func (c *Counter) key(e *events.Event) seriesKey {
	s := c.s
	switch {
	case s.GroupBy == models.GroupNone:
		return seriesKey{s.Provider, ""}
	case s.GroupBy == models.GroupProvider:
		return seriesKey{e.Provider, e.Provider}
	case c.perProvider:
		return seriesKey{e.Provider, dimension(e, s.GroupBy)}
	}
	return seriesKey{s.Provider, dimension(e, s.GroupBy)}
}

func (c *Counter) series(k seriesKey) []float64 {
	v := c.counts[k]
	if v == nil {
		v = make([]float64, c.n)
		c.counts[k] = v
	}
	return v
}

// Add counts the events of evs that lie in [From, To).
func (c *Counter) Add(evs events.List) {
	var last seriesKey
	var lastSeries []float64
	for e := range evs.All() {
		idx := int(e.Time.Sub(c.first) / c.bucket)
		if e.Time.Before(c.s.From) || !e.Time.Before(c.s.To) || idx < 0 || idx >= c.n {
			continue
		}
		k := c.key(e)
		if lastSeries == nil || k != last {
			last, lastSeries = k, c.series(k)
		}
		lastSeries[idx]++
		c.totals[k]++
	}
}

// Merge adds the counts of o, a counter of the same spec.
func (c *Counter) Merge(o *Counter) {
	for k, v := range o.counts {
		dst := c.series(k)
		for i, x := range v {
			dst[i] += x
		}
		c.totals[k] += o.totals[k]
	}
}

// TimeSeries counts events per bucket and returns one wide frame per series
// (time + a float64 "count" field with labels), zero-filled over the whole
// range. The counts of all frames add up to the number of events in
// [From, To). It also returns the bucket width (wider than the interval
// when the range would have more than MaxBuckets points).
func TimeSeries(evs events.List, s SeriesSpec) ([]*data.Frame, time.Duration) {
	c := NewCounter(s)
	c.Add(evs)
	return c.Frames()
}

// Frames returns the series counted so far: the top N by total plus
// "other", and the bucket width.
func (c *Counter) Frames() ([]*data.Frame, time.Duration) {
	s, n, bucket, first, perProvider := c.s, c.n, c.bucket, c.first, c.perProvider
	counts, totals := c.counts, c.totals
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
