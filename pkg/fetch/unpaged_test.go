package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
)

// datafoldServer holds one record a minute from t0 on; an answer for more
// than maxSpan is larger than the plugin reads (as a busy tenant's would).
func datafoldServer(t *testing.T, maxSpan time.Duration) (*httptest.Server, *atomic.Int32, *atomic.Int32) {
	var calls, tooLarge atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var q struct {
			Start time.Time `json:"start_date"`
			End   time.Time `json:"end_date"`
		}
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if q.End.Sub(q.Start) > maxSpan+time.Second {
			tooLarge.Add(1)
			_, _ = w.Write([]byte(`{"logs":[`))
			pad := strings.Repeat(" ", 1<<20)
			for range providers.MaxBodyBytes>>20 + 1 {
				_, _ = w.Write([]byte(pad))
			}
			return
		}
		var b strings.Builder
		b.WriteString(`{"logs":[`)
		n := 0
		for at := q.Start.Truncate(time.Minute); at.Before(q.End); at = at.Add(time.Minute) {
			if at.Before(q.Start) || at.Before(t0) {
				continue
			}
			if n > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"timestamp":%q,"event_uuid":"u%d","client_ip":"203.0.113.7","url":"/"}`, at.Format(time.RFC3339), at.Unix())
			n++
		}
		b.WriteString("]}")
		_, _ = w.Write([]byte(b.String()))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls, &tooLarge
}

// A window of an API without pages whose answer is too large is read again
// in halves, and once the answers have shown how dense the log is, later
// windows are split before they are asked for.
func TestAnUnpagedWindowTooLargeIsReadInHalves(t *testing.T) {
	srv, calls, tooLarge := datafoldServer(t, 2*time.Hour)
	p, err := providers.New(events.Datafold, models.ProviderSettings{Enabled: true, URL: srv.URL, Secret: "key-123456"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One record a minute; answers of more than 2 hours (120 records) are
	// too large, and the engine aims at 100 a request.
	f := &Fetcher{Client: srv.Client(), UnpagedTarget: 100}
	day1 := providers.Request{Window: providers.Window{From: t0, To: t0.Add(24 * time.Hour)}}
	res, err := f.Fetch(context.Background(), p, day1)
	if err != nil || res.Events.Len() != 24*60 {
		t.Fatalf("%v, %d events, want one a minute", err, res.Events.Len())
	}
	if tooLarge.Load() == 0 {
		t.Fatal("the test's vendor never answered too large: it proves nothing")
	}
	calls.Store(0)
	tooLarge.Store(0)
	day2 := providers.Request{Window: providers.Window{From: t0.Add(24 * time.Hour), To: t0.Add(48 * time.Hour)}}
	if res, err = f.Fetch(context.Background(), p, day2); err != nil || res.Events.Len() != 24*60 {
		t.Fatalf("%v, %d events", err, res.Events.Len())
	}
	if tooLarge.Load() != 0 {
		t.Fatalf("%d answers too large after the density was known; windows are split before they are asked for", tooLarge.Load())
	}
	// 60 records an hour and at most 100 an answer: windows of 1.5 hours.
	if c := calls.Load(); c > 16 {
		t.Fatalf("%d requests for a day", c)
	}
}

// Months of nothing (the year before t0) cost a request a month, not one
// an hour.
func TestAnEmptyYearOfAnUnpagedAPICostsAFewRequests(t *testing.T) {
	srv, calls, _ := datafoldServer(t, 400*24*time.Hour)
	p, _ := providers.New(events.Datafold, models.ProviderSettings{Enabled: true, URL: srv.URL, Secret: "key-123456"}, nil)
	f := &Fetcher{Client: srv.Client()}
	r := providers.Request{Window: providers.Window{From: t0.Add(-365 * 24 * time.Hour), To: t0}}
	if res, err := f.Fetch(context.Background(), p, r); err != nil || res.Events.Len() != 0 {
		t.Fatal(err)
	}
	if c := calls.Load(); c > 30 {
		t.Fatalf("%d requests for a year", c)
	}
}
