// PostgreSQL restarted under traffic (issue 8): a proxy polls and a tenant
// admin makes configuration changes through the real API while the database
// is stopped (fast shutdown: every connection cut, transactions in flight
// aborted) and started again. Every refusal meanwhile is a 503 problem+json
// `database_unavailable`, never a 500; the broker recovers by itself; and no
// write is partial: each stored tenant state has exactly its audit event and
// each audit event its state, every change answered 201 is stored, and the
// audit chains verify.
//
// The test runs its own cluster (it stops it), from the binaries `npm test`
// found (TEST_PG_BIN_DIR); on the PGlite leg it is skipped.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { verifyStoredAuditTrail } from '@/lib/server/audit/checkpoint';
import type { CurrentUser } from '@/lib/server/authz';
import { prepareAccount } from '@/lib/server/accounts/new-account';
import { closeDatabase, initDatabase } from '@/lib/server/db';
import { createUser } from '@/lib/server/dal/users';
import { createDeployment } from '@/lib/server/deployments/service';
import { BrokerClient, newAccount } from '@/lib/testing/api-client';
import { seedFleet, signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend } from '@/lib/testing/test-db';
import { startPgCluster, type PgCluster } from '@/scripts/lib/pg-cluster';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const run = randomBytes(4).toString('hex');
const OPERATOR = { email: 'ops@restart.example', passphrase: `restart quartz lantern orbit ${run}` };
const ADMIN = { email: 'admin@restart.example', passphrase: `restart copper heron sails ${run}` };
const binDir = process.env.TEST_PG_BIN_DIR;

let cluster: PgCluster;
let databaseUrl: string;
let server: ServerProcess;
let tenant: FleetTenant;
let apiKey: string;

type Outcome = { status: number; code: string | null; contentType: string | null };

async function outcomeOf(response: Response): Promise<Outcome> {
  const text = await response.text();
  let code: string | null = null;
  if ((response.headers.get('content-type') ?? '').startsWith('application/problem+json')) code = (JSON.parse(text) as { code: string }).code;
  return { status: response.status, code, contentType: response.headers.get('content-type') };
}

async function storedSeq(): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ state_seq: number }>('SELECT state_seq FROM tenant WHERE id = $1', [tenant.id])).rows[0]?.state_seq ?? 0;
  } finally {
    await client.end();
  }
}

async function waitReady(base: string, deadlineMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    const ok = await fetch(`${base}/api/ready`).then((r) => r.status === 200, () => false);
    if (ok) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the broker did not become ready again');
}

