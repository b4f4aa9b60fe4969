package providers

import (
	"os"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

// Every vendor call is logged at debug level; the tests' output keeps to
// warnings and errors (the leak test installs its own logger).
func TestMain(m *testing.M) {
	backend.Logger = log.NewWithLevel(log.Warn)
	log.DefaultLogger = backend.Logger
	os.Exit(m.Run())
}
