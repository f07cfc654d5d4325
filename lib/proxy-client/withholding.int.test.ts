// Withholding is visible (issue 19, item 3), against the real broker
// (scripts/start.ts, production build) on each backend with the real proxy
// client: someone with the database makes a tenant vanish from a proxy —
// leaves it out of the bundle, or flips its unsigned status to suspended.
// Each is reported by the proxy with its own code and the last change it
// applied; the broker relays it, and the tenant's deployments view (what its
// admins' page renders) says "stopped receiving your configuration at
// change N", apart from "behind". On PostgreSQL the database is changed under
// the running broker; PGlite admits one process, so there the broker is
// stopped for the change and started again.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryState, stoppedOf, stoppedSentence } from '@/lib/delivery-state';
import { createProxyClient, type TProxyClient } from '@/lib/proxy-client';
import type { TProxyCredentials, TTenantDeployment } from '@/lib/schemas/deployments';
import type { TenantAccess } from '@/lib/server/authz';
import type { Prisma } from '@/lib/generated/prisma/client';
import { notify } from '@/lib/server/dal/delivery';
import { closeDatabase, initDatabase, openDatabase, type Database } from '@/lib/server/db';
import { deliveryPayload } from '@/lib/server/delivery/listener';
import { listDeployments } from '@/lib/server/deployments/service';
import { SHARE_MS } from '@/lib/server/delivery/poll';
import { listTenantDeployments } from '@/lib/server/deployments/tenant-view';
import { getTenantDetail } from '@/lib/server/tenants/detail';
import type { FleetTenant } from '@/lib/testing/fleet';
import { fleetWithDeployment, RestartableBroker } from '@/lib/testing/proxy-fleet';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const ENV_ID = 'env_withhold';
const live = backend === 'postgresql';

let testDb: TestDatabase;
let broker: RestartableBroker;
let fleet: FleetTenant[];
let credentials: TProxyCredentials;
let pinsFile: string;
let client: TProxyClient;

const tenant = (i: number) => fleet[i] as FleetTenant;
const newClient = () => createProxyClient({ credentials, pinsFile, logger: { info: () => {}, warn: () => {}, error: () => {} } });

/** Runs `work` with the database while the broker runs (PostgreSQL), or while it is stopped (PGlite). */
async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  if (!live) await broker.stop();
  const db = await openDatabase({ env: testDb.env });
  try {
    return await work(db);
  } finally {
    await db.close();
    if (!live) credentials.brokerUrl = await broker.start();
    // A bundle just built is shared with polls asking the same for SHARE_MS (poll.ts): the next ones see the change.
    else await new Promise((resolve) => setTimeout(resolve, SHARE_MS + 100));
  }
}

/**
 * Marks tenants changed as every change does, so that the next delta carries them: the environment's seq moves
 * and a running broker hears it (NOTIFY, as lib/server/dal/delivery.ts sends with each change).
 */
async function markChanged(db: Database, change: (tx: Prisma.TransactionClient, seq: number) => Promise<unknown>): Promise<void> {
  await db.prisma.$transaction(async (tx) => {
    const env = await tx.environment.update({ where: { id: ENV_ID }, data: { deliverySeq: { increment: 1 } } });
    await change(tx, env.deliverySeq);
    if (live) await notify(tx, deliveryPayload({ environmentId: ENV_ID, seq: env.deliverySeq }));
  });
}

/** What the broker's own services answer, as the pages ask them (the tenant's deployments, the operators' lists). */
async function brokerViews(i: number) {
  if (!live) await broker.stop();
  await initDatabase({ env: testDb.env });
  try {
    const t = tenant(i);
    const access = { user: { id: 'usr_admin' }, tenant: { id: t.id, externalId: t.externalId, displayName: t.externalId, status: 'active', requireMfa: false }, membership: { id: 'm', status: 'confirmed' } } as TenantAccess;
    return { tenantView: await listTenantDeployments(access), operatorList: await listDeployments(), operatorDetail: await getTenantDetail(t.externalId) };
  } finally {
    await closeDatabase();
    if (!live) credentials.brokerUrl = await broker.start();
  }
}

/** What the tenant admin's page shows for the deployment (components/deployments/tenant-deployments.tsx), given the seq its browser verified. */
function pageSays(view: Awaited<ReturnType<typeof listTenantDeployments>>, verifiedSeq: number) {
  const row = view.deployments[0] as TTenantDeployment;
  const stopped = stoppedOf(row.errors);
  const state = deliveryState({ lastReportAt: row.lastStatusAt, appliedSeq: row.appliedSeq, currentSeq: verifiedSeq, changedAt: view.changedAt, stopped }, Date.parse(view.generatedAt));
  return { state, sentence: stopped ? stoppedSentence(stopped, 'tenant') : null };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  ({ fleet, credentials } = await fleetWithDeployment(db.prisma, { environmentId: ENV_ID, slug: 'withhold', deploymentName: 'withhold-proxy', count: 3, configsPerTenant: 2 }));
  await closeDatabase();
  broker = new RestartableBroker(testDb, SECRETS);
  credentials.brokerUrl = await broker.start();
  pinsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-pins-')), 'pins.json');
  client = newClient();
  await client.syncOnce();
  await client.reportStatus();
}, 600_000);

