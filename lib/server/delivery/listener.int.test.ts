// A change committed while a broker instance's LISTEN connection is down
// (issue 19): nobody hears its NOTIFY, so the instance must look for itself
// when the listener is back, and answer the long-polls it held meanwhile —
// not leave them to wait out their `wait` — and refuse at once the polls of a
// deployment disabled meanwhile. Two ways to lose the connection:
// its backend is terminated, and PostgreSQL restarts. The change is committed
// through another connection, as another broker instance commits it (the same
// statements as `bumpDelivery`, NOTIFY included), and the listener's backend
// is cut inside that transaction, just before COMMIT: the listener's first
// retry comes 125–250 ms later, so the change always lands in the gap.
//
// Timing: each poll waits 30 s or more; the answer must come within a few
// seconds of the change (the old code answered only when the wait ran out),
// and within 2 s of the broker's "delivery listener is listening" log line —
// one query and one bundle, with room for a loaded 2-core machine.
//
// The test runs its own cluster (it restarts it), from the binaries `npm test`
// found (TEST_PG_BIN_DIR); on the PGlite leg it is skipped: PGlite's
// notifications are in process and have no connection to lose.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@/lib/crypto/bundle';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { newAccount } from '@/lib/testing/api-client';
import { seedFleet, type FleetTenant } from '@/lib/testing/fleet';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend } from '@/lib/testing/test-db';
import { startPgCluster, type PgCluster } from '@/scripts/lib/pg-cluster';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const run = randomBytes(4).toString('hex');
const OPERATOR = { email: 'ops@listener.example', passphrase: `listener quartz lantern orbit ${run}` };
const ENV = 'env_listen';
const binDir = process.env.TEST_PG_BIN_DIR;

let cluster: PgCluster;
let databaseUrl: string;
let server: ServerProcess;
let tenant: FleetTenant;
let deployment: { id: string; apiKey: string; keys: JWK[] };
let cursor: string;

type Answer = { status: number; at: number; tenants: string[]; next: string | null };

async function poll(query: Record<string, string | number>): Promise<Answer> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await fetch(`${server.url}/api/v1/proxy/configs?${qs}`, { headers: { authorization: `Bearer ${deployment.apiKey}` } });
  const text = await response.text();
  const at = Date.now();
  if (response.status !== 200) return { status: response.status, at, tenants: [], next: null };
  const bundle = await verifyBundle(text, deployment.keys, { deploymentId: deployment.id });
  return { status: 200, at, tenants: bundle.tenants.map((t) => t.tenantId), next: bundle.next };
}

/** Commits one change to the tenant as another instance would; `beforeCommit` runs inside the transaction. */
async function commitChange(beforeCommit: (client: pg.Client) => Promise<void>): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ delivery_seq: number }>('UPDATE environment SET delivery_seq = delivery_seq + 1 WHERE id = $1 RETURNING delivery_seq', [ENV]);
    const seq = (rows[0] as { delivery_seq: number }).delivery_seq;
    await client.query('UPDATE tenant SET delivery_seq = $1 WHERE id = $2', [seq, tenant.id]);
    await client.query('SELECT pg_notify($1, $2)', ['cmk_delivery', `e:${ENV}:${seq}`]);
    await beforeCommit(client);
    await client.query('COMMIT');
    return seq;
  } finally {
    await client.end();
  }
}

/** Disables (or enables again) the deployment as another instance would, NOTIFY included; `beforeCommit` runs inside the transaction. */
async function setDeploymentStatus(status: 'active' | 'disabled', beforeCommit: (client: pg.Client) => Promise<void> = async () => {}): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`UPDATE proxy_deployment SET status = $1, disabled_at = CASE WHEN $1 = 'disabled' THEN now() END WHERE id = $2`, [status, deployment.id]);
    await client.query('SELECT pg_notify($1, $2)', ['cmk_delivery', `d:${deployment.id}`]);
    await beforeCommit(client);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/** Terminates the broker's listener backend, if it has one, and waits until it is gone. */
async function cutListener(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ gone: boolean }>(
    `SELECT pg_terminate_backend(pid, 5000) AS gone FROM pg_stat_activity WHERE application_name = 'cmk-broker-listen' AND datname = current_database()`,
  );
  expect(rows.every((r) => r.gone)).toBe(true);
  return rows.length;
}

/** Brings the cursor up to date, whatever an earlier test left: each test holds a poll that has nothing to send. */
async function catchUp(): Promise<void> {
  const current = await poll({ cursor });
  expect(current.status).toBe(200);
  cursor = current.next as string;
}

/** When the broker last logged that its listener listens again (after `since`), or null. */
function listenerBackAt(since: number): number | null {
  let back: number | null = null;
  for (const line of server.output().split('\n')) {
    if (!line.includes('"delivery listener is listening"')) continue;
    const time = Date.parse((JSON.parse(line) as { time: string }).time);
    if (time >= since) back = time;
  }
  return back;
}

