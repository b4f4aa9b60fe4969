// Prints the runners' own summary lines and one totals line
// "N passed, N failed" from the result files of scripts/test.sh.
const fs = require('fs');
const path = require('path');

const [dir, failedStepCount, failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

// `summary.js --go FILE LABEL`: one line for one go test run (scripts/test.sh).
if (dir === '--go') {
  const [file, label] = [failedStepCount, failedSteps];
  const c = goCounts(file, false);
  console.log(`Go at ${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  process.exit(0);
}

// Jest (--json)
const jestFile = path.join(dir, 'jest.json');
if (fs.existsSync(jestFile)) {
  const j = JSON.parse(fs.readFileSync(jestFile, 'utf8'));
  console.log(
    `Jest: Tests: ${j.numFailedTests} failed, ${j.numPassedTests} passed, ${j.numPendingTests} skipped, ${j.numTotalTests} total (${j.numTotalTestSuites} suites)`
  );
  for (const s of j.testResults) {
    for (const a of s.assertionResults) {
      if (a.status === 'failed') {
        console.log(`  FAIL ${path.relative(process.cwd(), s.name)} › ${a.fullName}`);
      }
    }
  }
  passed += j.numPassedTests;
  failed += j.numFailedTests;
  skipped += j.numPendingTests;
} else {
  console.log('Jest: no results (the run did not finish)');
  failed += 1;
}

// go test -json: counts every test; printPackages also prints the package
// lines go test prints, and each failed test.
function goCounts(file, printPackages) {
  const c = { passed: 0, failed: 0, skipped: 0 };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) {
      continue;
    }
    const ev = JSON.parse(line);
    if (printPackages && !ev.Test && ev.Action === 'output' && /^(ok|FAIL|---|\?)\s/.test(ev.Output)) {
      process.stdout.write(ev.Output);
    }
    if (ev.Test && ev.Action === 'output' && /^\s*--- FAIL/.test(ev.Output)) {
      process.stdout.write(ev.Output);
    }
    if (ev.Test) {
      if (ev.Action === 'pass') {
        c.passed++;
      } else if (ev.Action === 'fail') {
        c.failed++;
      } else if (ev.Action === 'skip') {
        c.skipped++;
      }
    }
  }
  return c;
}

const goFile = path.join(dir, 'go-test.json');
if (fs.existsSync(goFile)) {
  const c = goCounts(goFile, true);
  console.log(`Go: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
} else {
  console.log('Go: no results');
  failed += 1;
}
// The Go suite again at other instants (go-test-at-<RFC 3339>.json).
for (const name of fs
  .readdirSync(dir)
  .filter((n) => /^go-test-at-.*\.json$/.test(n))
  .sort()) {
  const c = goCounts(path.join(dir, name), false);
  const at = name.slice('go-test-at-'.length, -'.json'.length);
  console.log(
    `Go with the clock at ${at} (AUDITLOG_NOW): ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`
  );
  if (c.passed === 0) {
    // A run that stopped before any test (a build error) proves nothing.
    c.failed += 1;
  }
  passed += c.passed;
  failed += c.failed;
  skipped += c.skipped;
}

// Browser tests (Playwright's JSON report).
const browserFile = path.join(dir, 'browser.json');
if (fs.existsSync(browserFile)) {
  const b = JSON.parse(fs.readFileSync(browserFile, 'utf8'));
  const s = b.stats || {};
  const bp = (s.expected || 0) + (s.flaky || 0);
  const bf = (s.unexpected || 0) + (b.errors || []).length;
  const bs = s.skipped || 0;
  console.log(`Browser: ${bp} passed, ${bf} failed, ${bs} skipped`);
  passed += bp;
  failed += bf;
  skipped += bs;
} else {
  console.log('Browser: no results');
  failed += 1;
}

const steps = Number(failedStepCount || 0);
if (steps > 0) {
  console.log(`Failed steps: ${failedSteps}`);
  // A failed step (typecheck, lint, build...) counts as a failure even when
  // no test reported one.
  failed += steps;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