describe.runIf(backend === 'postgresql' && binDir)('PostgreSQL restarted during traffic', () => {
  beforeAll(async () => {
    cluster = await startPgCluster(binDir as string);
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE restart_test');
    await admin.end();
    const url = new URL(cluster.adminUrl);
    url.pathname = '/restart_test';
    databaseUrl = url.toString();
    const db = await initDatabase({ env: { DATABASE_URL: databaseUrl, PGLITE_DIR: 'unused', DATABASE_POOL_MAX: 5 }, migrate: true });
    const operatorAccount = await newAccount(OPERATOR.email, OPERATOR.passphrase);
    const operator = await createUser(db.prisma, await prepareAccount({ ...operatorAccount.body, email: OPERATOR.email } as never, true));
    await db.prisma.environment.create({ data: { id: 'env_restart', slug: 'restart', displayName: 'Restart' } });
    const pair = await generateJwkPair('ecdh');
    const created = await createDeployment({ id: operator.id } as CurrentUser, { name: 'restart-proxy', environmentId: 'env_restart', publicJwk: pair.publicJwk as never });
    apiKey = created.apiKey;
    [tenant] = (await seedFleet(db.prisma, { environmentId: 'env_restart', count: 1, configsPerTenant: 1, recipients: [{ kid: created.deployment.kid, publicJwk: pair.publicJwk }], prefix: 'restart' })) as [FleetTenant];
    const adminAccount = await newAccount(ADMIN.email, ADMIN.passphrase);
    const adminUser = await createUser(db.prisma, await prepareAccount({ ...adminAccount.body, email: ADMIN.email } as never, false));
    await db.prisma.tenantAdmin.create({ data: { id: 'adm_restart', tenantId: tenant.id, userId: adminUser.id, status: 'confirmed' } });
    await closeDatabase();
    const started = await startBroker({ ...SECRETS, DATABASE_URL: databaseUrl, DATA_DIR: `${cluster.dataDir}-broker` });
    if (!started.ok) throw new Error(`broker did not start:\n${started.output}`);
    server = started.server;
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    cluster?.stop();
  });

  it('answers 503 problem+json while it is down, recovers by itself, and writes nothing partial', async () => {
    const admin = new BrokerClient(server.url);
    expect((await admin.signIn(ADMIN.email, ADMIN.passphrase)).ok).toBe(true);
    const initialSeq = tenant.seq;
    const refusals: Outcome[] = [];
    const committed: number[] = [];
    let stop = false;
    let proxyOk = 0;
    let changesOk = 0;

    const proxyLoop = async () => {
      while (!stop) {
        const response = await fetch(`${server.url}/api/v1/proxy/configs`, { headers: { authorization: `Bearer ${apiKey}` } }).catch(() => null);
        if (!response) throw new Error('the broker dropped a proxy request');
        const outcome = await outcomeOf(response);
        if (outcome.status === 200) proxyOk += 1;
        else refusals.push(outcome);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const adminLoop = async () => {
      let known = tenant.seq;
      while (!stop) {
        tenant.seq = known;
        const config = tenant.configs[0] as FleetTenant['configs'][number];
        config.status = config.status === 'active' ? 'disabled' : 'active';
        config.primary = config.status === 'active';
        const { state, jws } = await signNextState(tenant);
        const response = await admin.fetch(`/api/v1/tenants/${tenant.externalId}/changes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: admin.origin },
          body: JSON.stringify({ state: jws }),
        });
        const outcome = await outcomeOf(response);
        if (outcome.status === 201) {
          committed.push(state.seq);
          changesOk += 1;
          known = state.seq;
          continue;
        }
        refusals.push(outcome);
        // Whether a change cut off mid-flight committed is the database's to say: wait, then ask it.
        await waitReady(server.url, 60_000);
        known = await storedSeq();
        config.status = config.status === 'active' ? 'disabled' : 'active';
      }
    };

    const loops = Promise.all([proxyLoop(), adminLoop()]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const beforeOutage = { proxyOk, changesOk };
    cluster.halt();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    cluster.resume();
    const recoveredIn = await waitReady(server.url, 60_000);
    const afterRecovery = { proxyOk, changesOk };
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    stop = true;
    await loops;
    console.log(`restart: ready again ${recoveredIn} ms after the cluster was back; proxy 200s ${proxyOk}, changes ${changesOk}, refusals ${refusals.length}`);

    // Traffic flowed before, was refused during, and flowed again after.
    expect(beforeOutage.proxyOk).toBeGreaterThan(0);
    expect(beforeOutage.changesOk).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    expect(proxyOk).toBeGreaterThan(afterRecovery.proxyOk);
    expect(changesOk).toBeGreaterThan(afterRecovery.changesOk);
    // Every refusal was the documented one.
    // On a mismatch, the broker's error lines say which error was not recognised as the database being away.
    const errorLines = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":"error"') && !line.includes('"code":"database_unavailable"'))
        .slice(-4)
        .join('\n');
    for (const refusal of refusals) expect(refusal, errorLines()).toEqual({ status: 503, code: 'database_unavailable', contentType: 'application/problem+json' });

    await server.stop();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const states = (await client.query<{ seq: number }>('SELECT seq FROM tenant_state WHERE tenant_id = $1 AND seq > $2 ORDER BY seq', [tenant.id, initialSeq])).rows.map((r) => r.seq);
      const events = (
        await client.query<{ seq: string }>(`SELECT details->>'seq' AS seq FROM audit_event WHERE tenant_external_id = $1 AND action LIKE 'config.%' ORDER BY tenant_seq`, [tenant.externalId])
      ).rows.map((r) => Number(r.seq));
      expect(events).toEqual(states);
      for (const seq of committed) expect(states).toContain(seq);
      expect(states.length).toBeGreaterThanOrEqual(committed.length);
    } finally {
      await client.end();
    }
    await initDatabase({ env: { DATABASE_URL: databaseUrl, PGLITE_DIR: 'unused', DATABASE_POOL_MAX: 2 } });
    try {
      const { report } = await verifyStoredAuditTrail();
      expect(report.ok).toBe(true);
    } finally {
      await closeDatabase();
    }
  }, 300_000);
});
