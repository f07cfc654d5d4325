// Usage counters' storage at scale (docs/database.md "Usage counters"): seeds
// N tenants (default 10 000) with one KMS configuration each, approved for
// one deployment, into a fresh embedded database — and into a temporary
// PostgreSQL cluster when its binaries exist — then times, in process:
//   - a status report carrying a minute from every tenant (minute rows SET, hour rows moved by the difference), with
//     the hour's 59 other minutes stored, and the same report again (SET: it replaces);
//   - pruning a backlog of minute rows (one report's bounded batch);
//   - the tenant admin's 24 h and 30 d chart queries, with 30 days of hourly rows for the charted configuration and
//     24 hours of them for every tenant;
//   - the operators' per-tenant summary and the overview's top tenants;
// and prints the tables' sizes per row.
//
//   npm run bench -- usage-storage [--count 10000] [--runs 20] [--backend pglite|postgresql|both]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TUsageMinute } from '@/lib/schemas/usage';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { recordStatus } from '@/lib/server/deployments/status';
import { getConfigUsage, pruneUsage, summarizeTenantUsage, topTenantsByUsage, USAGE_PRUNE_BATCH } from '@/lib/server/deployments/usage';
import { BENCH_SECRETS, percentile, printTable, type BenchSummary } from './lib/broker';
import { withBenchPostgres } from './lib/pg-bench';

const HOUR = 3_600_000;
const ext = (i: number) => `us-${String(i).padStart(6, '0')}`;
const cfg = (i: number) => `c_usage${String(i).padStart(6, '0')}aaaaaaaa`;

