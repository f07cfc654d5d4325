// npm test — everything CI runs, in order, with a summary at the end:
//   typecheck → lint → unit → build → integration on PGlite → integration on
//   a PostgreSQL 15 cluster started here → Playwright in Chromium.
// `--only a,b` runs some steps (names as above, e.g. --only unit,e2e).
// The two integration steps run side by side, one vitest process each (each
// step's output is printed whole when it ends); TEST_SERIAL=1 runs them one
// after the other.
// The last line is "tests: N passed, N failed[, N skipped]".
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from './build';
import { findPgBinDir, startPgCluster } from './lib/pg-cluster';

const require = createRequire(import.meta.url);
const STEPS = ['typecheck', 'lint', 'unit', 'build', 'integration-pglite', 'integration-postgresql', 'e2e'] as const;
type Step = (typeof STEPS)[number];
type Outcome = { step: Step; status: 'passed' | 'failed' | 'skipped'; seconds: number; note?: string; counts?: Counts; failures?: TFailedTest[] };
type Counts = { passed: number; failed: number; skipped: number };

const RESULTS_DIR = path.resolve('.cache/test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function parseOnly(): Set<Step> {
  const index = process.argv.indexOf('--only');
  if (index === -1) return new Set(STEPS);
  const names = (process.argv[index + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !STEPS.includes(n as Step));
  if (unknown.length || names.length === 0) {
    console.error(`--only takes a comma-separated list of: ${STEPS.join(', ')}`);
    process.exit(2);
  }
  return new Set(names as Step[]);
}

function run(command: string, args: string[], options: Omit<SpawnSyncOptions, 'env'> & { env?: Record<string, string> } = {}): boolean {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...options.env } as NodeJS.ProcessEnv });
  return result.status === 0;
}

function bin(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

type TFailedTest = { where: string; name: string; message: string };

/** The failed tests of a vitest JSON report, so the summary at the end (what a CI log's tail shows) names them. */
function vitestFailures(file: string): TFailedTest[] {
  if (!existsSync(file)) return [];
  const r = JSON.parse(readFileSync(file, 'utf8')) as { testResults: { name: string; message?: string; status?: string; assertionResults: { fullName: string; status: string; failureMessages?: string[] }[] }[] };
  return r.testResults.flatMap((f) => {
    const where = path.relative(process.cwd(), f.name);
    const failed = f.assertionResults.filter((a) => a.status === 'failed').map((a) => ({ where, name: a.fullName, message: a.failureMessages?.[0] ?? '' }));
    // A file that failed before any test ran (an import error, a hook) has no failed assertion of its own.
    return failed.length === 0 && f.status === 'failed' ? [{ where, name: '(the file itself)', message: f.message ?? '' }] : failed;
  });
}

/** The failed tests of a Playwright JSON report. */
function playwrightFailures(file: string): TFailedTest[] {
  if (!existsSync(file)) return [];
  type TSuite = { title: string; file?: string; specs?: { title: string; file: string; line: number; tests: { results: { status: string; error?: { message?: string } }[]; status?: string }[] }[]; suites?: TSuite[] };
  const r = JSON.parse(readFileSync(file, 'utf8')) as { suites?: TSuite[] };
  const out: TFailedTest[] = [];
  const walk = (suite: TSuite, titles: string[]) => {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status !== 'unexpected') continue;
        const last = test.results[test.results.length - 1];
        out.push({ where: `${spec.file}:${spec.line}`, name: [...titles, spec.title].filter(Boolean).join(' › '), message: last?.error?.message ?? '' });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of r.suites ?? []) walk(suite, []);
  return out;
}

function vitestCounts(file: string): Counts | undefined {
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

function playwrightCounts(file: string): Counts | undefined {
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, 'utf8')) as { stats: { expected: number; unexpected: number; skipped: number; flaky: number } };
  return { passed: r.stats.expected + r.stats.flaky, failed: r.stats.unexpected, skipped: r.stats.skipped };
}

type TVitestResult = { ok: boolean; counts?: Counts; failures: TFailedTest[] };

const vitestArgs = (project: string, out: string) => [bin('vitest', 'vitest.mjs'), 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];

/** vitest exits 1 with "no test files": a project without tests is an error, not a pass. */
function vitestResult(ok: boolean, out: string): TVitestResult {
  const counts = vitestCounts(out);
  return { ok: ok && (counts?.passed ?? 0) > 0, counts, failures: vitestFailures(out) };
}

function vitest(project: string, env: Record<string, string> = {}): TVitestResult {
  const out = path.join(RESULTS_DIR, `${project}.json`);
  rmSync(out, { force: true });
  return vitestResult(run(process.execPath, vitestArgs(project, out), { env }), out);
}

