package redisstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/auditlens/auditlog/internal/redistest"
	"github.com/auditlens/auditlog/pkg/budget"
)

func server(t *testing.T, password string) *redistest.Server {
	t.Helper()
	srv, err := redistest.Start(t.TempDir(), password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func store(t *testing.T, srv *redistest.Server) *Store {
	t.Helper()
	s, err := New(Settings{URL: srv.URL(), Password: srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Three replicas, each with its own budget for one organisation, spend
// the window together: never more than it allows less the reserve.
func TestReplicasShareOneBudgetPerOrganisation(t *testing.T) {
	srv := server(t, "")
	now := time.Date(2027, 3, 1, 0, 0, 10, 0, time.UTC)
	var budgets []*budget.Budget
	for range 3 {
		budgets = append(budgets, budget.New("te|org", budget.Limit{Requests: 240, Window: time.Minute, Reserve: 0.1}, store(t, srv)))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	went := 0
	for _, b := range budgets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				if b.Take(context.Background(), now) == 0 {
					mu.Lock()
					went++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if went != 216 {
		t.Fatalf("three replicas sent %d requests in one minute; 240 less 24 kept is 216", went)
	}
	// Another organisation has its own.
	other := budget.New("te|other", budget.Limit{Requests: 240, Window: time.Minute, Reserve: 0.1}, store(t, srv))
	if other.Take(context.Background(), now) != 0 {
		t.Fatal("another organisation's budget is not this one's")
	}
}

func TestA429OnOneReplicaStopsTheOthers(t *testing.T) {
	srv := server(t, "")
	now := time.Date(2027, 3, 1, 0, 0, 10, 0, time.UTC)
	a := budget.New("org", budget.Limit{Requests: 240, Window: time.Minute}, store(t, srv))
	b := budget.New("org", budget.Limit{Requests: 240, Window: time.Minute}, store(t, srv))
	a.Block(now.Add(20 * time.Second))
	if wait := b.Take(context.Background(), now); wait < 19*time.Second || wait > 21*time.Second {
		t.Fatalf("the other replica waits %s, want the 20 s the vendor asked", wait)
	}
}

func TestWindowsAndTheirLock(t *testing.T) {
	srv := server(t, "s3cret-pass")
	a, b := store(t, srv), store(t, srv)
	ctx := context.Background()
	if _, ok := a.Get(ctx, "w1"); ok {
		t.Fatal("a window nobody stored")
	}
	unlock, ok := a.Lock(ctx, "w1", time.Minute)
	if !ok {
		t.Fatal("the first replica gets the lock")
	}
	if _, ok := b.Lock(ctx, "w1", time.Minute); ok {
		t.Fatal("a second replica got the lock held by the first")
	}
	a.Put(ctx, "w1", []byte("events"), time.Minute)
	unlock()
	if v, ok := b.Get(ctx, "w1"); !ok || string(v) != "events" {
		t.Fatalf("the other replica reads %q %v", v, ok)
	}
	if u, ok := b.Lock(ctx, "w1", time.Minute); !ok {
		t.Fatal("the lock is free once released")
	} else {
		u()
	}
	// A lock a replica lost (it expired) is not released by it later.
	late, _ := a.Lock(ctx, "w2", 50*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	holder, ok := b.Lock(ctx, "w2", time.Minute)
	late()
	if _, again := a.Lock(ctx, "w2", time.Minute); !ok || again {
		t.Fatal("an expired lock's owner released the new holder's lock")
	}
	holder()
}

// Redis going away: requests and reads go on as a replica alone, and
// the status says so, without the password.
func TestWithoutRedisAReplicaWorksAlone(t *testing.T) {
	srv := server(t, "s3cret-pass")
	s := store(t, srv)
	ctx := context.Background()
	if err := s.Status(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	b := budget.New("org", budget.Limit{Requests: 10, Window: time.Minute}, s)
	now := time.Date(2027, 3, 1, 0, 0, 10, 0, time.UTC)
	t0 := time.Now()
	for range 9 {
		if w := b.Take(ctx, now); w != 0 {
			t.Fatalf("without Redis the local budget decides, got a wait of %s", w)
		}
	}
	if _, ok := s.Get(ctx, "w"); ok {
		t.Fatal("a window read from a Redis that is gone")
	}
	if u, ok := s.Lock(ctx, "w", time.Minute); !ok {
		t.Fatal("without Redis a replica reads for itself")
	} else {
		u()
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("a Redis that is gone cost %s; calls must stop after the first failure", d)
	}
	err := s.Status(ctx)
	if err == nil || !strings.Contains(err.Error(), "does not answer") || strings.Contains(err.Error(), "s3cret-pass") {
		t.Fatalf("status %v", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := s.Status(ctx); err != nil {
		t.Fatalf("Redis is back: %v", err)
	}
}

func TestAWrongPasswordIsNamedNotShown(t *testing.T) {
	srv := server(t, "s3cret-pass")
	s, err := New(Settings{URL: srv.URL(), Password: "wrong-pass-123"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Status(context.Background())
	if err == nil || strings.Contains(err.Error(), "wrong-pass-123") {
		t.Fatalf("status %v", err)
	}
}

func TestURLSettingsAreChecked(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://redis:6379/0":            "",
		"rediss://cache.example.com:6380": "",
		"http://redis:6379":               "not a redis://",
		"redis://:pw@redis:6379/0":        "holds a password",
		"redis://redis:6379/0?x=1":        "only the host",
		"redis:///0":                      "with a host",
	} {
		err := CheckURL(raw)
		if (want == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter22"))) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}
