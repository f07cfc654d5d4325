// Full sync (issue 8, benchmark 3): a proxy client goes from nothing to a
// fully verified copy of every tenant's configurations — by default 10 000
// tenants × 3 configurations, real keys and crypto — against the production
// broker on the embedded database. The client runs in its own process
// (bench/lib/full-sync-child.ts): reported are its time and peak resident
// memory and CPU time, and the broker's CPU time during the sync and its
// resident memory before and its peak after.
// Seeding takes a few minutes; it is not timed.
//
//   npm run bench -- full-sync [--tenants 10000] [--configs 3]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_SECRETS, cpuSecondsOf, memoryOf, printTable, seedBenchWorld, startBenchBroker, stopChild, type BenchSummary } from './lib/broker';

type ChildResult = { ms: number; cpuMs: number; peakMb: number; tenants: number; configurations: number; errors: number };

function runChild(credentialsFile: string, pinsFile: string): Promise<{ result: ChildResult; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/lib/full-sync-child.ts', credentialsFile, pinsFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the proxy client failed (${code}):\n${err}`));
      else resolve({ result: JSON.parse(out.trim().split('\n').at(-1) as string) as ChildResult, wallMs: performance.now() - started });
    });
  });
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { tenants: { type: 'string', default: '10000' }, configs: { type: 'string', default: '3' } }, strict: true });
  const tenants = Number(values.tenants);
  const configs = Number(values.configs);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-sync-'));
  let broker: Awaited<ReturnType<typeof startBenchBroker>> | undefined;
  try {
    const seedStarted = Date.now();
    console.log(`seeding ${tenants} tenants × ${configs} configurations…`);
    const world = await seedBenchWorld(path.join(base, 'pglite'), tenants, configs, (done) => console.log(`  ${done}/${tenants} (${Math.round((Date.now() - seedStarted) / 1000)} s)`));
    broker = await startBenchBroker(path.join(base, 'pglite'), path.join(base, 'data'));
    const credentialsFile = path.join(base, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify({ ...world.credentials, brokerUrl: broker.origin }));
    chmodSync(credentialsFile, 0o600);
    const before = memoryOf(broker.child.pid as number);
    const brokerCpuBefore = cpuSecondsOf(broker.child.pid as number);
    const { result, wallMs } = await runChild(credentialsFile, path.join(base, 'pins.json'));
    const after = memoryOf(broker.child.pid as number);
    const brokerCpu = cpuSecondsOf(broker.child.pid as number) - brokerCpuBefore;
    if (result.tenants !== tenants || result.configurations !== tenants * configs || result.errors !== 0) {
      throw new Error(`incomplete sync: ${JSON.stringify(result)}`);
    }
    console.log(`\nFull sync of ${tenants} tenants × ${configs} configurations (production broker, PGlite; client in its own process on the same 2 cores).\n`);
    printTable(
      ['measure', 'value'],
      [
        ['client: empty → fully verified (s)', (result.ms / 1000).toFixed(1)],
        ['client: with process start (s)', (wallMs / 1000).toFixed(1)],
        ['client: CPU time, every thread (s)', (result.cpuMs / 1000).toFixed(1)],
        ['client: peak resident memory (MB)', result.peakMb.toFixed(0)],
        ['broker: CPU time during the sync (s)', brokerCpu.toFixed(1)],
        ['broker: resident before (MB)', before.rssMb.toFixed(0)],
        ['broker: peak resident (MB)', after.peakMb.toFixed(0)],
        ['verified configurations', String(result.configurations)],
      ],
    );
    return [
      { measure: `full sync ${tenants}×${configs}: client s`, value: (result.ms / 1000).toFixed(1), target: '< 10' },
      { measure: `full sync ${tenants}×${configs}: client peak MB`, value: result.peakMb.toFixed(0), target: '< 512' },
      { measure: `full sync ${tenants}×${configs}: client CPU s`, value: (result.cpuMs / 1000).toFixed(1) },
      { measure: `full sync ${tenants}×${configs}: broker CPU s`, value: brokerCpu.toFixed(1) },
      { measure: `full sync ${tenants}×${configs}: broker peak MB`, value: after.peakMb.toFixed(0) },
    ];
  } finally {
    if (broker) await stopChild(broker.child);
    rmSync(base, { recursive: true, force: true });
  }
}
