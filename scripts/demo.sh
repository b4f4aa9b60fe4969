#!/usr/bin/env bash
# npm run demo: the whole demo in one command. Installs the npm packages,
# Go modules and mage, builds the frontend and the backend for linux/amd64
# and linux/arm64 (Grafana's image runs on either) into dist/, then runs
# `docker compose up --build`: Grafana on http://localhost:3000 with the
# plugin, the vendor simulator and the provisioned data source, dashboard
# and alert rule. Arguments go to `docker compose up` (e.g. -d).
# Without Docker it says so in one line and stops before building.
# DOCKER names the docker command (scripts/check-demo.sh uses a stand-in).
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}

say() { echo "npm run demo: $*" >&2; }
if ! command -v "$DOCKER" >/dev/null 2>&1; then
  say "Docker is not installed here (no '$DOCKER' command): install Docker Engine or Docker Desktop with Compose v2, then run it again."
  exit 1
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  say "Docker is installed but its engine is not running or not reachable ('$DOCKER info' failed): start Docker, then run it again."
  exit 1
fi
if ! "$DOCKER" compose version >/dev/null 2>&1; then
  say "Docker Compose v2 is missing ('$DOCKER compose version' failed): install the compose plugin, then run it again."
  exit 1
fi
for tool in node npm go; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    say "'$tool' is not installed: the plugin is built on this machine before Docker starts; install Node.js 20+ and Go 1.26+, then run it again."
    exit 1
  fi
done

echo "=== npm packages, Go modules, mage"
npm install --no-audit --no-fund
go mod download
export PATH="$(go env GOPATH)/bin:$PATH"
command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2
echo "=== frontend (dist/)"
npm run -s build
echo "=== backend for linux/amd64 and linux/arm64 (dist/)"
mage -v build:linux build:linuxARM64
echo "=== docker compose up --build"
exec "$DOCKER" compose up --build "$@"