describe.runIf(backend === 'postgresql' && binDir)('a change committed while the LISTEN connection is down', () => {
  beforeAll(async () => {
    cluster = await startPgCluster(binDir as string);
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE listener_test');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/listener_test';
    databaseUrl = url.toString();
    const db = await initDatabase({ env: { DATABASE_URL: databaseUrl, PGLITE_DIR: 'unused', DATABASE_POOL_MAX: 5 }, migrate: true });
    const operatorAccount = await newAccount(OPERATOR.email, OPERATOR.passphrase);
    const operator = await createUser(db.prisma, await prepareAccount({ ...operatorAccount.body, email: OPERATOR.email } as never, true));
    await db.prisma.environment.create({ data: { id: ENV, slug: 'listen', displayName: 'Listen' } });
    const pair = await generateJwkPair('ecdh');
    const created = await createDeployment({ id: operator.id } as CurrentUser, { name: 'listen-proxy', environmentId: ENV, publicJwk: pair.publicJwk as never });
    deployment = { id: created.deployment.id, apiKey: created.apiKey, keys: created.credentials.brokerJwks.keys };
    [tenant] = (await seedFleet(db.prisma, { environmentId: ENV, count: 1, configsPerTenant: 1, recipients: [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }], prefix: 'listen' })) as [FleetTenant];
    await closeDatabase();
    const started = await startBroker({ ...SECRETS, DATABASE_URL: databaseUrl, DATA_DIR: `${cluster.dataDir}-broker` });
    if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
    server = started.server;
    const full = await poll({});
    expect(full.status).toBe(200);
    expect(full.tenants).toEqual([tenant.externalId]);
    cursor = full.next as string;
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    cluster?.stop();
  });

  it('its listener backend terminated: the poll held from before is answered when the listener is back', async () => {
    await catchUp();
    const held = poll({ cursor, wait: 30 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cutAt = Date.now();
    await commitChange(async (client) => expect(await cutListener(client)).toBe(1));
    const committedAt = Date.now();
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.tenants).toEqual([tenant.externalId]);
    // The old code answered after 30 s, when the wait ran out.
    expect(answer.at - committedAt).toBeLessThan(10_000);
    const backAt = listenerBackAt(cutAt);
    expect(backAt, server.output().slice(-2_000)).not.toBeNull();
    console.log(`terminated: answered ${answer.at - committedAt} ms after the commit, ${answer.at - (backAt as number)} ms after the listener's return`);
    expect(answer.at - (backAt as number)).toBeLessThan(2_000);
    cursor = answer.next as string;
  }, 60_000);

  it('PostgreSQL restarted: the poll held from before is answered when the listener is back', async () => {
    await catchUp();
    const held = poll({ cursor, wait: 45 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const haltedAt = Date.now();
    cluster.halt();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    cluster.resume();
    // Committed as soon as the database is back. The listener retries with backoff and is most likely
    // not back yet; if it is, it is cut again, so the change lands in the gap either way.
    let cut = 0;
    await commitChange(async (client) => void (cut = await cutListener(client)));
    const committedAt = Date.now();
    const answer = await held;
    expect(answer.status).toBe(200);
    expect(answer.tenants).toEqual([tenant.externalId]);
    // The listener's retries after a ~3 s outage are at most 4 s apart; the old code answered after 45 s.
    expect(answer.at - committedAt).toBeLessThan(15_000);
    const backAt = listenerBackAt(haltedAt);
    expect(backAt, server.output().slice(-2_000)).not.toBeNull();
    console.log(`restart: the listener ${cut ? 'was back and was cut again' : 'was not back yet'} at the commit; answered ${answer.at - committedAt} ms after it, ${answer.at - (backAt as number)} ms after the listener's return`);
    expect(answer.at - (backAt as number)).toBeLessThan(2_000);
    cursor = answer.next as string;
  }, 90_000);

  it('its deployment disabled while the listener is down: the poll held from before gets 401 when the listener is back', async () => {
    await catchUp();
    const held = poll({ cursor, wait: 30 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cutAt = Date.now();
    await setDeploymentStatus('disabled', async (client) => expect(await cutListener(client)).toBe(1));
    const committedAt = Date.now();
    try {
      const answer = await held;
      // Without the recheck of held deployments the poll waited its 30 s out before the 401: disabled, yet still held.
      expect(answer.status).toBe(401);
      expect(answer.at - committedAt).toBeLessThan(10_000);
      const backAt = listenerBackAt(cutAt);
      expect(backAt, server.output().slice(-2_000)).not.toBeNull();
      console.log(`disabled: refused ${answer.at - committedAt} ms after the commit, ${answer.at - (backAt as number)} ms after the listener's return`);
      expect(answer.at - (backAt as number)).toBeLessThan(2_000);
    } finally {
      await setDeploymentStatus('active');
    }
    expect((await poll({ cursor })).status).toBe(200);
  }, 60_000);
});
