#!/usr/bin/env bash
# Packages the plugin the way Grafana installs it and checks the package
# (npm run validate). Exit status 1 on any error-level finding.
#
#  1. Builds what dist/ lacks (frontend: npm run build; backend: mage -v);
#     --build rebuilds both first.
#  2. node scripts/package-plugin.js writes artifacts/<id>-<version>.zip (one
#     top-level folder named after the plugin id, executables 0755) and runs
#     this project's offline package checks.
#  3. Grafana's plugin validator (plugincheck2, checked against v0.45.6) on
#     that zip, if one is installed: $PLUGINCHECK2, or plugincheck2 on PATH.
#     Each analyzer that works offline runs on its own (-analyzer), with the
#     repository's committed and new files as the source code. gosec and
#     semgrep, if on PATH, are used by its go-sec and code-rules analyzers.
#     No validator: said so, step skipped (VALIDATE_REQUIRE_VALIDATOR=1 makes
#     that an error). VALIDATE_ONLINE=1, on a machine with internet access,
#     runs every analyzer in one go instead.
#
# Output goes to $VALIDATE_OUT (default artifacts/, ignored by git).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${VALIDATE_OUT:-$ROOT/artifacts}
VALIDATOR_VERSION=v0.45.6
export PATH="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin:$PATH"

# Grafana plugin validator analyzers that need no network (v0.45.6). The
# others, and why they are skipped: docs/testing.md, "Plugin package and Grafana's
# plugin validator". published-plugin, a dependency of manifest, pluginname,
# version and legacybuilder, asks grafana.com and reads "unknown" offline,
# which those analyzers treat as an unpublished plugin, as this one is.
OFFLINE_ANALYZERS=(
  archive archivename backendbinary backenddebug binarypermissions buildtools
  changelog code-rules discoverability go-manifest go-sec grafanadependency
  includesnested jargon jsMap legacybuilder license logos manifest metadata
  modulejs nestedmetadata packagejson plugindocs pluginname readme
  restrictivedep signature sourcecode sponsorshiplink templatereadme
  trackingscripts typesuffix unsafesvg version
)

# 1. Build what is missing.
if [ "${1:-}" = "--build" ] || [ ! -f dist/module.js ] || [ ! -f dist/plugin.json ]; then
  echo "--- frontend build"
  mkdir -p "$OUT"
  npm run -s build >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; echo "frontend build failed"; exit 1; }
fi
EXE=$(node -p "require('./src/plugin.json').executable || ''")
if [ -n "$EXE" ] && { [ "${1:-}" = "--build" ] || [ ! -f "dist/${EXE}_linux_amd64" ]; }; then
  echo "--- backend build (mage -v)"
  command -v mage >/dev/null || go install github.com/magefile/mage@v1.17.2 || exit 1
  mkdir -p "$OUT"
  mage -v >"$OUT/mage.log" 2>&1 || { tail -30 "$OUT/mage.log"; echo "backend build failed (mage -v)"; exit 1; }
fi

# 2. The zip and the package checks.
echo "--- package"
mkdir -p "$OUT"
node scripts/package-plugin.js --dist dist --out "$OUT"
RC=$?
ID=$(node -p "require('./dist/plugin.json').id")
ZIP="$OUT/$ID-$(node -p "require('./dist/plugin.json').info.version").zip"
[ -f "$ZIP" ] || exit 1

# 3. Grafana's plugin validator.
echo "--- Grafana plugin validator"
PLUGINCHECK2=${PLUGINCHECK2:-$(command -v plugincheck2 || true)}
if [ -z "$PLUGINCHECK2" ] || [ ! -x "$PLUGINCHECK2" ]; then
  echo "skipped: plugincheck2 is not installed (set PLUGINCHECK2=/path/to/plugincheck2;"
  echo "github.com/grafana/plugin-validator $VALIDATOR_VERSION, see docs/testing.md, \"Plugin package and Grafana's plugin validator\")"
  [ "${VALIDATE_REQUIRE_VALIDATOR:-}" = 1 ] && RC=1
  exit $RC
