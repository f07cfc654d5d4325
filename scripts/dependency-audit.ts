// npm run deps:audit [-- --strict]: runs `npm audit --omit=dev` and fails (exit
// 1) on any high or critical advisory that docs/dependency-exceptions.json does
// not explain. When npm cannot reach an advisory service (a registry mirror
// without the audit endpoint answers 405) it says so and exits 0, or 2 with
// --strict: an audit that did not run is never reported as clean.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { judgeAudit, readExceptions } from './lib/dependency-audit';
import { runMain } from './lib/run-main';

const ROOT = path.resolve(import.meta.dirname, '..');

runMain(async () => {
  const strict = process.argv.includes('--strict');
  const exceptions = readExceptions(JSON.parse(readFileSync(path.join(ROOT, 'docs/dependency-exceptions.json'), 'utf8')));
  const npm = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  let report: unknown = null;
  try {
    report = JSON.parse(npm.stdout);
  } catch {
    report = { message: npm.error?.message ?? (npm.stderr.trim().split('\n').at(-1) || 'npm audit printed no JSON') };
  }
  const verdict = judgeAudit(report, exceptions);
  if (verdict.kind === 'unavailable') {
    console.warn(`npm audit --omit=dev could not run: ${verdict.reason}`);
    console.warn('No result: the dependencies are NOT known to be free of high or critical advisories (docs/reliability.md).');
    return strict ? 2 : 0;
  }
  const counts = Object.entries(verdict.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  console.log(`npm audit --omit=dev: ${counts || 'no vulnerabilities'}.`);
  for (const a of verdict.advisories) {
    const note = verdict.unexplained.includes(a) ? 'NOT EXPLAINED' : 'explained in docs/dependency-exceptions.json';
    console.log(`  ${a.severity} ${a.id} ${a.package} ${a.range}: ${a.title} — ${note}`);
  }
  for (const e of verdict.staleExceptions) console.warn(`  docs/dependency-exceptions.json lists ${e.advisory} (${e.package}), which npm no longer reports: remove it.`);
  if (verdict.unexplained.length > 0) {
    console.error(`${verdict.unexplained.length} high or critical advisory(ies) without an explanation: upgrade, or explain each in docs/dependency-exceptions.json.`);
    return 1;
  }
  return 0;
});
