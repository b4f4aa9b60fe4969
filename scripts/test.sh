#!/usr/bin/env bash
# The one test command (npm test): installs what a fresh machine lacks, then
# runs every test suite and prints each runner's summary and, last, one
# totals line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/.test-results
rm -rf "$OUT" && mkdir -p "$OUT"
export PATH="$(go env GOPATH)/bin:$PATH"
FAILED_STEPS=()

step() { echo; echo "=== $1"; }
fail() { FAILED_STEPS+=("$1"); echo "!!! step failed: $1"; }

step "install: npm packages"
if [ ! -d node_modules ] || [ package.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund >"$OUT/npm-install.log" 2>&1 || { tail -30 "$OUT/npm-install.log"; fail "npm install"; }
fi
step "install: Debian packages (redis-server for the shared-state tests, chromium for the browser tests)"
NEED=()
command -v redis-server >/dev/null || NEED+=(redis-server)
[ -x /usr/bin/chromium ] || NEED+=(chromium)
if [ ${#NEED[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q \
      && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${NEED[@]}"; } >"$OUT/apt.log" 2>&1 \
    || { tail -20 "$OUT/apt.log"; fail "install ${NEED[*]}"; }
fi
step "install: Go modules and mage"
go mod download || fail "go mod download"
command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2 || fail "install mage"

step "typecheck"
npm run -s typecheck || fail "typecheck"
step "lint"
npm run -s lint || fail "lint"
step "jest"
npx jest --ci --maxWorkers 2 --json --outputFile "$OUT/jest.json" || fail "jest"

step "demo command (npm run demo) without a Docker engine: one line when Docker is missing; with a stand-in, it builds dist/ (frontend, linux/amd64 and linux/arm64) and calls docker compose up"
bash scripts/check-demo.sh || fail "demo"
step "frontend build checks (dist/module.js)"
node scripts/check-dist.js || fail "frontend build"

step "go vet"
go vet ./pkg/... ./cmd/... ./internal/... || fail "go vet"
step "backend build for every platform (mage -v: linux amd64/arm64/arm, darwin amd64/arm64, windows amd64)"
mage -v || fail "mage build"
# The gRPC tests drive the binary mage built, not one built for the test.
PLUGIN_BIN="$ROOT/dist/gpx_auditlog_$(go env GOOS)_$(go env GOARCH)"
[ -x "$PLUGIN_BIN" ] && export AUDITLOG_PLUGIN_BINARY="$PLUGIN_BIN"
step "plugin package: zip, package checks, Grafana's plugin validator if installed (scripts/validate-plugin.sh)"
VALIDATE_OUT="$OUT/package" bash scripts/validate-plugin.sh || fail "plugin package"
step "go test"
CHAOS_TABLE="$OUT/chaos.txt" go test -count=1 -json ./pkg/... ./cmd/... ./internal/... >"$OUT/go-test.json" 2>"$OUT/go-test.stderr"
GO_RC=$?
cat "$OUT/go-test.stderr"
[ $GO_RC -eq 0 ] || fail "go test"
[ -s "$OUT/chaos.txt" ] && cat "$OUT/chaos.txt" # the chaos suite's table (pkg/plugin TestChaos)

# No test may depend on today's date: the whole Go suite again with the
# plugin's and the simulator's clock (pkg/clock) started at other instants,
# a leap day's last seconds included. The plugin binary inherits it.
for at in 2027-03-01T00:00:30Z 2028-02-29T23:59:50Z; do
  step "go test with the clock at $at (AUDITLOG_NOW)"
  AUDITLOG_NOW=$at go test -count=1 -json ./pkg/... ./cmd/... ./internal/... >"$OUT/go-test-at-$at.json" 2>"$OUT/go-test-at-$at.stderr"
  rc=$?
  node scripts/summary.js --go "$OUT/go-test-at-$at.json" "AUDITLOG_NOW=$at"
  [ $rc -eq 0 ] || { tail -20 "$OUT/go-test-at-$at.stderr"; fail "go test at $at"; }
done

step "race detector on the concurrent engine (pkg/fetch, pkg/events, pkg/budget, pkg/redisstore; all packages: go test -race ./pkg/...)"
go test -race -count=1 ./pkg/fetch ./pkg/events ./pkg/budget ./pkg/redisstore || fail "go test -race"

step "fuzz (3s per parser; longer: npm run fuzz)"
FUZZTIME=3s bash scripts/fuzz.sh || fail "fuzz"

step "browser tests (real editors in Debian's Chromium)"
BROWSER_RESULTS="$OUT/browser.json" npm run -s test:browser || fail "browser tests"

step "summary"
node scripts/summary.js "$OUT" "${#FAILED_STEPS[@]}" "${FAILED_STEPS[*]:-}"
