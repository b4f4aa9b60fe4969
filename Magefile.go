//go:build mage
// +build mage

package main

import (
	"os"
	"strings"

	// mage:import
	build "github.com/grafana/grafana-plugin-sdk-go/build"
	"github.com/magefile/mage/sh"
)

// Default configures the default target.
var Default = build.BuildAll

// Bench runs the engine benchmark against the simulator (go run ./cmd/bench);
// pass flags in BENCH_FLAGS, e.g. BENCH_FLAGS=-quick mage bench.
func Bench() error {
	args := append([]string{"run", "./cmd/bench"}, strings.Fields(os.Getenv("BENCH_FLAGS"))...)
	return sh.RunV("go", args...)
}

// Loadtest runs dashboards against the plugin and the simulator for a while
// (go run ./cmd/loadtest); pass flags in LOADTEST_FLAGS, e.g.
// LOADTEST_FLAGS=-duration=5m mage loadtest.
func Loadtest() error {
	args := append([]string{"run", "./cmd/loadtest"}, strings.Fields(os.Getenv("LOADTEST_FLAGS"))...)
	return sh.RunV("go", args...)
}
