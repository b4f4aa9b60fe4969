package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/fetch"
	"github.com/auditlens/auditlog/pkg/frames"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

// maxParallelQueries bounds the queries of one request run at once.
const maxParallelQueries = 4

// QueryData runs each query on its own; a failing query sets only its own
// refId's error.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelQueries)
	for _, q := range req.Queries {
		wg.Add(1)
		go func(q backend.DataQuery) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := d.query(ctx, q)
			mu.Lock()
			resp.Responses[q.RefID] = r
			mu.Unlock()
		}(q)
	}
	wg.Wait()
	return resp, nil
}

// providerRun is the outcome of one provider for one query.
type providerRun struct {
	id     string
	res    *fetch.Result
	err    error
	pushed events.Filter
	// counter holds the provider's counts for a time-series query.
	counter *frames.Counter
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) backend.DataResponse {
	q, err := models.ParseQuery(dq.JSON)
	if err != nil {
		return badQuery(err.Error())
	}
	from, to := dq.TimeRange.From.UTC(), dq.TimeRange.To.UTC()
	if !from.Before(to) {
		return badQuery(fmt.Sprintf("time range: the start (%s) must be before the end (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	from, to, clipped := d.possible(from, to)
	if !from.Before(to) {
		return badQuery(fmt.Sprintf("time range: no audit event can exist in it (it lies %s)", clipped))
	}
	ids, err := d.settings.Resolve(q.Provider)
	if err != nil {
		return badQuery(err.Error())
	}
	// The series' provider label depends on what was asked, not on which
	// providers the range reaches (an alert's series must keep its labels).
	selector := q.Provider
	if selector == "" {
		selector = models.ProviderAll
		if len(ids) == 1 {
			selector = ids[0]
		}
	}
	ids, retained, err := d.retained(ids, from, to)
	if err != nil {
		return badQuery(err.Error())
	}
	req := providers.Request{
		Window:  providers.Window{From: from, To: to},
		Filter:  q.Filter(),
		Options: q.Options,
	}
	interval := dq.Interval
	if interval <= 0 && dq.MaxDataPoints > 0 {
		interval = to.Sub(from) / time.Duration(dq.MaxDataPoints)
	}
	if interval <= 0 {
		interval = time.Minute
	}
	var spec *frames.SeriesSpec
	if q.Format == models.FormatTimeSeries {
		// Counts are made window by window as they arrive; the events
		// themselves are not kept (beyond the cache).
		spec = &frames.SeriesSpec{From: from, To: to, Interval: interval, GroupBy: q.GroupBy, Limit: q.Limit,
			Provider: selector, Seeds: seeds(q)}
	} else {
		// Rows beyond maxEvents are not shown: stop reading older windows
		// once the newer ones hold enough. Counts always read everything.
		req.Newest = d.settings.MaxEvents + 1
	}
	runs := d.fetchAll(ctx, ids, req, spec)
	var all events.List
	var counter *frames.Counter
	if spec != nil {
		counter = frames.NewCounter(*spec)
	}
	var failed []string
	var errs []error
	truncated := false
	for _, r := range runs {
		if r.err != nil {
			// A failed provider's partial counts are dropped with it.
			failed = append(failed, r.id)
			errs = append(errs, r.err)
			continue
		}
		if counter != nil {
			counter.Merge(r.counter)
		}
		all = all.Concat(r.res.Events)
		truncated = truncated || r.res.Truncated
	}
	if len(errs) == len(runs) {
		return backend.ErrDataResponseWithSource(statusOf(errs[0]), sourceOf(errs), joinErrors(errs))
	}
	if len(runs) > 1 {
		all = all.Sorted()
	}

	notices := retained
	if clipped != "" {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo,
			Text: fmt.Sprintf("Read from %s to %s: the rest of the range lies %s.", from.Format(time.RFC3339), to.Format(time.RFC3339), clipped)})
	}
	var out data.Frames
	switch q.Format {
	case models.FormatTimeSeries:
		var bucket time.Duration
		out, bucket = counter.Frames()
		if want := max(interval, time.Second); bucket > want {
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityInfo,
				Text: fmt.Sprintf("Counted per %s instead of %s to keep each series under %d points.", bucket, want, frames.MaxBuckets)})
		}
	default:
		shown := all
		if n := all.Len(); n > d.settings.MaxEvents {
			shown = all.Head(d.settings.MaxEvents)
			total := fmt.Sprint(n)
			if truncated {
				total = "at least " + total
			}
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("Showing the newest %d of %s events — narrow the range or add filters (the limit is the data source's max events setting).", shown.Len(), total)})
		}
		if q.Format == models.FormatLogs {
			out = data.Frames{frames.Logs(q.RefID, shown)}
		} else {
			out = data.Frames{frames.Table(q.RefID, shown)}
			if len(ids) == 1 {
				d.linkVendorPage(out[0], ids[0])
			}
		}
	}
	if len(failed) > 0 {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityError,
			Text: "Incomplete: " + joinErrors(errs)})
	}
	executed := describe(runs)
	for _, f := range out {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		f.Meta.ExecutedQueryString = executed
		f.Meta.Notices = append(f.Meta.Notices, notices...)
	}
	res := backend.DataResponse{Frames: out}
	if len(failed) > 0 {
		// Partial data would be a wrong count for an alert: report the error too.
		res.Error = errors.New(joinErrors(errs))
		res.Status = statusOf(errs[0])
		res.ErrorSource = sourceOf(errs)
	}
	return res
}

