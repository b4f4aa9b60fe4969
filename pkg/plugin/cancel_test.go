package plugin

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/vendorsim"
)

// Two panels over the same range share one fetch of a window (fetch's
// in-flight sharing). Closing the first panel while the fetch runs must
// not fail the second one: it did not fail, and the vendor did nothing
// wrong. Found by TestChaos (a query failing on a vendor fault cancels its
// fetches, and a sibling query sharing one of them got "context canceled").
func TestClosingOnePanelDoesNotFailAnotherSharingItsFetch(t *testing.T) {
	sim, srv := faultSim(3, 2000, nil)
	defer srv.Close()
	ds, _ := faultDatasource(srv, "")
	defer ds.Dispose()
	// The first request of the window takes 400 ms.
	sim.InjectFaults(events.Domo, vendorsim.Fault{Delay: 400 * time.Millisecond})
	from, to := chaosEnd.Add(-50*time.Minute), chaosEnd.Add(-10*time.Minute) // one window
	q := dataQuery("A", providerQuery(events.Domo, "table"), from, to, time.Minute)

	first, closePanel := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		resp, err := ds.QueryData(first, &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
		if err == nil {
			err = resp.Responses["A"].Error
		}
		firstDone <- err
	}()
	time.Sleep(100 * time.Millisecond) // the first panel's fetch is under way
	secondDone := make(chan backend.DataResponse, 1)
	go func() {
		resp, _ := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
		secondDone <- resp.Responses["A"]
	}()
	time.Sleep(100 * time.Millisecond) // the second panel waits on the same fetch
	closePanel()
	<-firstDone // cancelled: its own business
	second := <-secondDone
	if second.Error != nil {
		t.Fatalf("the second panel failed because the first was closed: %v", second.Error)
	}
	want := sim.TruthRange(events.Domo, from, to)
	sameEvents(t, "second panel", rows(t, second.Frames[0]), truthOf(want))
}

// A panel's query has a deadline (Grafana's data proxy timeout). When the
// vendor does not answer within it, the error says which vendor.
func TestQueryDeadlineNamesTheVendor(t *testing.T) {
	sim, srv := faultSim(1, 500, nil)
	defer srv.Close()
	ds, _ := faultDatasource(srv, "")
	defer ds.Dispose()
	sim.InjectFaults(events.Domino, vendorsim.Fault{Hang: true}, vendorsim.Fault{Hang: true}, vendorsim.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", providerQuery(events.Domino, "table"), chaosFrom, chaosTo, time.Minute)}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error == nil || r.Status != backend.StatusTimeout {
		t.Fatalf("want a timeout, got %v %v", r.Status, r.Error)
	}
	if !strings.Contains(r.Error.Error(), "domino") {
		t.Fatalf("the error does not say which vendor did not answer: %v", r.Error)
	}
}
