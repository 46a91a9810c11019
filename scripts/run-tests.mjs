#!/usr/bin/env node
/**
 * `npm test`: every check a submission must pass, in one run —
 * typecheck, lint, the vitest unit/integration suite and the Playwright e2e
 * suite (which needs the built renderer). Ends with the plain line
 * `N passed, N failed` that CI reads; exits non-zero if anything failed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const resultsDir = path.join(root, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });

let passed = 0;
let failed = 0;
const summary = [];

function run(label, command, args, env = {}) {
  const started = Date.now();
  process.stdout.write(`\n=== ${label}: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return { status: result.status ?? 1, seconds };
}

function check(label, command, args) {
  const { status, seconds } = run(label, command, args);
  if (status === 0) passed += 1;
  else failed += 1;
  summary.push(`${label}: ${status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const STEPS = ['typecheck', 'lint', 'unit', 'e2e'];
const only = process.argv.slice(2);
const unknown = only.filter((step) => !STEPS.includes(step));
if (unknown.length > 0) {
  // A misspelt step would otherwise run nothing and report success.
  process.stderr.write(`Unknown test step(s): ${unknown.join(', ')}. Steps: ${STEPS.join(', ')}.\n0 passed, 1 failed\n`);
  process.exit(2);
}
const want = (step) => only.length === 0 || only.includes(step);

if (want('typecheck')) check('typecheck', 'npm', ['run', '--silent', 'typecheck']);
if (want('lint')) check('lint', 'npm', ['run', '--silent', 'lint']);

if (want('unit')) {
  const report = path.join(resultsDir, 'vitest.json');
  fs.rmSync(report, { force: true });
  const { status, seconds } = run('unit + integration (vitest)', npx, [
    'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`,
  ]);
  const json = readJson(report);
  if (json) {
    // A skipped or todo test is a test that did not run: it counts as a failure.
    const skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
    passed += json.numPassedTests ?? 0;
    failed += (json.numFailedTests ?? 0) + (json.numFailedTestSuites && !json.numFailedTests ? json.numFailedTestSuites : 0) + skipped;
    summary.push(
      `vitest: ${json.numPassedTests} passed, ${json.numFailedTests} failed, ${skipped} skipped, ${json.numFailedTestSuites} failed suites (${seconds} s)`,
    );
    if (skipped > 0) {
      for (const file of json.testResults ?? []) {
        for (const test of file.assertionResults ?? []) {
          if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') {
            summary.push(`  skipped: ${path.relative(root, file.name)} › ${test.fullName}`);
          }
        }
      }
    }
  }
  if (!json || (status !== 0 && (json.numFailedTests ?? 0) === 0 && (json.numFailedTestSuites ?? 0) === 0)) {
    failed += 1;
    summary.push(`vitest: runner failed with exit code ${status} (${seconds} s)`);
  }
}

if (want('e2e')) {
  const build = run('build the admin UI', 'npm', ['run', '--silent', 'build:renderer']);
  if (build.status !== 0) {
    failed += 1;
    summary.push('e2e: the renderer build failed, e2e not run');
  } else {
    const report = path.join(resultsDir, 'e2e.json');
    fs.rmSync(report, { force: true });
    const { status, seconds } = run('e2e (Playwright, Chromium)', npx, ['playwright', 'test'], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: report,
    });
    const json = readJson(report);
    if (json?.stats) {
      const ok = (json.stats.expected ?? 0) + (json.stats.flaky ?? 0);
      const skipped = json.stats.skipped ?? 0;
      const bad = (json.stats.unexpected ?? 0) + skipped;
      passed += ok;
      failed += bad;
      summary.push(`e2e: ${ok} passed, ${json.stats.unexpected ?? 0} failed, ${skipped} skipped (${seconds} s)`);
    }
    if (!json?.stats || (status !== 0 && (json.stats.unexpected ?? 0) === 0)) {
      failed += 1;
      summary.push(`e2e: runner failed with exit code ${status} (${seconds} s)`);
    }
  }
}

process.stdout.write(`\n=== summary\n${summary.map((s) => `  ${s}`).join('\n')}\n\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
