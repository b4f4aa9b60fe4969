#!/usr/bin/env bash
# End-to-end test of the plugin inside a real Grafana server.
#
#   npm run e2e:grafana          (= bash scripts/grafana-e2e.sh)
#
# 1. Gets a Grafana server binary: GRAFANA_BIN if set, else the cached build,
#    else builds one from the Go module proxy (cold: ~20 min, see below).
# 2. Builds the plugin into dist/ if it is missing or older than the Go
#    sources (mage build:linux; npm run build if dist/module.js is missing).
# 3. Starts the vendor simulator and Grafana (headless: only the server, no
#    frontend assets) with the plugin loaded unsigned, anonymous Admin, and the
#    repo's provisioning/: data source (its URLs pointed at the local
#    simulator), dashboard and alert rule.
# 4. Runs the checks in scripts/grafana-e2e/checks.js through Grafana's HTTP
#    API, one "ok:" / "FAIL:" line each, and ends with "N passed, N failed".
#    Exits non-zero if any check failed.
#
# Why Grafana 10.0-pre: the Go module proxy serves exactly one version of
# github.com/grafana/grafana, v1.9.2-0.20230609164553-81d85ce8028d (a Grafana
# 10.0 pre-release of 2023-06-09); every 10.x-12.x version answers 403
# (`go list -m -versions github.com/grafana/grafana`). A real Grafana 12
# server binary works too: GRAFANA_BIN=/path/to/grafana-12.x/bin/grafana.
#
# Environment (all optional):
#   GRAFANA_BIN         a Grafana server binary to use instead of the build
#                       (anything that runs `grafana server --homepath --config`)
#   GRAFANA_HOME        its home path (holds conf/defaults.ini); default: the
#                       binary's ../ if that has conf/defaults.ini (a release
#                       tarball), else the cache's home (made from the module)
#   GRAFANA_E2E_CACHE   cache root, default ~/.cache/grafana-e2e; the build is
#                       kept in $GRAFANA_E2E_CACHE/<module version>/{grafana,home}
#   GRAFANA_E2E_PORT    Grafana's port (default: a free one)
#   VENDORSIM_PORT      the simulator's port (default: a free one)
#   ALERT_TIMEOUT       seconds to wait for the alert rule to fire (default 180)
#   GRAFANA_E2E_KEEP=1  keep the run directory (logs, grafana.ini, database)
#   GRAFANA_E2E_NO_PLUGIN_BUILD=1  use dist/ as it is
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/grafana-e2e
PLUGIN_ID=auditlens-auditlog-datasource

# The only github.com/grafana/grafana version the Go module proxy serves.
GRAFANA_MODULE=github.com/grafana/grafana
GRAFANA_MODULE_VERSION=v1.9.2-0.20230609164553-81d85ce8028d
GRAFANA_VERSION=10.0.0-pre      # what the build reports (-X main.version)
GRAFANA_COMMIT=81d85ce8028d
CACHE=${GRAFANA_E2E_CACHE:-$HOME/.cache/grafana-e2e}/$GRAFANA_MODULE_VERSION

T0=$(date +%s)
log() { printf '[%4ss] %s\n' $(($(date +%s) - T0)) "$*"; }
die() { echo "grafana-e2e: $*" >&2; exit 2; }
for tool in go node curl; do command -v "$tool" >/dev/null || die "needs $tool on PATH"; done

# Go settings for everything built here: never rewrite a go.mod or go.sum.
export GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false"

# --- 1. Grafana ------------------------------------------------------------

# grafana_source prints the directory of the Grafana module in the module
# cache (downloading it, ~33 MB, if needed).
grafana_source() {
  local tmp
  tmp=$(mktemp -d) # outside any module
  (cd "$tmp" && go mod download -json "$GRAFANA_MODULE@$GRAFANA_MODULE_VERSION") |
    node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const m=JSON.parse(s);if(m.Error){console.error(m.Error);process.exit(1)}console.log(m.Dir)})'
  local rc=$?
  rmdir "$tmp"
  return $rc
}

# make_home DIR creates the smallest Grafana home path the server starts
# with: conf/defaults.ini from the module, and public/emails with one .html
# and one .txt template (Grafana refuses to start without them; the rest of
# public/ is the frontend, which this test does not use).
make_home() {
  local src=$1 home=$2
  mkdir -p "$home/conf" "$home/public/emails"
  cp "$src/conf/defaults.ini" "$home/conf/defaults.ini"
  echo '{{define "stub.html"}}{{end}}' > "$home/public/emails/stub.html"
  echo '{{define "stub.txt"}}{{end}}' > "$home/public/emails/stub.txt"
}