// retained checks the range against each provider's documented retention:
// a range that starts before it gets a notice; a provider that can hold
// nothing of the range is left out with a notice, or is an error when it
// is the only one.
func (d *Datasource) retained(ids []string, from, to time.Time) ([]string, []data.Notice, error) {
	now := d.fetcher.Now()
	var keep []string
	var notices []data.Notice
	for _, id := range ids {
		p, err := d.provider(id)
		r, ok := p.(providers.Retainer)
		if err != nil || !ok {
			keep = append(keep, id)
			continue
		}
		oldest := now.Add(-r.Retention())
		keeps := fmt.Sprintf("%s keeps audit events for about %s (vendor documentation)", label(id), retentionText(r.Retention()))
		switch {
		case !to.After(oldest) && len(ids) == 1:
			return nil, nil, fmt.Errorf("time range: %s; the range ends on %s, before the oldest it can return (%s)", keeps, to.Format(time.DateOnly), oldest.Format(time.DateOnly))
		case !to.After(oldest):
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("%s; it was not asked for a range that ends before %s.", keeps, oldest.Format(time.DateOnly))})
			continue
		case from.Before(oldest):
			notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning,
				Text: fmt.Sprintf("%s: events before %s cannot be shown.", keeps, oldest.Format(time.DateOnly))})
		}
		keep = append(keep, id)
	}
	if len(keep) == 0 {
		return nil, nil, fmt.Errorf("time range: no enabled provider keeps events that old (%s)", notices[0].Text)
	}
	return keep, notices, nil
}

func retentionText(d time.Duration) string {
	if years := d / (365 * 24 * time.Hour); years > 1 {
		return fmt.Sprintf("%d years", years)
	}
	return "one year"
}

// fetchAll fetches every provider concurrently. With a series spec, each
// provider's events are counted as they arrive (providerRun.counter)
// instead of returned.
func (d *Datasource) fetchAll(ctx context.Context, ids []string, r providers.Request, spec *frames.SeriesSpec) []providerRun {
	runs := make([]providerRun, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func(i int, id string) {
			defer wg.Done()
			runs[i].id = id
			p, err := d.provider(id)
			if err != nil {
				runs[i].err = backend.DownstreamError(err) // a setting to fix
				return
			}
			runs[i].pushed = p.Pushdown(r)
			r := d.existing(p, r)
			if !r.From.Before(r.To) {
				runs[i].res = &fetch.Result{} // nothing can exist in the range
				if spec != nil {
					runs[i].counter = frames.NewCounter(*spec)
				}
				return
			}
			if spec == nil {
				runs[i].res, runs[i].err = d.fetcher.Fetch(ctx, p, r)
				return
			}
			c := frames.NewCounter(*spec)
			runs[i].counter = c
			runs[i].res, runs[i].err = d.fetcher.FetchEach(ctx, p, r, c.Add)
		}(i, id)
	}
	wg.Wait()
	return runs
}

