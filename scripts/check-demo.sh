#!/usr/bin/env bash
# Checks `npm run demo` (scripts/demo.sh) without a Docker engine:
#  1. with no docker command, and with one whose engine does not answer,
#     it stops at once with one line saying so, and builds nothing;
#  2. with a stand-in for docker (tests/demo/docker) it installs, builds
#     dist/ (frontend, and the backend for linux/amd64 and linux/arm64,
#     which the compose Grafana loads from dist/), then calls
#     `docker compose up --build`.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
bad=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; bad=1; fi; }

printf '#!/bin/sh\nexit 1\n' >"$TMP/dead-docker" && chmod +x "$TMP/dead-docker"
for docker in "$TMP/no-such-docker" "$TMP/dead-docker"; do
  DOCKER=$docker bash scripts/demo.sh >"$TMP/out" 2>"$TMP/err"
  rc=$?
  check "without a working Docker ($(basename "$docker")) the demo stops with one line" \
    '[ $rc -ne 0 ] && [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^npm run demo: Docker" "$TMP/err"'
  sed 's/^/    /' "$TMP/err"
done

start=$(date +%s)
DOCKER=$ROOT/tests/demo/docker DEMO_RECORD=$TMP/compose bash scripts/demo.sh -d >"$TMP/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -30 "$TMP/build.log"
check "with Docker, the demo builds and runs docker compose up --build" '[ $rc -eq 0 ] && grep -qx "compose up --build -d" "$TMP/compose"'
for f in dist/module.js dist/plugin.json dist/gpx_auditlog_linux_amd64 dist/gpx_auditlog_linux_arm64; do
  check "the demo built $f" '[ -s "$f" ] && [ "$(stat -c %Y "$f")" -ge "$start" ]'
done
check "the compose Grafana loads the plugin from dist/" 'grep -q "\.\./dist:/var/lib/grafana/plugins/auditlens-auditlog-datasource" .config/docker-compose-base.yaml'
exit $bad
