// Revocation propagation (issue 8, benchmark 2): N long-polls (default
// 1 000) are held on the production broker; a tenant admin disables a
// configuration through the real API (a signed state from the tenant's key,
// as the browser sends it). Reported: the time from sending that request
// until each held poll has its answer (p50 / p99 / max), the time until each
// of M real proxy clients (default 50, lib/proxy-client, each with its own
// pins) has verified and applied the new state, and the broker's extra
// resident memory per held connection.
//
// Why two kinds: every poll is the same request to the broker, but verifying
// (a bundle signature, a tenant state signature, a configuration JWE opened
// and its signature checked, the pins file written) costs each proxy a few
// milliseconds of CPU. Real proxies do that on their own machines; here they
// would all queue on this process's event loop, on the 2 cores the broker
// uses too, and the figure would measure that queue. So N − M polls are plain
// HTTP long-polls with a real cursor and key (the answer is read, not
// verified), and M are full clients.
//
//   npm run bench -- revocation [--clients 1000] [--verifiers 50] [--tenants 10]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProxyClient, type TProxyClient } from '@/lib/proxy-client';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { BENCH_SECRETS, memoryOf, percentile, printTable, seedBenchWorld, startBenchBroker, stopChild, type BenchSummary } from './lib/broker';

const ADMIN = { email: 'admin@bench.example', passphrase: `bench copper heron ${randomBytes(4).toString('hex')}` };
const SILENT = { info: () => {}, warn: () => {}, error: () => {} };

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { clients: { type: 'string', default: '1000' }, verifiers: { type: 'string', default: '50' }, tenants: { type: 'string', default: '10' } }, strict: true });
  const count = Number(values.clients);
  const verifiers = Math.min(count, Number(values.verifiers));
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-revocation-'));
  const clients: TProxyClient[] = [];
  let broker: Awaited<ReturnType<typeof startBenchBroker>> | undefined;
  try {
    const pgliteDir = path.join(base, 'pglite');
    const world = await seedBenchWorld(pgliteDir, Number(values.tenants), 1);
    const tenant = world.fleet[0] as FleetTenant;
    const db = await initDatabase({ env: { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 2 } });
    const account = await newAccount(ADMIN.email, ADMIN.passphrase);
    const admin = await createUser(db.prisma, await prepareAccount({ ...account.body, email: ADMIN.email } as never, false));
    await db.prisma.tenantAdmin.create({ data: { id: 'adm_bench', tenantId: tenant.id, userId: admin.id, status: 'confirmed' } });
    await closeDatabase();

    broker = await startBenchBroker(pgliteDir, path.join(base, 'data'));
    const pid = broker.child.pid as number;
    const credentials = { ...world.credentials, brokerUrl: broker.origin };
    const browser = new BrokerClient(broker.origin);
    if (!(await browser.signIn(ADMIN.email, ADMIN.passphrase)).ok) throw new Error('the bench admin could not sign in');

    // A first change warms the route up (module loading, JIT); the measured one is the second.
    const warm = await signNextState(tenant);
    const warmed = await browser.post(`/api/v1/tenants/${tenant.externalId}/changes`, { state: warm.jws });
    if (warmed.status !== 201) throw new Error(`the warm-up change was refused: ${warmed.status} ${JSON.stringify(warmed.problem)}`);

    let held = 0;
    let sent = Infinity;
    const delivered: number[] = [];
    const countingFetch: typeof fetch = async (input, init) => {
      const polling = String(input).includes('wait=');
      if (polling) held += 1;
      try {
        const response = await fetch(input, init);
        // When the broker's answer to a held poll reached the client, before the client verifies it.
        if (polling && response.status === 200 && performance.now() > sent) delivered.push(performance.now() - sent);
        return response;
      } finally {
        if (polling) held -= 1;
      }
    };
    console.log(`${verifiers} proxy clients (full sync of ${values.tenants} tenants each) and ${count - verifiers} plain long-polls…`);
    const idle = memoryOf(pid).rssMb;
    for (let i = 0; i < verifiers; i++) {
      clients.push(createProxyClient({ credentials, pinsFile: path.join(base, `pins-${i}.json`), fetch: countingFetch, logger: SILENT }));
    }
    for (let i = 0; i < count; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.syncOnce()));
    const synced = memoryOf(pid).rssMb;
    const runs = clients.map((c) => c.run({ wait: 60 }));
    const cursor = clients[0]?.summary().cursor as string;
    const url = `${broker.origin}/api/v1/proxy/configs?cursor=${encodeURIComponent(cursor)}&wait=60`;
    const plain = Array.from({ length: count - verifiers }, () => countingFetch(url, { headers: { authorization: `Bearer ${world.apiKey}` } }).then((r) => r.arrayBuffer()));
    await until(() => held === count, 60_000, `${count} held long-polls`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const holding = memoryOf(pid).rssMb;

    const config = tenant.configs[0] as FleetTenant['configs'][number];
    Object.assign(config, { status: 'disabled', primary: false });
    const { state, jws } = await signNextState(tenant);
    sent = performance.now();
    const response = await browser.post(`/api/v1/tenants/${tenant.externalId}/changes`, { state: jws });
    const answered = performance.now() - sent;
    if (response.status !== 201) throw new Error(`the change was refused: ${response.status} ${JSON.stringify(response.problem)}`);
    const times = new Array<number>(verifiers).fill(NaN);
    await until(
      () => {
        const now = performance.now();
        clients.forEach((c, i) => {
          if (Number.isNaN(times[i]) && c.getTenant(tenant.externalId)?.seq === state.seq) times[i] = now - sent;
        });
        return times.every((t) => !Number.isNaN(t));
      },
      60_000,
      'every client to apply the new state',
    );
    await Promise.all(plain);
    const sorted = [...times].sort((a, b) => a - b);
    const arrivals = delivered.slice(0, count).sort((a, b) => a - b);
    const perConnectionKb = ((holding - synced) * 1024) / count;
    console.log(`\n${count} long-polls held on one broker (production build, PGlite, 2 cores shared with this process).\n`);
    printTable(
      ['measure', 'value'],
      [
        ['admin API call answered (ms)', answered.toFixed(0)],
        [`each of the ${count} held polls answered: p50 (ms)`, percentile(arrivals, 50).toFixed(0)],
        ['p99 (ms)', percentile(arrivals, 99).toFixed(0)],
        [`${verifiers} real clients verified the new state: p50 (ms)`, percentile(sorted, 50).toFixed(0)],
        ['p99 (ms)', percentile(sorted, 99).toFixed(0)],
        ['max (ms)', (sorted.at(-1) as number).toFixed(0)],
        ['broker RSS idle / after syncs / holding (MB)', `${idle.toFixed(0)} / ${synced.toFixed(0)} / ${holding.toFixed(0)}`],
        [`extra per held connection (KB)`, perConnectionKb.toFixed(1)],
        [`extra for ${count} held connections (MB)`, (holding - synced).toFixed(1)],
      ],
    );
    for (const c of clients) c.stop();
    await Promise.all(runs);
    return [
      { measure: `revocation, ${count} held polls: answer received p99 ms`, value: percentile(arrivals, 99).toFixed(0), target: '< 1000' },
      { measure: `revocation: ${verifiers} real clients verified, p99 ms`, value: percentile(sorted, 99).toFixed(0), target: '< 1000' },
      { measure: `revocation: broker MB for ${count} held polls`, value: (holding - synced).toFixed(1), target: '< 200' },
    ];
  } finally {
    for (const c of clients) c.stop();
    if (broker) await stopChild(broker.child);
    rmSync(base, { recursive: true, force: true });
  }
}
