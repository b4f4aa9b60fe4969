package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/redis/go-redis/v9"

	"github.com/auditlens/auditlog/internal/redistest"
)

// sharedRedis is the redis-server the replicas share (internal/redistest:
// Debian's redis-server on a free loopback port, nothing saved).
type sharedRedis struct {
	srv      *redistest.Server
	password string
}

func startRedis(dir string) (*sharedRedis, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	// A password, so that the secure setting (secureJsonData.redisPassword)
	// is exercised and its absence from health messages can be checked.
	pw := "lt-" + hex.EncodeToString(b[:])
	srv, err := redistest.Start(dir, pw)
	if err != nil {
		return nil, err
	}
	return &sharedRedis{srv: srv, password: pw}, nil
}

func (r *sharedRedis) url() string { return r.srv.URL() }

// redisStats is what INFO says of the server since it (re)started.
type redisStats struct {
	commands   int64
	keys       int64
	peakMemory string
	err        error
}

func (r *sharedRedis) stats(ctx context.Context) redisStats {
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.srv.Port), Password: r.password,
		DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "stats", "memory", "keyspace").Result()
	if err != nil {
		return redisStats{err: err}
	}
	return parseRedisInfo(info)
}

// parseRedisInfo reads total_commands_processed, used_memory_peak_human
// and db0's keys from an INFO answer.
func parseRedisInfo(info string) redisStats {
	var s redisStats
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch k {
		case "total_commands_processed":
			s.commands, _ = strconv.ParseInt(v, 10, 64)
		case "used_memory_peak_human":
			s.peakMemory = v
		case "db0":
			for _, kv := range strings.Split(v, ",") {
				if n, ok := strings.CutPrefix(kv, "keys="); ok {
					s.keys, _ = strconv.ParseInt(n, 10, 64)
				}
			}
		}
	}
	return s
}

// healthShot is one replica's CheckHealth at one moment of the load.
type healthShot struct {
	moment  string        // "after the kill", …
	at      time.Duration // since the load started
	replica int
	status  backend.HealthStatus
	message string
	// redisLine is the "Shared state (Redis): …" line of the details.
	redisLine string
	redisOK   bool
	// providers and providersOK count the vendor lines and those that
	// work.
	providers, providersOK int
	leaked                 bool // the Redis password is in the answer
	err                    string
}

// readHealth reads a CheckHealth result's lines (the plugin's JSON
// details: verboseMessage and providers).
func readHealth(res *backend.CheckHealthResult, password string) healthShot {
	h := healthShot{status: res.Status, message: res.Message}
	var d struct {
		VerboseMessage string `json:"verboseMessage"`
		Providers      []struct {
			ID string `json:"id"`
			OK bool   `json:"ok"`
		} `json:"providers"`
	}
	_ = json.Unmarshal(res.JSONDetails, &d)
	for _, line := range strings.Split(d.VerboseMessage, "\n") {
		if strings.HasPrefix(line, "Shared state (Redis):") {
			h.redisLine = line
		}
	}
	for _, p := range d.Providers {
		if p.ID == "redis" {
			h.redisOK = p.OK
			continue
		}
		h.providers++
		if p.OK {
			h.providersOK++
		}
	}
	h.leaked = password != "" && (strings.Contains(res.Message, password) || strings.Contains(string(res.JSONDetails), password))
	return h
}

// checkAll calls CheckHealth on every replica at once.
func checkAll(ctx context.Context, targets []target, pctx backend.PluginContext, password, moment string, at time.Duration) []healthShot {
	out := make([]healthShot, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func(i int, t target) {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			res, err := t.CheckHealth(cctx, &backend.CheckHealthRequest{PluginContext: pctx})
			if err != nil {
				out[i] = healthShot{err: err.Error()}
			} else {
				out[i] = readHealth(res, password)
			}
			out[i].moment, out[i].at, out[i].replica = moment, at, i+1
		}(i, t)
	}
	wg.Wait()
	return out
}
