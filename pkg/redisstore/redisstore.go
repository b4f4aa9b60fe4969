// Package redisstore is the state Grafana replicas share on Redis: each
// vendor organisation's request budget (budget.Store) and the settled
// windows read, with the lock that lets one replica read a window while
// the others wait for it (fetch.Shared).
//
// Redis is optional and may go away: every call that fails degrades to
// what a replica does alone (a request is allowed by the local budget, a
// window is a miss and is read, a lock is taken), the store stops asking
// Redis for a few seconds, and Status says so for the health check. It
// never makes an answer wrong: a replica that cannot share reads for
// itself.
package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"

	"github.com/auditlens/auditlog/pkg/clock"
)

// Settings of the store.
type Settings struct {
	URL      string // redis:// or rediss:// host, port and database; no password
	Password string // secureJsonData.redisPassword
}

// Store is a connection to the shared Redis.
type Store struct {
	client *redis.Client
	prefix string

	mu       sync.Mutex
	downTill time.Time // no calls before, after a failure
	lastErr  error
	lastAt   time.Time
}

// callTimeout bounds every Redis call: a slow Redis must not slow queries
// more than a replica alone would be.
const callTimeout = time.Second

// pause is how long the store stops asking Redis after a failure.
const pause = 5 * time.Second

// CheckURL validates a Redis URL setting.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		shown := "the value" // it may hold a password: never shown
		if err == nil && u.User == nil && u.RawQuery == "" {
			shown = fmt.Sprintf("%q", truncate(raw))
		}
		return fmt.Errorf("redisUrl: %s is not a redis:// or rediss:// URL with a host (e.g. redis://redis:6379/0)", shown)
	}
	if _, has := u.User.Password(); has {
		return errors.New("redisUrl: the URL holds a password; put it in the Redis password field (secureJsonData.redisPassword) so that it is stored encrypted")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("redisUrl: give only the host, port and database number (redis://host:6379/0)")
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// New connects lazily to the Redis of s (nothing is sent until used).
func New(s Settings) (*Store, error) {
	if err := CheckURL(s.URL); err != nil {
		return nil, err
	}
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		return nil, fmt.Errorf("redisUrl: %v", err)
	}
	if s.Password != "" {
		opts.Password = s.Password
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = callTimeout, callTimeout, callTimeout
	opts.MaxRetries = 0 // the store degrades instead; a query never waits on retries
	return &Store{client: redis.NewClient(opts), prefix: "auditlog:"}, nil
}

func init() {
	// go-redis logs failed dials itself; the store reports them through
	// Status (the health check) and the SDK's debug log instead.
	redis.SetLogger(debugLogger{})
}

type debugLogger struct{}

func (debugLogger) Printf(ctx context.Context, format string, v ...any) {
	backend.Logger.Debug("redis", "message", fmt.Sprintf(format, v...))
}

var (
	openMu sync.Mutex
	opened = map[Settings]*Store{}
)

// Open returns the process's store for s: data sources on the same Redis
// share one client, so that they share one budget per organisation.
func Open(s Settings) (*Store, error) {
	openMu.Lock()
	defer openMu.Unlock()
	if st := opened[s]; st != nil {
		return st, nil
	}
	st, err := New(s)
	if err != nil {
		return nil, err
	}
	opened[s] = st
	return st, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.client.Close() }

// Status is the store's state for the health check: nil when the last
// call worked, else why the replica works alone.
func (s *Store) Status(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		s.failed(err)
		return fmt.Errorf("Redis at %s does not answer (%s): each replica uses its own request budget and cache until it does", s.client.Options().Addr, redact(err, s.client.Options().Password))
	}
	s.mu.Lock()
	s.downTill = time.Time{}
	s.mu.Unlock()
	return nil
}

func redact(err error, password string) string {
	msg := err.Error()
	if len(password) >= 4 {
		msg = strings.ReplaceAll(msg, password, "[redacted]")
	}
	return msg
}

// up reports whether calls are made now (not paused after a failure).
func (s *Store) up() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !clock.Now().Before(s.downTill)
}

func (s *Store) failed(err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastErr, s.lastAt = err, clock.Now()
	s.downTill = s.lastAt.Add(pause)
}

