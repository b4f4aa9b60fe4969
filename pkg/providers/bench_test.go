package providers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/models"
	"github.com/auditlens/auditlog/pkg/providers"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// benchRecords is the size of the page every provider's ParsePage is timed on.
const benchRecords = 1000

var (
	benchDay  = time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC) // a whole day inside the simulated week
	benchOnce sync.Once
	benchSrv  *httptest.Server
)

// benchServer is a simulator with enough events that one day of every
// provider holds more than a page.
func benchServer() *httptest.Server {
	benchOnce.Do(func() {
		cfg := vendorsim.DefaultConfig()
		cfg.End = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		cfg.Start = cfg.End.Add(-7 * 24 * time.Hour)
		cfg.Events = 20000 // about 2,900 a day per provider
		cfg.ThousandEyesPageSize = benchRecords
		cfg.ThousandEyesRateLimit = -1
		benchSrv = httptest.NewServer(vendorsim.New(cfg))
	})
	return benchSrv
}

// benchSettings are the simulator's settings and credentials per provider.
func benchSettings(id, url string) models.ProviderSettings {
	ps := models.ProviderSettings{Enabled: true, URL: url}
	switch id {
	case events.Domo:
		ps.Instance, ps.Secret = "acme", vendorsim.DomoToken
	case events.DomoPlatform:
		ps.ClientID, ps.Secret = vendorsim.DomoPlatformClientID, vendorsim.DomoPlatformClientSecret
	case events.Domino:
		ps.AuthType, ps.Secret = models.AuthBearer, vendorsim.DominoBearer
	case events.Datafold:
		ps.Secret = vendorsim.DatafoldAPIKey
	case events.ThousandEyes:
		ps.Secret = vendorsim.ThousandEyesToken
	}
	return ps
}

// simPage fetches the first page of one simulated day from the simulator
// through the provider's own request, as served. Datafold has no paging:
// its day is cut to the first benchRecords records.
func simPage(b *testing.B, id string) (providers.Provider, providers.Request, []byte) {
	b.Helper()
	srv := benchServer()
	p, err := providers.New(id, benchSettings(id, srv.URL), srv.Client())
	if err != nil {
		b.Fatal(err)
	}
	r := providers.Request{
		Window:   providers.Window{From: benchDay, To: benchDay.Add(24 * time.Hour)},
		Options:  models.QueryOptions{AllAccountGroups: true},
		PageSize: benchRecords,
	}
	req, err := p.NewRequest(context.Background(), r, "")
	if err != nil {
		b.Fatal(err)
	}
	body, _, err := providers.Do(srv.Client(), req, p)
	if err != nil {
		b.Fatal(err)
	}
	if id == events.Datafold {
		var page struct {
			Logs []json.RawMessage `json:"logs"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			b.Fatal(err)
		}
		if len(page.Logs) < benchRecords {
			b.Fatalf("datafold: the day has only %d records", len(page.Logs))
		}
		page.Logs = page.Logs[:benchRecords]
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(page); err != nil {
			b.Fatal(err)
		}
		body = buf.Bytes()
	}
	return p, r, body
}

// BenchmarkParsePage decodes one 1000-record page as the simulator serves
// it, per provider (go test -bench ParsePage ./pkg/providers).
func BenchmarkParsePage(b *testing.B) {
	for _, id := range events.ProviderIDs {
		b.Run(id, func(b *testing.B) {
			p, r, body := simPage(b, id)
			pg, err := p.ParsePage(body, r, "")
			if err != nil {
				b.Fatal(err)
			}
			if pg.Records != benchRecords || len(pg.Events) != benchRecords {
				b.Fatalf("%s: the page has %d records, %d events; want %d", id, pg.Records, len(pg.Events), benchRecords)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.ParsePage(body, r, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRecords, "ns/record")
		})
	}
}
