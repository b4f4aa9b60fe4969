// Package clock is the one source of "now" for the engine and the
// simulator, so that tests can run the whole plugin at any instant.
//
// Now is the wall clock plus an offset. The offset is zero unless a test
// sets it with Set, or the process starts with AUDITLOG_NOW set to an
// RFC 3339 instant: then Now starts at that instant and runs on from
// there (CI runs the Go suite at several such instants, and tests pass it
// on to the plugin binary and the simulator they start).
package clock

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// EnvVar starts the process clock at another instant (RFC 3339).
const EnvVar = "AUDITLOG_NOW"

var offset atomic.Int64 // nanoseconds added to the wall clock

func init() {
	s := os.Getenv(EnvVar)
	if s == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		// A clock set on purpose and misread would run every test at the
		// real date and hide what the setting was for.
		panic(fmt.Sprintf("%s=%q: not an RFC 3339 time such as 2027-03-01T00:00:30Z", EnvVar, s))
	}
	offset.Store(int64(time.Until(t)))
}

// Now is the current time on the plugin's clock. Differences between two
// readings are measured on the monotonic clock, as with time.Now.
func Now() time.Time {
	return time.Now().Add(time.Duration(offset.Load()))
}

// Set makes Now read t at this moment, running on from there, and returns
// a function that puts the previous clock back (for t.Cleanup). The clock
// is process-wide: a test that sets it must not run in parallel with
// another that reads it.
func Set(t time.Time) (restore func()) {
	prev := offset.Swap(int64(time.Until(t)))
	return func() { offset.Store(prev) }
}

// Shifted reports whether the clock is not the wall clock.
func Shifted() bool { return offset.Load() != 0 }

// Left is the time before ctx's deadline, if it has one. Deadlines are on
// the wall clock whatever Now reads.
func Left(ctx context.Context) (time.Duration, bool) {
	d, ok := ctx.Deadline()
	if !ok {
		return 0, false
	}
	return time.Until(d), true
}
