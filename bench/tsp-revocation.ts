// Revocation under load (issue 24, benchmark 3): 100 application workers
// (concurrent loops, each encrypting a document and decrypting it again)
// call the real Tenant Security Proxy process through the reference product's
// own Node client (@ironcorelabs/tenant-security-nodejs, a devDependency for
// tests and benches only), while a tenant admin disables the tenant's KMS
// configuration through the real broker API: the signed state change the
// browser sends (a state signed with the tenant's key, as bench/revocation.ts
// makes it), to the production broker on its embedded database. The TSP
// (scripts/tsp.ts, bench/lib/fleet-tsp.ts) long-polls that broker with the
// real proxy client; its KMS is the AWS KMS protocol double (--kms-delay ms
// per call, default 20: a cloud round trip) in its own process.
//
// Measured, for each worker: the time from sending the admin's request until
// that worker's next call is refused (encrypt: 201, no active KMS
// configuration; decrypt: 202, configuration disabled). Repeated --repeats
// times (default 5), each on a fresh tenant, so each disable is a first one;
// p50 / p99 / max are over every worker of every repetition. Beside it: the
// workers' own call latency and a bare node:http echo driven by 100 callers,
// the floor of any "next call" on these cores.
//
// Where the time went, per disable, from the TSP's own log (at info, its
// default level): the proxy client logs one line when it applies the broker's
// changes, with the time since the broker's answer arrived split into checking
// the broker's signature, verifying the tenant's state and configurations, and
// saving the pins (bench/lib/applied-log.ts). With the bench's send time that
// gives: admin request → TSP has the broker's answer → verified → applied →
// the last worker refused. The first disable comes a few seconds after the TSP
// became ready (no warm-up of the TSP) and is reported on its own as well.
//
// --tsp-log warn runs the TSP without its info lines (one per request among
// them, which cost it CPU on these cores) and so without the breakdown.
//
//   npm run bench -- tsp-revocation [--workers 100] [--repeats 5] [--kms-delay 20] [--tsp-log info|warn]
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DocumentMetadata, TenantSecurityClient, type TenantSecurityException } from '@ironcorelabs/tenant-security-nodejs';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { freePort } from '@/scripts/lib/pg-cluster';
import { BENCH_SECRETS, percentile, printTable, seedBenchWorld, spawnQuiet, startBenchBroker, stopChild, waitUntilUp, type BenchSummary } from './lib/broker';
import { ECHO_SERVER } from './lib/autocannon-load';
import { parseAppliedLine, type TAppliedLine } from './lib/applied-log';
import { startFleetKms, startTspProcess } from './lib/fleet-tsp';
import { closedLoopLatencies, ms, positiveOptions, summarise } from './lib/tsp-latency';

const ADMIN = { email: 'admin@bench.example', passphrase: `bench copper heron ${randomBytes(4).toString('hex')}` };
const USAGE = 'usage: tsp-revocation [--workers 100] [--repeats 5] [--kms-delay 20] [--tsp-log info|warn]';
/** The codes a revoked tenant's calls get: 201 encrypt (no active KMS configuration), 202 decrypt (its configuration is disabled). */
const REVOKED = new Set([201, 202]);

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