/** vitest for `project` in the background, its output to .cache/test-results/<project>.log; resolves when it exits. */
function vitestInBackground(project: string, env: Record<string, string>): Promise<TVitestResult & { seconds: number; log: string }> {
  const out = path.join(RESULTS_DIR, `${project}.json`);
  const log = path.join(RESULTS_DIR, `${project}.log`);
  rmSync(out, { force: true });
  const fd = openSync(log, 'w');
  const started = Date.now();
  const child = spawn(process.execPath, vitestArgs(project, out), { stdio: ['ignore', fd, fd], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env } as NodeJS.ProcessEnv });
  return new Promise((resolve) => {
    let finished = false;
    // A spawn failure emits 'error' and may still emit 'exit': the first one settles.
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      closeSync(fd);
      resolve({ ...vitestResult(ok, out), seconds: Math.round((Date.now() - started) / 100) / 10, log });
    };
    child.once('error', () => finish(false));
    child.once('exit', (code) => finish(code === 0));
  });
}

function ensureChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.getuid?.() !== 0) {
    return `Chromium is missing at ${CHROMIUM}. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium\n(or set CHROMIUM_PATH to a Chromium binary).`;
  }
  console.log('Chromium is missing; installing Debian’s chromium package…');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update', '-qq'], { env }) || !run('apt-get', ['install', '-y', '-qq', 'chromium'], { env })) {
    return 'apt-get install chromium failed.';
  }
  return existsSync(CHROMIUM) ? undefined : `apt-get installed chromium but ${CHROMIUM} does not exist.`;
}

/** integration-pglite and integration-postgresql (on a cluster started here) side by side; each one's output printed whole when both are done. */
async function integrationSideBySide(binDir: string): Promise<Outcome[]> {
  const cluster = await startPgCluster(binDir);
  console.log(`Started ${cluster.version} on port ${cluster.port} (${cluster.dataDir}).`);
  console.log('integration-pglite and integration-postgresql run side by side (TEST_SERIAL=1: one after the other); each one\'s output follows when both are done.');
  const started = Date.now();
  const heartbeat = setInterval(() => console.log(`… integration steps running, ${Math.round((Date.now() - started) / 60_000)} min`), 60_000);
  try {
    const [pglite, postgresql] = await Promise.all([
      vitestInBackground('integration-pglite', {}),
      vitestInBackground('integration-postgresql', { TEST_PG_ADMIN_URL: cluster.adminUrl, TEST_PG_BIN_DIR: binDir }),
    ]);
    const outcomes: Outcome[] = [];
    for (const [step, r] of [['integration-pglite', pglite], ['integration-postgresql', postgresql]] as const) {
      console.log(`\n━━━ ${step} (output) ━━━`);
      process.stdout.write(readFileSync(r.log));
      outcomes.push({ step, status: r.ok ? 'passed' : 'failed', seconds: r.seconds, counts: r.counts, failures: r.failures, note: 'side by side' });
    }
    return outcomes;
  } finally {
    clearInterval(heartbeat);
    cluster.stop();
  }
}

