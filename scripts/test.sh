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
step "install: Go modules and mage"
go mod download || fail "go mod download"
command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2 || fail "install mage"

step "typecheck"
npm run -s typecheck || fail "typecheck"
step "lint"
npm run -s lint || fail "lint"
step "jest"
npx jest --ci --maxWorkers 2 --json --outputFile "$OUT/jest.json" || fail "jest"

step "frontend build (dist/)"
{ npm run -s build >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; false; }; } && node scripts/check-dist.js || fail "frontend build"

step "go vet"
go vet ./pkg/... ./cmd/... ./internal/... || fail "go vet"
step "backend build for every platform (mage -v: linux amd64/arm64/arm, darwin amd64/arm64, windows amd64)"
mage -v || fail "mage build"
step "plugin package: zip, package checks, Grafana's plugin validator if installed (scripts/validate-plugin.sh)"
VALIDATE_OUT="$OUT/package" bash scripts/validate-plugin.sh || fail "plugin package"
step "go test"
CHAOS_TABLE="$OUT/chaos.txt" go test -count=1 -json ./pkg/... ./cmd/... ./internal/... >"$OUT/go-test.json" 2>"$OUT/go-test.stderr"
GO_RC=$?
cat "$OUT/go-test.stderr"
[ $GO_RC -eq 0 ] || fail "go test"
[ -s "$OUT/chaos.txt" ] && cat "$OUT/chaos.txt" # the chaos suite's table (pkg/plugin TestChaos)

step "race detector on the concurrent engine (pkg/fetch, pkg/events; all packages: go test -race ./pkg/...)"
go test -race -count=1 ./pkg/fetch ./pkg/events || fail "go test -race"

step "fuzz (3s per parser; longer: npm run fuzz)"
FUZZTIME=3s bash scripts/fuzz.sh || fail "fuzz"

step "browser tests (real editors in Debian's Chromium)"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q \
      && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >"$OUT/apt-chromium.log" 2>&1 \
    || { tail -20 "$OUT/apt-chromium.log"; fail "install chromium"; }
fi
BROWSER_RESULTS="$OUT/browser.json" npm run -s test:browser || fail "browser tests"

step "summary"
node scripts/summary.js "$OUT" "${#FAILED_STEPS[@]}" "${FAILED_STEPS[*]:-}"