afterAll(async () => {
  await broker?.stop();
  await testDb?.drop();
});

describe(`a tenant made to vanish from a proxy is reported, on ${backend}${live ? ', under the running broker' : ''}`, () => {
  it('starts with every tenant served and the tenant page up to date', async () => {
    expect(client.summary().errors).toEqual([]);
    expect(client.summary().counts).toMatchObject({ tenants: 3, approved: 3, configurations: 6, stopped: 0 });
    expect(pageSays((await brokerViews(0)).tenantView, 1).state).toBe('current');
  }, 120_000);

  it('left out of the bundle: the next full sync reports tenant_withheld at change 1, and the tenant page says so', async () => {
    // The tenant's seq zeroed: the bundle query skips it, while its admins' page still verifies its latest state.
    await withDatabase((db) => db.prisma.tenant.update({ where: { id: tenant(0).id }, data: { stateSeq: 0 } }));
    // A proxy restarted (or at its hourly full sync) asks for everything.
    client = newClient();
    await client.syncOnce();
    expect(client.getTenant(tenant(0).externalId)).toBeUndefined();
    expect(client.summary().errors).toEqual([expect.objectContaining({ tenantId: tenant(0).externalId, code: 'tenant_withheld', seq: 1, configId: null })]);
    expect(client.getTenant(tenant(1).externalId)?.configs).toHaveLength(2);
    await client.reportStatus();

    const { tenantView, operatorList, operatorDetail } = await brokerViews(0);
    expect(tenantView.deployments[0]?.errors).toEqual([expect.objectContaining({ code: 'tenant_withheld', seq: 1 })]);
    // The broker now says seq 0; the page compares with the state its browser verified (seq 1).
    expect(pageSays(tenantView, 1)).toEqual({
      state: 'stopped',
      sentence: 'This deployment stopped receiving your configuration at change 1: the broker left your tenant out of what it sends. Its proxies serve none of your configurations.',
    });
    expect(operatorList[0]?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ tenantId: tenant(0).externalId, code: 'tenant_withheld', seq: 1 })]));
    expect(operatorDetail.deployments[0]).toMatchObject({ delivery: 'stopped', stopped: { code: 'tenant_withheld', seq: 1 } });
  }, 180_000);

  it('flipped to suspended in the database: the delta reports tenant_suspended at change 1, and the tenant page says so', async () => {
    // Marked changed too, so that the delta carries it at once (otherwise the next full sync would).
    await withDatabase((db) => markChanged(db, (tx, seq) => tx.tenant.update({ where: { id: tenant(1).id }, data: { status: 'suspended', deliverySeq: seq } })));
    await client.syncOnce();
    expect(client.getTenant(tenant(1).externalId)).toMatchObject({ status: 'suspended', configs: [] });
    expect(client.summary().errors.filter((e) => e.tenantId === tenant(1).externalId)).toEqual([expect.objectContaining({ code: 'tenant_suspended', seq: 1 })]);
    // Tenant 0 is still withheld: a delta does not clear what only a listing would.
    expect(client.summary().counts.stopped).toBe(2);
    await client.reportStatus();

    const { tenantView } = await brokerViews(1);
    expect(pageSays(tenantView, 1)).toEqual({
      state: 'stopped',
      sentence: expect.stringMatching(/^This deployment stopped receiving your configuration at change 1: the broker marks your tenant suspended, a flag you do not sign\./) as string,
    });
    // Tenant 2 was left alone: up to date, nothing reported.
    expect(pageSays((await brokerViews(2)).tenantView, 1).state).toBe('current');
  }, 180_000);

  it('undone: both are served again and the reports clear', async () => {
    await withDatabase((db) =>
      markChanged(db, async (tx, seq) => {
        await tx.tenant.update({ where: { id: tenant(0).id }, data: { stateSeq: 1, deliverySeq: seq } });
        await tx.tenant.update({ where: { id: tenant(1).id }, data: { status: 'active', deliverySeq: seq } });
      }),
    );
    await client.syncOnce();
    expect(client.summary().errors).toEqual([]);
    expect(client.summary().counts).toMatchObject({ tenants: 3, configurations: 6, stopped: 0 });
    await client.reportStatus();
    expect(pageSays((await brokerViews(0)).tenantView, 1).state).toBe('current');
  }, 180_000);
});
