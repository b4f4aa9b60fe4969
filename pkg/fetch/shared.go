package fetch

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/auditlens/auditlog/pkg/events"
	"github.com/auditlens/auditlog/pkg/providers"
)

// Shared is a window cache and a fetch lock that several processes share
// (Grafana replicas on one Redis): a settled window one replica read is
// served to the others, and while one replica reads it the others wait
// for its answer instead of reading it too. Every method degrades to a
// miss, a lost lock or nothing stored when the store is unreachable: a
// replica then reads for itself, as without one.
type Shared interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Put(ctx context.Context, key string, value []byte, ttl time.Duration)
	// Lock takes the right to read key for ttl; false when another
	// replica holds it.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool)
}

// Shared fetches: how long a replica may hold a window's lock, and how
// often the others look for its answer meanwhile.
const (
	sharedLockTTL = time.Minute
	sharedPoll    = 50 * time.Millisecond
)

// sharedKey puts key in the namespace of the credentials that read it:
// replicas share what the same organisation's credentials read, and a data
// source never gets what another one's credentials were allowed to see.
func (f *Fetcher) sharedKey(p providers.Provider, key string) string {
	ns := p.ID() + "|" + p.BaseURL().String()
	if b := f.Budgets[p.ID()]; b != nil {
		ns = b.Key()
	}
	return ns + "|" + key
}

// fromShared reads a window from the shared store; a settled one (keep)
// into the local cache too.
func (f *Fetcher) fromShared(ctx context.Context, p providers.Provider, key string, keep bool) (windowResult, bool) {
	if f.Shared == nil {
		return windowResult{}, false
	}
	b, ok := f.Shared.Get(ctx, f.sharedKey(p, key))
	if !ok {
		return windowResult{}, false
	}
	w, ok := decodeWindow(b)
	if !ok {
		return windowResult{}, false // another version's value: read it again
	}
	if keep {
		f.Cache.put(key, w)
	}
	return w, true
}

// store keeps a settled window in the local cache and the shared store.
func (f *Fetcher) store(ctx context.Context, p providers.Provider, key string, w windowResult) {
	f.Cache.put(key, w)
	if f.Shared != nil && f.Cache != nil {
		f.Shared.Put(ctx, f.sharedKey(p, key), encodeWindow(w), f.Cache.ttl)
	}
}

// liveShareTTL is how long a window that is not settled (the live edge,
// read for its exact range) stays in the shared store: long enough for
// the other replicas serving the same refresh of a dashboard, whose panels
// ask for that exact range; a later refresh asks for another one.
const liveShareTTL = 30 * time.Second

// shareLive shares a live window's answer for its exact range, never in
// the local cache (a range that ends in the future would be asked again).
func (f *Fetcher) shareLive(ctx context.Context, p providers.Provider, key string, w windowResult) {
	if f.Shared != nil && f.Cache != nil {
		f.Shared.Put(ctx, f.sharedKey(p, key), encodeWindow(w), liveShareTTL)
	}
}

// warmFromShared brings the settled windows of a plan that the local
// cache lacks from the shared store, before spans are planned around what
// is cached.
func (f *Fetcher) warmFromShared(ctx context.Context, p providers.Provider, base string, plan []planned) {
	if f.Shared == nil {
		return
	}
	for _, w := range plan {
		if w.settled {
			if _, ok := f.fromCache(base, w.fetch); !ok {
				f.fromShared(ctx, p, windowKey(base, w.fetch), true)
			}
		}
	}
}

// lockOrAwait takes the lock of a planned window, or, while another
// replica holds it, waits for that replica's answer in the shared store:
// the window, or every piece of a merged one. It returns the answer (done)
// or the lock to read under; a replica that gave up without an answer
// leaves the lock, which is then taken here.
func (f *Fetcher) lockOrAwait(ctx context.Context, p providers.Provider, base, key string, w planned) (unlock func(), got windowResult, done bool) {
	for {
		if unlock, ok := f.Shared.Lock(ctx, f.sharedKey(p, key), sharedLockTTL); ok {
			// Another replica may have stored it since the plan was made.
			if got, ok := f.sharedPlanned(ctx, p, base, w); ok {
				unlock()
				return nil, got, true
			}
			return unlock, windowResult{}, false
		}
		if got, ok := f.sharedPlanned(ctx, p, base, w); ok {
			return nil, got, true
		}
		if err := f.sleep(ctx, sharedPoll); err != nil {
			return func() {}, windowResult{}, false // the read fails on ctx too
		}
	}
}

// cachedPlanned is a settled planned window from the local cache: as
// cached, or a span's pieces, newest first.
func (f *Fetcher) cachedPlanned(base string, w planned) (windowResult, bool) {
	if w.settled {
		return f.fromCache(base, w.fetch)
	}
	if !w.seek || len(w.pieces) == 0 {
		return windowResult{}, false
	}
	var out windowResult
	for i := len(w.pieces) - 1; i >= 0; i-- {
		got, ok := f.fromCache(base, w.pieces[i])
		if !ok {
			return windowResult{}, false
		}
		// The cache may answer a piece with a larger window that holds it.
		out.events = out.events.Concat(clipFilter(got.events, w.pieces[i], events.Filter{}))
		out.records += got.records
		if out.request == "" {
			out.request = got.request
		}
	}
	return out, true
}

// sharedPlanned is a planned window from the shared store: a settled one
// as stored, a span assembled from its pieces (newest first), any other
// (the live edge, alone or with settled hours) for its exact range only.
func (f *Fetcher) sharedPlanned(ctx context.Context, p providers.Provider, base string, w planned) (windowResult, bool) {
	if w.settled || !w.seek {
		return f.fromShared(ctx, p, windowKey(base, w.fetch), w.settled)
	}
	var out windowResult
	for i := len(w.pieces) - 1; i >= 0; i-- {
		got, ok := f.fromShared(ctx, p, windowKey(base, w.pieces[i]), true)
		if !ok {
			return windowResult{}, false
		}
		out.events = out.events.Concat(clipFilter(got.events, w.pieces[i], events.Filter{}))
		out.records += got.records
		if out.request == "" {
			out.request = got.request
		}
	}
	return out, true
}

// encodeWindow is a window's result in its shared form: records, request
// and the events (events.AppendBinary).
func encodeWindow(w windowResult) []byte {
	b := binary.AppendUvarint(nil, uint64(w.records))
	b = binary.AppendUvarint(b, uint64(len(w.request)))
	b = append(b, w.request...)
	return events.AppendBinary(b, w.events)
}

func decodeWindow(b []byte) (windowResult, bool) {
	records, n := binary.Uvarint(b)
	if n <= 0 {
		return windowResult{}, false
	}
	b = b[n:]
	l, n := binary.Uvarint(b)
	if n <= 0 || l > uint64(len(b)-n) {
		return windowResult{}, false
	}
	request := string(b[n : n+int(l)])
	evs, err := events.DecodeList(b[n+int(l):])
	if err != nil {
		return windowResult{}, false
	}
	return windowResult{events: evs, records: int64(records), request: request}, true
}