async function main(): Promise<number> {
  const only = parseOnly();
  mkdirSync(RESULTS_DIR, { recursive: true });
  const outcomes: Outcome[] = [];
  let buildFailed = false;
  let sideBySide = false;

  for (const step of STEPS) {
    if (!only.has(step) || (step === 'integration-postgresql' && sideBySide)) continue;
    console.log(`\n━━━ ${step} ━━━`);
    const started = Date.now();
    const done = (status: Outcome['status'], extra: Partial<Outcome> = {}) =>
      outcomes.push({ step, status, seconds: Math.round((Date.now() - started) / 100) / 10, ...extra });

    switch (step) {
      case 'typecheck':
        done(run(process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit']) ? 'passed' : 'failed');
        break;
      case 'lint':
        done(run(process.execPath, [bin('eslint', 'bin/eslint.js'), '--max-warnings=0', '.']) ? 'passed' : 'failed');
        break;
      case 'unit': {
        const r = vitest('unit');
        done(r.ok ? 'passed' : 'failed', { counts: r.counts, failures: r.failures });
        break;
      }
      case 'build': {
        // Proves the build never opens a database: point it at folders that must stay absent.
        const probe = mkdtempSync(path.join(os.tmpdir(), 'cmk-build-probe-'));
        const saved = { DATA_DIR: process.env.DATA_DIR, PGLITE_DIR: process.env.PGLITE_DIR, DATABASE_URL: process.env.DATABASE_URL };
        Object.assign(process.env, { DATA_DIR: path.join(probe, 'data'), PGLITE_DIR: path.join(probe, 'data', 'pglite') });
        delete process.env.DATABASE_URL;
        try {
          build();
          const touched = existsSync(path.join(probe, 'data'));
          buildFailed = touched;
          done(touched ? 'failed' : 'passed', touched ? { note: 'next build created a data directory' } : {});
        } catch (error) {
          buildFailed = true;
          done('failed', { note: (error as Error).message });
        } finally {
          for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
          rmSync(probe, { recursive: true, force: true });
        }
        break;
      }
      case 'integration-pglite': {
        const binDir = findPgBinDir();
        if (only.has('integration-postgresql') && binDir && process.env.TEST_SERIAL !== '1') {
          // Both backends at once, one core each: neither waits for the other's brokers, databases and sleeps.
          outcomes.push(...(await integrationSideBySide(binDir)));
          sideBySide = true;
          break;
        }
        const r = vitest('integration-pglite');
        done(r.ok ? 'passed' : 'failed', { counts: r.counts, failures: r.failures });
        break;
      }
      case 'integration-postgresql': {
        if (sideBySide) break;
        const binDir = findPgBinDir();
        if (!binDir) {
          console.log('\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!');
          console.log('!! SKIPPED: no PostgreSQL binaries (initdb, pg_ctl) found on this machine.     !!');
          console.log('!! Install postgresql-15 (apt-get install -y postgresql) or set PG_BIN_DIR.    !!');
          console.log('!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n');
          done('skipped', { note: 'no PostgreSQL binaries' });
          break;
        }
        const cluster = await startPgCluster(binDir);
        console.log(`Started ${cluster.version} on port ${cluster.port} (${cluster.dataDir}).`);
        try {
          const r = vitest('integration-postgresql', { TEST_PG_ADMIN_URL: cluster.adminUrl, TEST_PG_BIN_DIR: binDir });
          done(r.ok ? 'passed' : 'failed', { counts: r.counts, failures: r.failures });
        } finally {
          cluster.stop();
        }
        break;
      }
      case 'e2e': {
        if (buildFailed) {
          done('failed', { note: 'build failed' });
          break;
        }
        const problem = ensureChromium();
        if (problem) {
          console.error(problem);
          done('failed', { note: 'Chromium missing' });
          break;
        }
        const out = path.join(RESULTS_DIR, 'e2e.json');
        rmSync(out, { force: true });
        const ok = run(process.execPath, [bin('@playwright/test', 'cli.js'), 'test'], {
          env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out, CHROMIUM_PATH: CHROMIUM },
        });
        const counts = playwrightCounts(out);
        // With the broker stopped, its whole database and log are searched for the walk's canary secrets.
        const post = vitest('post-e2e');
        const merged = counts && post.counts ? { passed: counts.passed + post.counts.passed, failed: counts.failed + post.counts.failed, skipped: counts.skipped + post.counts.skipped } : counts;
        done(ok && post.ok && (counts?.passed ?? 0) > 0 ? 'passed' : 'failed', { counts: merged, failures: [...playwrightFailures(out), ...post.failures] });
        break;
      }
    }
  }

  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  console.log('\n━━━ summary ━━━');
  for (const o of outcomes) {
    const c = o.counts ? ` — ${o.counts.passed} passed, ${o.counts.failed} failed, ${o.counts.skipped} skipped` : '';
    console.log(`${o.status.padEnd(7)} ${o.step.padEnd(24)} ${String(o.seconds).padStart(6)} s${c}${o.note ? ` (${o.note})` : ''}`);
    if (o.counts) {
      total.passed += o.counts.passed;
      total.failed += o.counts.failed;
      total.skipped += o.counts.skipped;
    }
    // A failed step without test counts (typecheck, lint, build) counts as one failure.
    if (o.status === 'failed' && !o.counts?.failed) total.failed += 1;
  }
  const failures = outcomes.flatMap((o) => (o.failures ?? []).map((f) => ({ ...f, step: o.step })));
  if (failures.length > 0) {
    console.log('\n━━━ failed tests ━━━');
    for (const f of failures.slice(0, 30)) {
      // The first lines of the message, without colour codes: enough to know where to look.
      const message = f.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n').filter((line) => line.trim() !== '').slice(0, 4).map((line) => `    ${line.slice(0, 300)}`).join('\n');
      console.log(`✗ [${f.step}] ${f.where} › ${f.name}\n${message}`);
    }
    if (failures.length > 30) console.log(`… and ${failures.length - 30} more (see .cache/test-results/*.json)`);
  }
  const failed = outcomes.some((o) => o.status === 'failed');
  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log('\ntests: 0 passed, 1 failed');
    process.exit(1);
  },
);
