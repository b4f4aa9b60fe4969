#!/usr/bin/env bash
# Fuzzes every parser for FUZZTIME each (default 60s): `npm run fuzz`.
# scripts/test.sh runs the same targets for a few seconds each.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-60s}
for target in $(go test -list '^Fuzz' ./pkg/providers/ | grep '^Fuzz'); do
  echo "--- $target ($FUZZTIME)"
  go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" ./pkg/providers/ 2>&1 | grep -v '^fuzz: elapsed'
done
