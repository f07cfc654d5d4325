// Shared by the benchmarks: the production broker in a child process (stdout,
// where the access log goes, to /dev/null), its memory from /proc, a seeded
// world with one deployment, and a Markdown table.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { newAccount } from '@/lib/testing/api-client';
import { seedFleet, type FleetRecipient, type FleetTenant } from '@/lib/testing/fleet';
import { freePort } from '@/scripts/lib/pg-cluster';

export const BENCH_SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };

/** What a benchmark hands to `npm run bench` for the summary: its headline figures. */
export type BenchSummary = { measure: string; value: string; target?: string }[];

export type Spawned = { child: ChildProcess; log: () => string };

/** stdout goes nowhere; the last of stderr is kept for a failure message. */
export function spawnQuiet(args: string[], env: Record<string, string>): Spawned {
  let tail = '';
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return { child, log: () => tail };
}

export async function waitUntilUp(url: string, spawned: Spawned): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) throw new Error(`server exited:\n${spawned.log()}`);
    if (await fetch(url).then((r) => r.status < 500, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server did not come up:\n${spawned.log()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** The production broker (scripts/start.ts) on the embedded database in `pgliteDir`. */
export async function startBenchBroker(pgliteDir: string, dataDir: string, extra: Record<string, string> = {}): Promise<Spawned & { origin: string }> {
  const port = await freePort();
  const spawned = spawnQuiet(['scripts/node.mjs', 'scripts/start.ts'], {
    ...BENCH_SECRETS,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    PORT: String(port),
    PGLITE_DIR: pgliteDir,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    DEMO_DATA: 'false',
    ...extra,
  });
  const origin = `http://localhost:${port}`;
  await waitUntilUp(`${origin}/api/health`, spawned);
  return { ...spawned, origin };
}

/** Resident memory of a process in MB: now (VmRSS) and its peak so far (VmHWM). */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time a process has used so far (user + system, all threads), in seconds. */
export function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the parenthesised command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export type BenchWorld = { operatorId: string; deploymentId: string; apiKey: string; credentials: TProxyCredentials; fleet: FleetTenant[]; recipients: FleetRecipient[] };

/**
 * An operator, environment `env_bench`, one deployment every tenant approved, and `tenants` tenants with
 * `configsPerTenant` sealed configurations each (real keys and crypto, lib/testing/fleet.ts).
 */
export async function seedBenchWorld(pgliteDir: string, tenants: number, configsPerTenant: number, onProgress?: (done: number) => void): Promise<BenchWorld> {
  const db = await initDatabase({ env: { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 5 }, migrate: true });
  try {
    const account = await newAccount('bench@vendor.example', `bench quartz lantern ${randomBytes(4).toString('hex')}`);
    const operator = await createUser(db.prisma, await prepareAccount({ ...account.body, email: 'bench@vendor.example' } as never, true));
    await db.prisma.environment.create({ data: { id: 'env_bench', slug: 'bench', displayName: 'Bench' } });
    const pair = await generateJwkPair('ecdh');
    const created = await createDeployment({ id: operator.id } as CurrentUser, { name: 'bench-proxy', environmentId: 'env_bench', publicJwk: pair.publicJwk as never });
    const recipients = [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }];
    const fleet: FleetTenant[] = [];
    for (let first = 0; first < tenants; first += 1000) {
      fleet.push(...(await seedFleet(db.prisma, { environmentId: 'env_bench', count: Math.min(1000, tenants - first), first, configsPerTenant, recipients, prefix: 'bench' })));
      onProgress?.(fleet.length);
    }
    const credentials = { ...created.credentials, privateJwk: { ...pair.privateJwk, alg: 'ECDH-ES+A256KW', use: 'enc' } } as unknown as TProxyCredentials;
    return { operatorId: operator.id, deploymentId: created.deployment.id, apiKey: created.apiKey, credentials, fleet, recipients };
  } finally {
    await closeDatabase();
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** A Markdown table; columns after the first are right-aligned. */
export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
