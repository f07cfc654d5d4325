// Leased keys (docs/tsp.md "Leased keys"): how fast the TSP wraps and unwraps
// when a tenant's KMS configuration leases keys, so that a document key costs
// no KMS round trip — beside the same calls without leasing and the bare
// node:http echo, all in one run on the same cores:
//
//   leased unwrap / wrap      POST /api/1/document/unwrap (rotating over EDEKs made beforehand) and /wrap,
//                             for a tenant whose HashiCorp Vault Transit configuration leases keys for 1 hour
//   unleased unwrap / wrap    the same for a tenant on the same Vault double without leasing (a KMS call each)
//   batch of 1 000            POST /api/1/document/batch-unwrap and batch-wrap of 1 000 documents, one call
//                             at a time: how long one batch takes
//   bare node:http echo       the machine's limit for a similar request
//
// The TSP world (createTsp, the Vault protocol double — no Vault is reachable
// here —, an in-memory broker) runs in a child process; autocannon drives it
// from this one. Every tenant here has no SIEM configuration; a tenant with
// SIEMs adds the event work (npm run bench -- tsp-siem).
//
// Per tenant: every row's load is one tenant's, so a row's req/s is what one
// tenant gets from one TSP process — the reference TSP quotes 500 ops/s per
// tenant.
//
//   npm run bench -- tsp-leased [--seconds 5] [--connections 64] [--batches 20]
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type autocannon from 'autocannon';
import { freePort } from '@/scripts/lib/pg-cluster';
import { ECHO_SERVER, loadRow, WARM_UP_S, type TLoadRow } from './lib/autocannon-load';
import { percentile, printTable, spawnQuiet, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';

const POOL = 256;
const BATCH = 1_000;
type ChildReady = { url: string; apiKey: string };

/** The child: the TSP world with two tenants on one Vault double, one leasing keys for an hour. */
async function serveChild(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const { startVaultDouble } = await import('@/lib/testing/kms/vault-double');
  const { createTenant, publishState, sealTestConfig } = await import('@/lib/testing/bundle-factory');
  const vault = await startVaultDouble();
  const world = await startTspWorld({
    extraTenants: async (deployment) => {
      const made = [];
      for (const [tenantId, lease] of [['leased', { leasedKeyLifetime: '3600' }], ['unleased', {}]] as const) {
        const tenant = await createTenant(tenantId, [deployment]);
        await sealTestConfig(tenant, { provider: 'hashicorp-vault-transit', settings: { ...vault.settings(vault.createKey({ name: tenantId }), vault.createToken({ ttlSeconds: 86_400 })), ...lease }, primary: true });
        await publishState(tenant);
        made.push(tenant);
      }
      return made;
    },
  });
  const stop = async () => {
    await world.stop();
    await vault.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.send?.({ url: world.url, apiKey: world.apiKey } satisfies ChildReady);
}

function startChild(): Promise<{ child: ChildProcess; ready: ChildReady }> {
  let tail = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/tsp-leased.ts'], {
    env: { ...process.env, TSP_LEASED_BENCH_CHILD: '1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the TSP world exited (${code}):\n${tail}`)));
    child.once('message', (ready: ChildReady) => resolve({ child, ready }));
  });
}

export function parseLeasedArgs(args: string[]): { seconds: number; connections: number; batches: number } {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' }, batches: { type: 'string', default: '20' } }, strict: true });
  const whole = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} takes a whole number of at least ${min}, not ${JSON.stringify(value)}`);
    return n;
  };
  return { seconds: whole('seconds', values.seconds, 1), connections: whole('connections', values.connections, 1), batches: whole('batches', values.batches, 1) };
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { seconds, connections, batches } = parseLeasedArgs(args);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log('KMS: the HashiCorp Vault Transit protocol double on 127.0.0.1 (real AES-GCM, tokens checked); tenant "leased" leases keys for 1 hour, "unleased" does not. No SIEM.\n');
  const children: ChildProcess[] = [];
  try {
    const world = await startChild();
    children.push(world.child);
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    children.push(echo.child);
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);

    const { url, apiKey } = world.ready;
    const headers = { authorization: `cmk ${apiKey}`, 'content-type': 'application/json' };
    const metaOf = (tenantId: string) => ({ tenantId, iclFields: { requestingId: 'svc-bench', dataLabel: 'PII', requestId: 'req-0000000001' }, customFields: { region: 'eu' } });
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const edeksOf = async (tenantId: string) => {
      const ids = Array.from({ length: POOL }, (_, i) => `doc-${i}`);
      const made = await post<{ keys: Record<string, { edek: string }> }>('/api/1/document/batch-wrap', { ...metaOf(tenantId), documentIds: ids });
      return ids.map((id) => made.keys[id]?.edek as string);
    };

    const rows: TLoadRow[] = [];
    const step = (name: string) => console.log(`${name}: ${seconds} s with ${connections} connections…`);
    for (const tenantId of ['leased', 'unleased']) {
      const bodies = (await edeksOf(tenantId)).map((edek) => JSON.stringify({ ...metaOf(tenantId), encryptedDocumentKey: edek }));
      let next = 0;
      step(`${tenantId} unwrap`);
      const unwrapRequest = { method: 'POST' as const, path: '/api/1/document/unwrap', headers, setupRequest: (request: autocannon.Request) => ({ ...request, body: bodies[next++ % POOL] }) };
      rows.push(await loadRow(`TSP unwrap, ${tenantId}`, { url, requests: [unwrapRequest], connections }, seconds));
      step(`${tenantId} wrap`);
      rows.push(await loadRow(`TSP wrap, ${tenantId}`, { url: `${url}/api/1/document/wrap`, method: 'POST', headers, body: JSON.stringify(metaOf(tenantId)), connections }, seconds));
    }
    step('bare node:http echo');
    const bare = await loadRow('bare node:http echo', { url: `http://127.0.0.1:${echoPort}/`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...metaOf('leased'), encryptedDocumentKey: 'x'.repeat(200) }), connections }, seconds);
    rows.push(bare);

    // Batches of 1 000, one at a time: the time one call takes.
    const batchTimes = async (tenantId: string) => {
      const ids = Array.from({ length: BATCH }, (_, i) => `doc-${i}`);
      const wrapMs: number[] = [];
      const unwrapMs: number[] = [];
      for (let i = 0; i < batches + 2; i++) {
        let started = performance.now();
        const made = await post<{ keys: Record<string, { edek: string }>; failures: Record<string, unknown> }>('/api/1/document/batch-wrap', { ...metaOf(tenantId), documentIds: ids });
        const wrapTook = performance.now() - started;
        if (Object.keys(made.failures).length > 0) throw new Error(`batch-wrap for ${tenantId}: ${Object.keys(made.failures).length} failures`);
        const edeks = Object.fromEntries(ids.map((id) => [id, made.keys[id]?.edek as string]));
        started = performance.now();
        const opened = await post<{ failures: Record<string, unknown> }>('/api/1/document/batch-unwrap', { ...metaOf(tenantId), edeks });
        const unwrapTook = performance.now() - started;
        if (Object.keys(opened.failures).length > 0) throw new Error(`batch-unwrap for ${tenantId}: ${Object.keys(opened.failures).length} failures`);
        // The first two warm up (JIT, sockets) and are not counted.
        if (i >= 2) {
          wrapMs.push(wrapTook);
          unwrapMs.push(unwrapTook);
        }
      }
      const stats = (ms: number[]) => {
        const sorted = [...ms].sort((a, b) => a - b);
        return { p50: percentile(sorted, 50), max: sorted.at(-1) ?? 0 };
      };
      return { wrap: stats(wrapMs), unwrap: stats(unwrapMs) };
    };
    console.log(`batches of ${BATCH}: ${batches} of each, one at a time, per tenant…`);
    const leasedBatch = await batchTimes('leased');
    const unleasedBatch = await batchTimes('unleased');

    console.log(`\n${seconds} s per row after a ${WARM_UP_S} s warm-up, ${connections} concurrent keep-alive connections (autocannon in this process; the TSP and the Vault double in one child process; all on the same ${cpus.length} cores).\n`);
    printTable(
      ['row', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'requests', '× bare'],
      rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), String(r.errors), String(r.requests), (r.rps / bare.rps).toFixed(3)]),
    );
    console.log(`\nOne batch of ${BATCH} documents (${batches} calls each, after 2 not counted):\n`);
    printTable(
      ['tenant', 'batch-wrap p50 ms', 'batch-wrap max ms', 'batch-unwrap p50 ms', 'batch-unwrap max ms'],
      [
        ['leased', leasedBatch.wrap.p50.toFixed(1), leasedBatch.wrap.max.toFixed(1), leasedBatch.unwrap.p50.toFixed(1), leasedBatch.unwrap.max.toFixed(1)],
        ['unleased', unleasedBatch.wrap.p50.toFixed(1), unleasedBatch.wrap.max.toFixed(1), unleasedBatch.unwrap.p50.toFixed(1), unleasedBatch.unwrap.max.toFixed(1)],
      ],
    );
    const failed = rows.filter((r) => r.errors > 0);
    if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${r.errors})`).join(', ')}`);
    const [leasedUnwrap, leasedWrap] = rows as [TLoadRow, TLoadRow];
    console.log(`\nOne tenant, leased: ${leasedUnwrap.rps.toFixed(0)} unwraps/s and ${leasedWrap.rps.toFixed(0)} wraps/s from one TSP process (the reference quotes 500 ops/s per tenant).`);
    return [
      { measure: 'TSP leased unwraps/s, one tenant (req/s, p99)', value: `${leasedUnwrap.rps.toFixed(0)}, ${leasedUnwrap.p99.toFixed(1)} ms`, target: '≥ 10 000/s' },
      { measure: 'TSP leased wraps/s, one tenant (req/s, p99)', value: `${leasedWrap.rps.toFixed(0)}, ${leasedWrap.p99.toFixed(1)} ms` },
      { measure: `TSP leased batch of ${BATCH}, wrap / unwrap p50`, value: `${leasedBatch.wrap.p50.toFixed(1)} / ${leasedBatch.unwrap.p50.toFixed(1)} ms`, target: '< 50 ms' },
    ];
  } finally {
    for (const child of children) await stopChild(child);
  }
}

if (process.env.TSP_LEASED_BENCH_CHILD === '1') await serveChild();