async function timeIt<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function repeat(runs: number, work: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const { ms } = await timeIt(work);
    if (i >= 2) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function measure(backend: string, env: Record<string, string>, count: number, runs: number): Promise<string[][]> {
  const db = await initDatabase({ env: { ...env, DATABASE_POOL_MAX: 5 } as never, migrate: true });
  try {
    await db.prisma.environment.create({ data: { id: 'env_us', slug: 'us', displayName: 'Usage' } });
    const { publicJwk } = await generateJwkPair('ecdh');
    const created = (await createDeployment({ id: 'usr_bench' } as CurrentUser, { name: 'bench-1', environmentId: 'env_us', publicJwk: publicJwk as never })).deployment;
    const dep = { id: created.id, kid: created.kid, environmentId: 'env_us' };
    for (let from = 0; from < count; from += 5_000) {
      const ids = Array.from({ length: Math.min(5_000, count - from) }, (_, k) => from + k);
      await db.prisma.tenant.createMany({ data: ids.map((i) => ({ id: `ten_us_${i}`, externalId: ext(i), displayName: `T${i}`, environmentId: 'env_us', status: 'active', recipientKids: [dep.kid] })) });
      await db.prisma.tenantConfig.createMany({ data: ids.map((i) => ({ id: cfg(i), tenantId: `ten_us_${i}`, kind: 'kms', provider: 'aws-kms', label: 'K', latestVersion: 1 })) });
    }
    const now = Date.now();
    // The last minute of an hour whose 59 other minutes are stored for every tenant (the rollup adds differences: they are not read).
    const minute = new Date(now - (now % HOUR) - 60_000).toISOString();
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO config_usage_minute (deployment_id, instance_id, tenant_id, config_id, minute, wraps, unwraps, rekeys, failed, failures, leased_hits, siem_sent, siem_dropped, reported_at)
       SELECT $1, 'bench-i1', 'ten_us_' || i, 'c_usage' || lpad(i::text, 6, '0') || 'aaaaaaaa', $3::timestamptz - m * interval '1 minute', 50, 50, 0, 0, '{}'::jsonb, 0, 0, 0, $3
         FROM generate_series(0, $2 - 1) AS i, generate_series(1, 59) AS m`,
      dep.id, count, new Date(minute),
    );
    const usage: TUsageMinute[] = Array.from({ length: count }, (_, i) => ({
      tenantId: ext(i), configId: cfg(i), minute, wraps: 50, unwraps: 50, rekeys: 0, failures: (i % 10 === 0 ? { '206': 1 } : {}) as Record<string, number>, leasedHits: 0, siemSent: 0, siemDropped: 0,
    }));
    const report = { cursor: null, tenants: [], errors: [], instanceId: 'bench-i1', usage };
    const first = await timeIt(() => recordStatus(dep, report));
    const again = await timeIt(() => recordStatus(dep, report));

    // History: 24 hours of hourly rows for every tenant, 30 days for tenant 0; a backlog of minute rows 4 hours old.
    const hourNow = now - (now % HOUR);
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO config_usage_hour (deployment_id, tenant_id, config_id, hour, wraps, unwraps, rekeys, failed, failures, leased_hits, siem_sent, siem_dropped, last_used_at)
       SELECT $1, 'ten_us_' || i, 'c_usage' || lpad(i::text, 6, '0') || 'aaaaaaaa', h, 3000, 3000, 0, 6, '{"206": 6}'::jsonb, 0, 0, 0, h + interval '59 minutes'
         FROM generate_series(0, $2 - 1) AS i, generate_series($3::timestamptz - interval '23 hours', $3::timestamptz - interval '1 hour', interval '1 hour') AS h
       ON CONFLICT DO NOTHING`,
      dep.id, count, new Date(hourNow),
    );
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO config_usage_hour (deployment_id, tenant_id, config_id, hour, wraps, unwraps, rekeys, failed, failures, leased_hits, siem_sent, siem_dropped, last_used_at)
       SELECT $1, 'ten_us_0', $2, h, 3000, 3000, 0, 6, '{"206": 6}'::jsonb, 0, 0, 0, h FROM generate_series($3::timestamptz - interval '720 hours', $3::timestamptz, interval '1 hour') AS h
       ON CONFLICT DO NOTHING`,
      dep.id, cfg(0), new Date(hourNow),
    );
    const backlog = Math.min(USAGE_PRUNE_BATCH, count * 5);
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO config_usage_minute (deployment_id, instance_id, tenant_id, config_id, minute, wraps, unwraps, rekeys, failed, failures, leased_hits, siem_sent, siem_dropped, reported_at)
       SELECT $1, 'old', 'ten_us_' || (n % $2), 'c_usage' || lpad((n % $2)::text, 6, '0') || 'aaaaaaaa', $3::timestamptz - (n / $2) * interval '1 minute', 1, 1, 0, 0, '{}'::jsonb, 0, 0, 0, $3
         FROM generate_series(0, $4 - 1) AS n`,
      dep.id, count, new Date(now - 4 * HOUR - (now % 60_000)), backlog,
    );
    const prune = await timeIt(() => db.prisma.$transaction((tx) => pruneUsage(tx, dep.id, new Date()), { timeout: 600_000 }));
    const access = { tenant: { id: 'ten_us_0' } } as TenantAccess;
    const day = await repeat(runs, () => getConfigUsage(access, cfg(0), '24h'));
    const month = await repeat(runs, () => getConfigUsage(access, cfg(0), '30d'));
    const summary = await repeat(runs, () => summarizeTenantUsage('ten_us_0'));
    const top = await repeat(Math.max(3, Math.floor(runs / 4)), () => topTenantsByUsage(10));
    // Sizes without the pruned backlog's dead rows.
    await db.prisma.$executeRawUnsafe('VACUUM FULL config_usage_minute');
    await db.prisma.$executeRawUnsafe('VACUUM FULL config_usage_hour');
    const sizes = await db.prisma.$queryRawUnsafe<{ t: string; rows: bigint; bytes: bigint; idx: bigint }[]>(
      `SELECT t, (SELECT count(*) FROM config_usage_minute) AS rows, pg_total_relation_size(t) AS bytes, pg_indexes_size(t) AS idx FROM (VALUES ('config_usage_minute')) v(t)
       UNION ALL SELECT t, (SELECT count(*) FROM config_usage_hour), pg_total_relation_size(t), pg_indexes_size(t) FROM (VALUES ('config_usage_hour')) v(t)`,
    );
    const f = (ms: number) => ms.toFixed(0);
    const rows = [
      [backend, `report: 1 minute × ${count} tenants (minute rows + hourly rollup)`, f(first.ms), `${count} minute rows`],
      [backend, 'same report again (SET: replaces)', f(again.ms), ''],
      [backend, `prune ${prune.value.minutes} minute rows 4 h old (one report's batch)`, f(prune.ms), ''],
      [backend, 'tenant admin chart 24 h (p50 / p95)', `${day.p50.toFixed(1)} / ${day.p95.toFixed(1)}`, ''],
      [backend, 'tenant admin chart 30 d (p50 / p95)', `${month.p50.toFixed(1)} / ${month.p95.toFixed(1)}`, ''],
      [backend, 'operator tenant summary (p50 / p95)', `${summary.p50.toFixed(1)} / ${summary.p95.toFixed(1)}`, ''],
      [backend, 'overview top tenants, 24 h (p50 / p95)', `${top.p50.toFixed(1)} / ${top.p95.toFixed(1)}`, ''],
    ];
    for (const s of sizes) {
      const n = Number(s.rows);
      rows.push([backend, `${s.t}: ${n} rows`, `${(Number(s.bytes) / 1e6).toFixed(1)} MB`, n ? `${Math.round(Number(s.bytes) / n)} B/row, of which index ${Math.round(Number(s.idx) / n)} B` : '']);
    }
    return rows;
  } finally {
    await closeDatabase();
  }
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { count: { type: 'string', default: '10000' }, runs: { type: 'string', default: '20' }, backend: { type: 'string', default: 'both' } }, strict: true });
  const count = Number(values.count);
  const runs = Number(values.runs);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const rows: string[][] = [];
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-usage-'));
  try {
    if (values.backend !== 'postgresql') {
      console.log(`PGlite: ${count} tenants…`);
      rows.push(...(await measure('PGlite', { PGLITE_DIR: path.join(base, 'pglite'), DATABASE_URL: '' }, count, runs)));
    }
    if (values.backend !== 'pglite') {
      await withBenchPostgres(async (url, version) => {
        console.log(`PostgreSQL (${version}): ${count} tenants…`);
        rows.push(...(await measure('PostgreSQL', { PGLITE_DIR: path.join(base, 'unused'), DATABASE_URL: url }, count, runs)));
      });
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  console.log(`\nUsage storage, ${count} tenants (times in ms, in process, one run each for writes):\n`);
  printTable(['backend', 'measure', 'ms / size', 'note'], rows);
  return rows.filter((r) => r[1]?.startsWith('report:') || r[1]?.startsWith('tenant admin chart 30 d')).map((r) => ({ measure: `usage ${r[0]}: ${r[1]}`, value: r[2] as string }));
}
