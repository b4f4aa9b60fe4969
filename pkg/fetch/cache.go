package fetch

import (
	"container/list"
	"sync"
	"time"

	"github.com/auditlens/auditlog/pkg/clock"
	"github.com/auditlens/auditlog/pkg/events"
)

// Cache holds the events of windows that lie wholly in the settled past:
// they no longer change, so a dashboard refresh re-reads only the live
// edge. It is bounded in bytes (least recently used out first) and entries
// expire after a TTL, in case a vendor back-fills late events.
type Cache struct {
	maxBytes int64
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	bytes int64
	lru   *list.List // front = most recently used; values are *cacheEntry
	items map[string]*list.Element
	stats CacheStats
	// sweeper removes expired entries while the cache holds any, so that
	// a data source nobody queries any more gives its memory back.
	sweeper *time.Timer
	closed  bool
}

// CacheStats counts cache use since the cache was made.
type CacheStats struct {
	Hits, Misses, Evictions int64
	Bytes                   int64
	Entries                 int
}

type cacheEntry struct {
	key     string
	win     windowResult
	size    int64
	expires time.Time
}

// NewCache makes a cache of at most maxBytes whose entries live for ttl.
func NewCache(maxBytes int64, ttl time.Duration) *Cache {
	return &Cache{maxBytes: maxBytes, ttl: ttl, now: clock.Now, lru: list.New(), items: map[string]*list.Element{}}
}

func (c *Cache) get(key string) (windowResult, bool) {
	if c == nil {
		return windowResult{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		c.stats.Misses++
		return windowResult{}, false
	}
	e := el.Value.(*cacheEntry)
	if c.now().After(e.expires) {
		c.remove(el)
		c.stats.Misses++
		return windowResult{}, false
	}
	c.lru.MoveToFront(el)
	c.stats.Hits++
	return e.win, true
}

func (c *Cache) put(key string, w windowResult) {
	if c == nil {
		return
	}
	size := w.size()
	if size > c.maxBytes {
		return // one window larger than the whole cache is not kept
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if c.closed {
		return
	}
	el := c.lru.PushFront(&cacheEntry{key: key, win: w, size: size, expires: c.now().Add(c.ttl)})
	c.items[key] = el
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
		c.stats.Evictions++
	}
	if c.sweeper == nil {
		c.sweeper = time.AfterFunc(c.ttl, c.sweep)
	}
}

// sweep removes the expired entries, and comes back when the next one
// expires while any are left.
func (c *Cache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweeper = nil
	if c.closed {
		return
	}
	now := c.now()
	var next time.Time
	for el := c.lru.Front(); el != nil; {
		e, following := el.Value.(*cacheEntry), el.Next()
		if now.After(e.expires) {
			c.remove(el)
		} else if next.IsZero() || e.expires.Before(next) {
			next = e.expires
		}
		el = following
	}
	if !next.IsZero() {
		c.sweeper = time.AfterFunc(next.Sub(now)+time.Millisecond, c.sweep)
	}
}

// Close empties the cache and stops its sweeper (the data source is gone).
func (c *Cache) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.sweeper != nil {
		c.sweeper.Stop()
		c.sweeper = nil
	}
	c.lru.Init()
	clear(c.items)
	c.bytes = 0
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.lru.Remove(el)
	delete(c.items, e.key)
	c.bytes -= e.size
}

// Stats returns the counters and the current size.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Bytes, s.Entries = c.bytes, len(c.items)
	return s
}

// eventSize estimates the memory one event holds.
func eventSize(e *events.Event) int64 {
	const overhead = 16*17 + 24 + 64 // string headers, time, slice header, key
	return overhead + int64(len(e.Provider)+len(e.User)+len(e.Email)+len(e.UserID)+len(e.Action)+len(e.Event)+
		len(e.ObjectType)+len(e.ObjectID)+len(e.ObjectName)+len(e.IPAddress)+len(e.UserAgent)+len(e.Scope)+
		len(e.Status)+len(e.Message)+len(e.Raw)+len(e.Key))
}