type TWorker = { ok: number; refusedMs?: number; code?: number };

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { workers: { type: 'string', default: '100' }, repeats: { type: 'string', default: '5' }, 'kms-delay': { type: 'string', default: '20' }, 'tsp-log': { type: 'string', default: 'info' } }, strict: true });
  const { workers: count, repeats } = positiveOptions({ workers: values.workers, repeats: values.repeats }, ['workers', 'repeats'], USAGE);
  const kmsDelay = Number(values['kms-delay']);
  if (!Number.isInteger(kmsDelay) || kmsDelay < 0) throw new Error(`--kms-delay takes a whole number of ms\n${USAGE}`);
  const tspLog = values['tsp-log'];
  if (tspLog !== 'info' && tspLog !== 'warn') throw new Error(`--tsp-log is info or warn\n${USAGE}`);
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  Object.assign(process.env, BENCH_SECRETS, { LOG_LEVEL: 'warn' });
  const base = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-tsp-revocation-'));
  const stops: (() => Promise<void>)[] = [];
  let stopped = false;
  try {
    const pgliteDir = path.join(base, 'pglite');
    // One tenant per repetition and one for the warm-up change, each with one configuration: its primary AWS KMS.
    const world = await seedBenchWorld(pgliteDir, repeats + 1, 1);
    const db = await initDatabase({ env: { PGLITE_DIR: pgliteDir, DATABASE_POOL_MAX: 2 } });
    const account = await newAccount(ADMIN.email, ADMIN.passphrase);
    const admin = await createUser(db.prisma, await prepareAccount({ ...account.body, email: ADMIN.email } as never, false));
    for (const [i, tenant] of world.fleet.entries()) await db.prisma.tenantAdmin.create({ data: { id: `adm_bench_${i}`, tenantId: tenant.id, userId: admin.id, status: 'confirmed' } });
    await closeDatabase();

    const broker = await startBenchBroker(pgliteDir, path.join(base, 'data'));
    stops.push(() => stopChild(broker.child));
    const kms = await startFleetKms(kmsDelay);
    stops.push(() => stopChild(kms.child));
    const credentialsFile = path.join(base, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify({ ...world.credentials, brokerUrl: broker.origin }));
    chmodSync(credentialsFile, 0o600);
    const applied: TAppliedLine[] = [];
    const onLogLine = (line: string) => {
      const parsed = parseAppliedLine(line);
      if (parsed) applied.push(parsed);
    };
    // At info (the TSP's default level, one line per request too) the proxy client's applied-changes line is logged.
    const tsp = await startTspProcess({ credentialsFile, pinsFile: path.join(base, 'pins.json'), kmsUrl: kms.url, env: { LOG_LEVEL: tspLog }, onLogLine });
    const tspReadyAt = performance.now();
    stops.push(() => stopChild(tsp.child));
    const echoPort = await freePort();
    const echo = spawnQuiet(['-e', ECHO_SERVER], { PORT: String(echoPort) });
    stops.push(() => stopChild(echo.child));
    await waitUntilUp(`http://127.0.0.1:${echoPort}/`, echo);

    const browser = new BrokerClient(broker.origin);
    if (!(await browser.signIn(ADMIN.email, ADMIN.passphrase)).ok) throw new Error('the bench admin could not sign in');
    const change = async (tenant: FleetTenant) => {
      const { jws } = await signNextState(tenant);
      const started = performance.now();
      const response = await browser.post(`/api/v1/tenants/${tenant.externalId}/changes`, { state: jws });
      if (response.status !== 201) throw new Error(`the change was refused: ${response.status} ${JSON.stringify(response.problem)}`);
      return { started, answeredMs: performance.now() - started };
    };
    // A first change warms the route up (module loading, JIT); the measured ones follow.
    await change(world.fleet[repeats] as FleetTenant);

    const client = new TenantSecurityClient(tsp.url, tsp.apiKey);
    const doc = { body: Buffer.from('a quarterly report, encrypted and decrypted in a loop') };
    const state = { tenant: '', sent: Infinity, workers: [] as TWorker[], latencies: [] as number[], unexpected: new Map<string, number>() };
    let resume: () => void = () => {};
    let nextRound = new Promise<void>((resolve) => (resume = resolve));
    const worker = async (i: number) => {
      let sealed: { tenant: string; encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>> } | undefined;
      while (!stopped) {
        const tenant = state.tenant;
        const meta = new DocumentMetadata(tenant, `svc-worker-${i}`, 'PII');
        const at = performance.now();
        try {
          if (sealed?.tenant === tenant) {
            await client.decryptDocument(sealed.encrypted, meta);
            sealed = undefined;
          } else {
            sealed = { tenant, encrypted: await client.encryptDocument(doc, meta) };
          }
          if (tenant === state.tenant) (state.workers[i] as TWorker).ok += 1;
          state.latencies.push(performance.now() - at);
        } catch (error) {
          const code = (error as TenantSecurityException).errorCode;
          const me = state.workers[i] as TWorker;
          if (tenant === state.tenant && REVOKED.has(code) && performance.now() > state.sent) {
            if (me.refusedMs === undefined) Object.assign(me, { refusedMs: performance.now() - state.sent, code });
            // Refused: this worker waits for the next repetition's tenant (spinning on refusals would only load the CPU).
            await nextRound;
          } else if (tenant === state.tenant) {
            const key = `${code ?? (error as Error).message}${performance.now() > state.sent ? '' : ' before the disable'}`;
            state.unexpected.set(key, (state.unexpected.get(key) ?? 0) + 1);
          }
        }
      }
    };

    const times: number[] = [];
    const codes = new Map<number, number>();
    const perRepeat: string[][] = [];
    const stages: string[][] = [];
    let first = { max: 0, afterReadyS: 0 };
    let loops: Promise<void>[] = [];
    console.log(`${count} workers through @ironcorelabs/tenant-security-nodejs; ${repeats} disables, one per tenant; KMS double delay ${kmsDelay} ms; TSP log level ${tspLog}.`);
    for (let r = 0; r < repeats; r++) {
      const tenant = world.fleet[r] as FleetTenant;
      Object.assign(state, { tenant: tenant.externalId, sent: Infinity, workers: Array.from({ length: count }, () => ({ ok: 0 })), latencies: [] });
      const release = resume;
      nextRound = new Promise<void>((resolve) => (resume = resolve));
      release();
      if (r === 0) loops = Array.from({ length: count }, (_, i) => worker(i));
      await until(() => state.workers.every((w) => w.ok >= 2), 60_000, `every worker's first calls for ${tenant.externalId}`);
      // A second of steady load before the disable.
      const okBefore = state.workers.reduce((sum, w) => sum + w.ok, 0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const callsPerSecond = state.workers.reduce((sum, w) => sum + w.ok, 0) - okBefore;
      const config = tenant.configs[0] as FleetTenant['configs'][number];
      Object.assign(config, { status: 'disabled', primary: false });
      const { jws } = await signNextState(tenant);
      state.sent = performance.now();
      const response = await browser.post(`/api/v1/tenants/${tenant.externalId}/changes`, { state: jws });
      const answeredMs = performance.now() - state.sent;
      if (response.status !== 201) throw new Error(`the disable was refused: ${response.status} ${JSON.stringify(response.problem)}`);
      await until(() => state.workers.every((w) => w.refusedMs !== undefined), 60_000, `every worker refused for ${tenant.externalId}`);
      const round = state.workers.map((w) => w.refusedMs as number).sort((a, b) => a - b);
      if (tspLog === 'info') {
        await until(() => applied.some((a) => a.which.startsWith(`${tenant.externalId} `)), 10_000, `the TSP's log line for ${tenant.externalId}`);
        const line = applied.find((a) => a.which.startsWith(`${tenant.externalId} `)) as TAppliedLine;
        const sentAt = performance.timeOrigin + state.sent;
        const received = line.at - line.fromAnswerMs - sentAt;
        stages.push([String(r + 1), answeredMs.toFixed(0), received.toFixed(0), String(line.signatureMs), String(line.tenantStatesMs), String(line.pinsMs), (line.at - sentAt).toFixed(0), ms(round.at(-1) as number)]);
      }
      if (r === 0) first = { max: round.at(-1) as number, afterReadyS: (state.sent - tspReadyAt) / 1000 };
      for (const w of state.workers) codes.set(w.code as number, (codes.get(w.code as number) ?? 0) + 1);
      times.push(...round);
      const calls = summarise('calls', state.latencies, 1, 0);
      perRepeat.push([`${r + 1}: ${tenant.externalId}`, String(callsPerSecond), `${ms(calls.p50)} / ${ms(calls.p99)}`, answeredMs.toFixed(0), ms(percentile(round, 50)), ms(percentile(round, 99)), ms(round.at(-1) as number)]);
      console.log(`  disable ${r + 1}/${repeats}: every worker refused within ${ms(round.at(-1) as number)} ms`);
    }
    stopped = true;
    resume();
    await Promise.all(loops);

    console.log(`bare node:http echo: ${count} callers, 3 s…`);
    const echoUrl = `http://127.0.0.1:${echoPort}/`;
    const echoBody = JSON.stringify({ tenantId: 'bench-000000', iclFields: { requestingId: 'svc-worker-0', dataLabel: 'PII' }, customFields: {} });
    await closedLoopLatencies(1, count, () => fetch(echoUrl, { method: 'POST', body: echoBody }).then((r) => r.arrayBuffer()));
    const echoed = await closedLoopLatencies(3, count, () => fetch(echoUrl, { method: 'POST', body: echoBody }).then((r) => r.arrayBuffer()));
    const bare = summarise('bare node:http echo', echoed.latencies, 3, echoed.errors);

    times.sort((a, b) => a - b);
    console.log(`\nOne TSP process (real proxy client long-polling the production broker, PGlite), ${count} workers, all on the same ${cpus.length} cores.\n`);
    printTable(['repetition: tenant', 'worker calls/s before', 'call p50 / p99 ms', 'admin call answered ms', 'refused p50 ms', 'p99 ms', 'max ms'], perRepeat);
    console.log(`\nWhere the time went (ms from the admin's request; the middle three are durations, from the TSP's log):\n`);
    if (stages.length === 0) console.log('(not measured: the TSP ran with --tsp-log warn, without its applied-changes line)');
    else printTable(['disable', 'admin call answered', 'TSP has the broker answer', 'broker signature', 'tenant state + configs verified', 'pins saved', 'TSP applied', 'last worker refused'], stages);
    console.log(`\nOver all ${times.length} workers of the ${repeats} disables (codes: ${[...codes].map(([c, n]) => `${c} × ${n}`).join(', ')}):\n`);
    printTable(
      ['measure', 'value'],
      [
        ['admin request → worker refused: p50 (ms)', ms(percentile(times, 50))],
        ['p99 (ms)', ms(percentile(times, 99))],
        ['max (ms)', ms(times.at(-1) as number)],
        [`first disable after start (${first.afterReadyS.toFixed(1)} s after the TSP was ready): max (ms)`, ms(first.max)],
        ["the reference's refresh (ms)", '600000'],
        [`bare node:http echo, ${count} callers: req/s, p50 / p99 / max (ms)`, `${bare.rps.toFixed(0)}, ${ms(bare.p50)} / ${ms(bare.p99)} / ${ms(bare.max)}`],
      ],
    );
    if (state.unexpected.size > 0) throw new Error(`unexpected errors: ${JSON.stringify(Object.fromEntries(state.unexpected))}`);
    return [{ measure: `TSP revocation under load: admin request → each of ${count} workers refused, p50 / p99 / max (${repeats} disables)`, value: `${ms(percentile(times, 50))} / ${ms(percentile(times, 99))} / ${ms(times.at(-1) as number)} ms`, target: 'p99 < 1000 (reference 600 000)' }];
  } finally {
    stopped = true;
    for (const stop of stops.reverse()) await stop().catch(() => {});
    rmSync(base, { recursive: true, force: true });
  }
}