// possible clips a query's range to when audit events can exist: not
// before 1970 (every vendor's epoch) and not after now. It says what was
// cut off, for a notice ("" when nothing). A range of the year 9999 or the
// year 1 would otherwise overflow Go's durations.
func (d *Datasource) possible(from, to time.Time) (time.Time, time.Time, string) {
	var cut []string
	if epoch := time.Unix(0, 0).UTC(); from.Before(epoch) {
		from = epoch
		cut = append(cut, "before 1970")
	}
	if latest := d.fetcher.Now().UTC().Add(futureSlack).Truncate(time.Second); to.After(latest) {
		to = latest
		cut = append(cut, "in the future")
	}
	return from, to, strings.Join(cut, " and ")
}

// futureSlack is how far past the plugin's now a vendor's clock may stamp
// a record.
const futureSlack = 10 * time.Minute

// existing clips a request to what the vendor can hold: nothing after now
// (a range that ends in 2100 is not read hour by hour into the future),
// nothing before its documented retention.
func (d *Datasource) existing(p providers.Provider, r providers.Request) providers.Request {
	now := d.fetcher.Now()
	if latest := now.Add(futureSlack); r.To.After(latest) {
		r.To = latest
	}
	if rt, ok := p.(providers.Retainer); ok {
		if oldest := now.Add(-rt.Retention()); r.From.Before(oldest) {
			r.From = oldest
		}
	}
	return r
}

// seeds are the filter values of the group-by dimension: those series are
// returned (as zeros) even when nothing happened.
func seeds(q models.Query) []string {
	switch q.GroupBy {
	case models.GroupEvent:
		return q.Events
	case models.GroupObjectType:
		return q.ObjectTypes
	case models.GroupUser:
		return q.Users
	}
	return nil
}

// describe renders what was asked of each vendor, for the query inspector.
func describe(runs []providerRun) string {
	var b strings.Builder
	for _, r := range runs {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if r.res == nil {
			fmt.Fprintf(&b, "%s: not queried (%v)", r.id, r.err)
			continue
		}
		first := r.res.FirstRequest
		if first == "" {
			first = "no request needed"
		}
		fmt.Fprintf(&b, "%s: %s\n  %d window(s) (%d from cache, %d shared with another query), %d request(s), %d record(s) read, %d event(s) matched",
			r.id, first, r.res.Windows, r.res.Cached, r.res.Shared, r.res.Requests, r.res.Records, r.res.Matched)
		if !r.pushed.IsEmpty() {
			fmt.Fprintf(&b, "; filters applied by the vendor: %s", filterText(r.pushed))
		}
		if r.err != nil {
			fmt.Fprintf(&b, "; failed: %v", r.err)
		}
	}
	return b.String()
}

func filterText(f events.Filter) string {
	var parts []string
	if len(f.Events) > 0 {
		parts = append(parts, "events="+strings.Join(f.Events, ","))
	}
	if len(f.ObjectTypes) > 0 {
		parts = append(parts, "objectTypes="+strings.Join(f.ObjectTypes, ","))
	}
	if len(f.Users) > 0 {
		parts = append(parts, "users="+strings.Join(f.Users, ","))
	}
	return strings.Join(parts, " ")
}

// linkVendorPage adds a data link to the vendor's audit-log page on the
// event column, where the vendor has one.
func (d *Datasource) linkVendorPage(f *data.Frame, id string) {
	p, ok := d.providers[id].(providers.WebPager)
	if !ok {
		return
	}
	title, url := p.WebPage()
	if fld, i := f.FieldByName("event"); i >= 0 {
		fld.Config = &data.FieldConfig{Links: []data.DataLink{{Title: title, URL: url, TargetBlank: true}}}
	}
}