fi
BUILT=$(go version -m "$PLUGINCHECK2" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/grafana/plugin-validator" {print $3}')
echo "validator: $PLUGINCHECK2 (module version ${BUILT:-unknown}; analyzer list checked against $VALIDATOR_VERSION)"
for tool in gosec semgrep; do
  command -v $tool >/dev/null || echo "note: $tool is not on PATH: its analyzer (go-sec / code-rules) reports nothing"
done

VOUT="$OUT/validator"
rm -rf "$VOUT" && mkdir -p "$VOUT"
# The source code as a reviewer gets it: committed and new files, no ignored
# ones. Outside the repository, so that Jest and ESLint never see the copy.
SRC=$(mktemp -d)
# The validator unpacks the zip into a new temporary folder per run and
# leaves it there (160 MB each, one run per analyzer): give it its own.
VTMP=$(mktemp -d)
trap 'rm -rf "$SRC" "$VTMP"' EXIT
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$SRC" 2>/dev/null
{
  echo "global:"
  if [ "${VALIDATE_ONLINE:-}" = 1 ]; then
    echo "  enabled: true"
  else
    echo "  enabled: false"
    echo "analyzers:"
    for a in "${OFFLINE_ANALYZERS[@]}"; do echo "  $a: { enabled: true }"; done
  fi
} >"$VOUT/config.yaml"

run_validator() { # name, then extra flags
  local name=$1
  shift
  TMPDIR="$VTMP" DEBUG=1 "$PLUGINCHECK2" -config "$VOUT/config.yaml" -sourceCodeUri "file://$SRC" \
    -output-to-file "$VOUT/$name.json" "$@" "$ZIP" >"$VOUT/$name.log" 2>&1
}
if [ "${VALIDATE_ONLINE:-}" = 1 ]; then
  run_validator all
else
  for a in "${OFFLINE_ANALYZERS[@]}"; do
    run_validator "$a" -analyzer "$a"
  done
fi

# One report from the per-analyzer results; an analyzer that stopped on an
# error (the validator only logs that) or that this version does not know
# counts as an error too.
node - "$VOUT" "${VALIDATE_ONLINE:-0}" "${OFFLINE_ANALYZERS[@]}" <<'EOF' || RC=1
const fs = require('fs');
const path = require('path');
const [dir, online, ...analyzers] = process.argv.slice(2);
const runs = online === '1' ? ['all'] : analyzers;
const seen = new Set();
const findings = [];
const problems = [];
for (const name of runs) {
  const log = fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');
  if (name !== 'all' && !log.includes(`Running analyzer ${name}\n`)) {
    problems.push(`${name}: not an analyzer of this validator version`);
    continue;
  }
  const failed = log.match(/check failed: (.*)/);
  if (failed) {
    problems.push(`${name}: stopped with an error: ${failed[1]}`);
  }
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) {
    problems.push(`${name}: no report (see ${path.join(dir, name + '.log')})`);
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'))['plugin-validator'] || {};
  for (const [analyzer, diags] of Object.entries(report)) {
    for (const d of diags) {
      const key = `${analyzer}\0${d.Name}\0${d.Title}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push({ analyzer, ...d });
      }
    }
  }
}
const order = { error: 0, warning: 1, suspected: 2, recommendation: 3, ok: 4 };
findings.sort((a, b) => (order[a.Severity] ?? 9) - (order[b.Severity] ?? 9));
for (const f of findings) {
  console.log(`${f.Severity.padEnd(14)} ${f.analyzer} (${f.Name}): ${f.Title}`);
  if (f.Detail) {
    console.log(`${' '.repeat(15)}${f.Detail.replace(/\s+/g, ' ').slice(0, 400)}`);
  }
}
for (const p of problems) {
  console.log(`error          ${p}`);
}
fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ findings, problems }, null, 2));
const errors = findings.filter((f) => f.Severity === 'error').length + problems.length;
const count = (s) => findings.filter((f) => f.Severity === s).length;
console.log(
  `validator: ${runs.length} analyzer runs, ${errors} errors, ${count('warning')} warnings, ` +
    `${count('recommendation') + count('suspected')} recommendations (report: ${path.join(dir, 'report.json')})`
);
process.exit(errors ? 1 : 0);
EOF
exit $RC