# build_grafana builds the server into $CACHE (cold: ~20 min on 2 cores,
# ~3.6 GB module cache, ~2.5 GB build cache, ~3 GB peak memory in wire).
# A failed build leaves its directory $CACHE.build.* for a look; the next
# build removes it.
build_grafana() {
  log "building Grafana $GRAFANA_VERSION ($GRAFANA_MODULE@$GRAFANA_MODULE_VERSION) into $CACHE; cold this takes ~20 min"
  mkdir -p "$(dirname "$CACHE")"
  rm -rf "$CACHE".build.*
  local b
  b=$(mktemp -d "$CACHE.build.XXXXXX")
  local src
  src=$(grafana_source) || die "cannot download $GRAFANA_MODULE@$GRAFANA_MODULE_VERSION"
  cp -r "$src" "$b/grafana-src" && chmod -R u+w "$b/grafana-src"
  # pkg/server/wire_gen.go is generated, not part of the module. Grafana pins
  # wire v0.5.0, which panics under Go >= 1.22; v0.7.0 generates the same.
  log "wire gen ./pkg/server"
  (cd "$b/grafana-src" && nice -n 19 go run github.com/google/wire/cmd/wire@v0.7.0 gen -tags oss ./pkg/server)
  # Build through the wrapper module (scripts/grafana-e2e/go.mod: Grafana's
  # replace directives, ./grafana-src in place of the module).
  cp "$HERE/go.mod" "$HERE/go.sum" "$HERE/tools.go" "$b/"
  log "go build $GRAFANA_MODULE/pkg/cmd/grafana"
  (cd "$b" && nice -n 19 go build -ldflags "-X main.version=$GRAFANA_VERSION -X main.commit=$GRAFANA_COMMIT" \
    -o "$b/out/grafana" "$GRAFANA_MODULE/pkg/cmd/grafana")
  make_home "$b/grafana-src" "$b/out/home"
  rm -rf "$CACHE" && mv "$b/out" "$CACHE" && rm -rf "$b"
  log "built $CACHE/grafana"
}

if [ -n "${GRAFANA_BIN:-}" ]; then
  [ -x "$GRAFANA_BIN" ] || die "GRAFANA_BIN=$GRAFANA_BIN is not an executable"
  if [ -z "${GRAFANA_HOME:-}" ]; then
    if [ -f "$(dirname "$GRAFANA_BIN")/../conf/defaults.ini" ]; then
      GRAFANA_HOME=$(cd "$(dirname "$GRAFANA_BIN")/.." && pwd)
    else
      # A bare binary (e.g. one built earlier): the 10.0-pre home.
      [ -f "$CACHE/home/conf/defaults.ini" ] || make_home "$(grafana_source)" "$CACHE/home"
      GRAFANA_HOME=$CACHE/home
    fi
  fi
else
  [ -x "$CACHE/grafana" ] && [ -f "$CACHE/home/conf/defaults.ini" ] || build_grafana
  GRAFANA_BIN=$CACHE/grafana
  GRAFANA_HOME=${GRAFANA_HOME:-$CACHE/home}
fi
[ -f "$GRAFANA_HOME/conf/defaults.ini" ] || die "GRAFANA_HOME=$GRAFANA_HOME has no conf/defaults.ini"
log "Grafana: $GRAFANA_BIN ($("$GRAFANA_BIN" -v 2>/dev/null || echo "version unknown")), home $GRAFANA_HOME"

# --- 2. The plugin and the simulator ----------------------------------------

ARCH=$(go env GOARCH)
BACKEND=$ROOT/dist/gpx_auditlog_linux_$ARCH
if [ "${GRAFANA_E2E_NO_PLUGIN_BUILD:-}" != 1 ]; then
  # The backend is rebuilt when a Go source, go.mod or go.sum is newer.
  if [ ! -x "$BACKEND" ] || [ -n "$(find "$ROOT/pkg" "$ROOT/go.mod" "$ROOT/go.sum" -newer "$BACKEND" \( -name '*.go' -o -name 'go.*' \) -print -quit)" ]; then
    case $ARCH in
      amd64) target=build:linux ;;
      arm64) target=build:linuxARM64 ;;
      *) die "no mage target for linux/$ARCH" ;;
    esac
    command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2
    log "backend: mage -v $target"
    (cd "$ROOT" && nice -n 10 "$(command -v mage || echo "$(go env GOPATH)/bin/mage")" -v "$target")
  fi
  if [ ! -f "$ROOT/dist/module.js" ] || [ ! -f "$ROOT/dist/plugin.json" ]; then
    log "frontend: npm run build"
    (cd "$ROOT" && nice -n 10 npm run build)
  fi
fi
[ -x "$BACKEND" ] && [ -f "$ROOT/dist/plugin.json" ] || die "dist/ has no plugin.json or $(basename "$BACKEND")"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/grafana-e2e.XXXXXX")
PIDS=()
cleanup() {
  # Each server runs in its own process group (setsid), which also holds the
  # plugin process Grafana starts: end the groups, then the leftovers.
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "${GRAFANA_E2E_KEEP:-}" = 1 ]; then echo "kept $RUN (grafana.log, vendorsim.log, grafana.ini)"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "run directory $RUN"
mkdir -p "$RUN/plugins" "$RUN/data" "$RUN/provisioning"/{datasources,dashboards,alerting,plugins,notifiers}

