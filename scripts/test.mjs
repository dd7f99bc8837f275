#!/usr/bin/env node
// Runs every check `npm test` promises, in order, and ends with one line `N passed, N failed`
// summing cargo's, vitest's and the release check's counts (a failed format, lint or type check counts as one
// failure), so CI reads one total. Exit code is non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const bin = (pkg, path) => join(dirname(require.resolve(`${pkg}/package.json`)), path);

let passed = 0;
let failed = 0;
const failures = [];

function step(name, cmd, args, { capture = false, env = {} } = {}) {
  console.log(`\n=== ${name}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (capture) process.stdout.write(result.stdout ?? '');
  const ok = result.status === 0;
  console.log(
    `=== ${name}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return { ok, stdout: result.stdout ?? '' };
}

function check(name, cmd, args) {
  const { ok } = step(name, cmd, args);
  if (!ok) {
    failed += 1;
    failures.push(name);
  }
}

check('rustfmt', 'cargo', ['fmt', '--all', '--check']);
// All features: the test-only exports of the binding (`testing`) are linted too.
check('clippy', 'cargo', ['clippy', '--workspace', '--all-targets', '--all-features', '--', '-D', 'warnings']);

const cargo = step('cargo test', 'cargo', ['test', '--workspace', '--color', 'never'], { capture: true });
let cargoCounted = 0;
for (const m of cargo.stdout.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
  passed += Number(m[1]);
  failed += Number(m[2]);
  cargoCounted += Number(m[1]) + Number(m[2]);
}
if (!cargo.ok && cargoCounted === 0) {
  failed += 1;
  failures.push('cargo test (did not run)');
} else if (!cargo.ok) failures.push('cargo test');

check('biome', process.execPath, [bin('@biomejs/biome', 'bin/biome'), 'check', '--error-on-warnings', '.']);
check('tsc --strict', process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json']);

const report = join(root, '.vitest-report.json');
rmSync(report, { force: true });
const vitest = step('vitest', process.execPath, [
  bin('vitest', 'vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  // A suite that fails to load has no tests to count; it must still fail the run.
  const brokenSuites = json.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0);
  failed += brokenSuites.length;
  if (!vitest.ok) failures.push('vitest');
} else {
  failed += 1;
  failures.push('vitest (no report)');
}

// The API reference: every warning (a broken link, an undocumented export's hover) is an error.
check('typedoc (warnings are errors)', process.execPath, [
  bin('typedoc', 'bin/typedoc'),
  '--treatWarningsAsErrors',
  '--out',
  join(root, 'docs', 'api'),
]);

// The packed tarballs, installed with npm into fresh apps (scripts/release-check.mjs); its checks
// are counted like tests.
const release = step('release-check', process.execPath, [join(root, 'scripts', 'release-check.mjs')], {
  capture: true,
});
const releaseTotals = /release-check: (\d+) passed, (\d+) failed/.exec(release.stdout);
if (releaseTotals) {
  passed += Number(releaseTotals[1]);
  failed += Number(releaseTotals[2]);
  if (!release.ok) failures.push('release-check');
} else {
  failed += 1;
  failures.push('release-check (did not finish)');
}

if (failures.length > 0) console.log(`\nfailed steps: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || failures.length > 0 ? 1 : 0);
