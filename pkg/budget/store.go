package budget

import (
	"context"
	"time"
)

// Store shares budgets between processes (Grafana replicas). Every method
// degrades to "allowed" when the store cannot be reached: the local
// budget still applies, and a missing store never stops a query.
type Store interface {
	// Take spends one request of key's window that resets at reset, if
	// more than reserve of it are left; a window not seen yet starts at
	// requests. When it is not allowed, until is when to look again (the
	// end of a 429 stop, or zero: at the reset).
	Take(ctx context.Context, key string, now, reset time.Time, requests, reserve int) (ok bool, until time.Time)
	// Observe lowers the window's count to what the vendor said is left.
	Observe(ctx context.Context, key string, reset time.Time, remaining int)
	// Block stops every replica's requests for key until a 429's end.
	Block(ctx context.Context, key string, until time.Time)
}