# A copy of dist/ (this platform's binary only), so that a rebuild of dist/
# during the run does not change the plugin under test.
P=$RUN/plugins/$PLUGIN_ID
mkdir -p "$P"
(cd "$ROOT/dist" && find . -maxdepth 1 ! -name . ! -name 'gpx_*' -exec cp -r {} "$P/" \;)
cp "$BACKEND" "$P/"

log "building the simulator (go build ./cmd/vendorsim)"
(cd "$ROOT" && nice -n 10 go build -o "$RUN/vendorsim" ./cmd/vendorsim)

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
PORT=${GRAFANA_E2E_PORT:-$(free_port)}
SIM_PORT=${VENDORSIM_PORT:-$(free_port)}
while [ "$SIM_PORT" = "$PORT" ]; do SIM_PORT=$(free_port); done
GRAFANA_URL=http://127.0.0.1:$PORT
SIM_URL=http://127.0.0.1:$SIM_PORT

# --- 3. Provisioning and configuration -------------------------------------

# The data source: every provider URL pointed at the local simulator.
sed "s#http://vendorsim:8099#$SIM_URL#g" "$ROOT/provisioning/datasources/datasources.yml" > "$RUN/provisioning/datasources/datasources.yml"
[ "$(grep -c "$SIM_URL" "$RUN/provisioning/datasources/datasources.yml")" = 5 ] ||
  die "provisioning/datasources/datasources.yml no longer has five http://vendorsim:8099 URLs"
# The dashboards: the provider's path is the container's; point it here.
sed "s#/etc/grafana/provisioning/dashboards#$RUN/provisioning/dashboards#" "$ROOT/provisioning/dashboards/dashboards.yml" > "$RUN/provisioning/dashboards/dashboards.yml"
cp "$ROOT"/provisioning/dashboards/*.json "$RUN/provisioning/dashboards/"
# The alert rule, unchanged.
cp "$ROOT"/provisioning/alerting/*.yml "$RUN/provisioning/alerting/"

cat > "$RUN/grafana.ini" <<EOF
[server]
http_addr = 127.0.0.1
http_port = $PORT
[paths]
data = $RUN/data
logs = $RUN/data/log
plugins = $RUN/plugins
provisioning = $RUN/provisioning
[log]
mode = console
level = info
[auth.anonymous]
enabled = true
org_role = Admin
[analytics]
reporting_enabled = false
check_for_updates = false
check_for_plugin_updates = false
[news]
news_feed_enabled = false
[plugins]
allow_loading_unsigned_plugins = $PLUGIN_ID
[unified_alerting]
enabled = true
[alerting]
enabled = false
EOF

# --- 4. Start, check, stop ---------------------------------------------------

# The simulator as in docker-compose.yaml: 20000 events per provider, seed 1,
# 7 days ending now (truncated to the minute), the failed-login burst ~25 h ago.
setsid "$RUN/vendorsim" -addr "127.0.0.1:$SIM_PORT" -events 20000 -seed 1 > "$RUN/vendorsim.log" 2>&1 &
PIDS+=($!)
setsid "$GRAFANA_BIN" server --homepath "$GRAFANA_HOME" --config "$RUN/grafana.ini" > "$RUN/grafana.log" 2>&1 &
PIDS+=($!)

wait_for() { # name url seconds
  local i
  for ((i = 0; i < $3; i++)); do
    curl -sf -o /dev/null "$2" && return 0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done
    sleep 1
  done
  return 1
}
wait_for simulator "$SIM_URL/_sim/health" 60 || { cat "$RUN/vendorsim.log"; die "the simulator did not start"; }
log "simulator up on $SIM_URL"
# The first start creates and migrates a new SQLite database (~5 s here).
if ! wait_for grafana "$GRAFANA_URL/api/health" 240; then
  tail -40 "$RUN/grafana.log"
  die "Grafana did not start (log above)"
fi
log "Grafana up on $GRAFANA_URL"

status=0
GRAFANA_URL=$GRAFANA_URL SIM_URL=$SIM_URL ALERT_TIMEOUT=${ALERT_TIMEOUT:-180} \
  node "$HERE/checks.js" || status=$?
if [ "$status" != 0 ]; then
  echo "--- grafana.log, last plugin / provisioning / alerting / error lines:"
  grep -v 'logger=migrator' "$RUN/grafana.log" |
    grep -E 'level=error|logger=(plugin|provisioning|ngalert)' | tail -40 || true
fi
log "done in $(($(date +%s) - T0)) s"
exit "$status"
