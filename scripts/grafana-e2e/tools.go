//go:build tools

// Package tools only records that this module builds Grafana's server
// command, so that go.mod keeps requiring github.com/grafana/grafana.
package tools

import _ "github.com/grafana/grafana/pkg/cmd/grafana"