// key names a value: kind and a hash of the caller's key (which holds
// URLs and filters; a hash keeps them short and out of Redis).
func (s *Store) key(kind, k string) string {
	sum := sha256.Sum256([]byte(k))
	return s.prefix + kind + ":" + hex.EncodeToString(sum[:16])
}

func callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
}

// The budget: one counter per organisation and window, and the end of the
// last 429's stop.

var takeScript = redis.NewScript(`
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > tonumber(ARGV[4]) then return {0, blocked} end
local n = redis.call('GET', KEYS[1])
if not n then
  n = tonumber(ARGV[1])
  redis.call('SET', KEYS[1], n, 'PX', ARGV[3])
else
  n = tonumber(n)
end
if n <= tonumber(ARGV[2]) then return {0, 0} end
redis.call('DECR', KEYS[1])
return {1, 0}`)

var observeScript = redis.NewScript(`
local n = redis.call('GET', KEYS[1])
if (not n) or tonumber(n) > tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0`)

var blockScript = redis.NewScript(`
local b = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > b then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 0`)

func (s *Store) windowKey(key string, reset time.Time) string {
	return s.key("budget", key) + ":" + fmt.Sprint(reset.Unix())
}

// window's counter lives a little past its reset.
func ttlUntil(now, t time.Time) int64 {
	return max(t.Sub(now), 0).Milliseconds() + 60_000
}

// Take spends one request of the organisation's window (budget.Store).
func (s *Store) Take(ctx context.Context, key string, now, reset time.Time, requests, reserve int) (bool, time.Time) {
	if !s.up() {
		return true, time.Time{}
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	res, err := takeScript.Run(ctx, s.client, []string{s.windowKey(key, reset), s.key("blocked", key)},
		requests, reserve, ttlUntil(now, reset), now.UnixMilli()).Int64Slice()
	if err != nil || len(res) != 2 {
		s.failed(err)
		return true, time.Time{}
	}
	if res[0] == 1 {
		return true, time.Time{}
	}
	if res[1] > 0 {
		return false, time.UnixMilli(res[1])
	}
	return false, time.Time{}
}

// Observe lowers the window's count to what the vendor said is left.
func (s *Store) Observe(ctx context.Context, key string, reset time.Time, remaining int) {
	if !s.up() {
		return
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	s.failed(observeScript.Run(ctx, s.client, []string{s.windowKey(key, reset)}, remaining, ttlUntil(clock.Now(), reset)).Err())
}

// Block stops every replica's requests of the organisation until until.
func (s *Store) Block(ctx context.Context, key string, until time.Time) {
	if !s.up() {
		return
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	s.failed(blockScript.Run(ctx, s.client, []string{s.key("blocked", key)}, until.UnixMilli(), ttlUntil(clock.Now(), until)).Err())
}

// The windows.

// maxValue bounds a shared window: a larger one stays in the replica's
// own cache (Redis takes values up to 512 MB, but moving hundreds of MB
// per read would cost more than it saves).
const maxValue = 64 << 20

// Get returns a shared window (fetch.Shared).
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool) {
	if !s.up() {
		return nil, false
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	b, err := s.client.Get(ctx, s.key("window", key)).Bytes()
	if err != nil {
		s.failed(err)
		return nil, false
	}
	return b, true
}

// Put shares a window for ttl.
func (s *Store) Put(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if !s.up() || len(value) > maxValue || ttl <= 0 {
		return
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	s.failed(s.client.Set(ctx, s.key("window", key), value, ttl).Err())
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Lock takes the right to read a window for ttl: false when another
// replica holds it. Without Redis the lock is always taken (the replica
// reads for itself).
func (s *Store) Lock(ctx context.Context, key string, ttl time.Duration) (func(), bool) {
	if !s.up() {
		return func() {}, true
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	k := s.key("lock", key)
	cctx, cancel := callCtx(ctx)
	defer cancel()
	ok, err := s.client.SetNX(cctx, k, token, ttl).Result()
	if err != nil {
		s.failed(err)
		return func() {}, true
	}
	if !ok {
		return nil, false
	}
	return func() {
		uctx, cancel := callCtx(ctx)
		defer cancel()
		s.failed(unlockScript.Run(uctx, s.client, []string{k}, token).Err())
	}, true
}
