// Tenant secrets at the broker, on each backend, with real signed tenant
// states (lib/crypto/tenant-changes.ts) and the proxy route handler itself:
// POST /api/v1/proxy/secrets lets the first writer win (a race of two gets one
// row, 201 then 200 with the same secret), and refuses — each with its code —
// a deployment the tenant did not approve, one of another environment, a
// suspended or unknown tenant, a secret the state does not ask for, a wrong
// kmsConfigId, the 1001st path and bad bodies. Bundles carry the wrapped
// secrets to approved deployments only and the proxy's bundle reader accepts
// them; a held long-poll wakes on a new secret; tenant changes refuse a
// dropped entry, an archived secret made current again, a changed pin and a
// pin with no stored row, and audit an accepted rotation and archive; a
// pinned secret whose row was deleted from the database is not made again.
// No wrapped secret ever appears in an audit event.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as secretsRoute } from '@/app/api/v1/proxy/secrets/route';
import { verifyBundle, type TBundle } from '@/lib/crypto/bundle';
import { newConfigId } from '@/lib/crypto/config-document';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { sealHeldConfig, signNextState, type THeldTenant } from '@/lib/crypto/tenant-changes';
import { archiveSecret, rotateSecret, secretDigest, type TTenantStateSecret } from '@/lib/crypto/tenant-secrets';
import { MAX_SECRET_PATHS_PER_TENANT } from '@/lib/schemas/tenant-secrets';
import type { CurrentUser } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { countTenantSecrets, listTenantSecrets } from '@/lib/server/dal/tenant-secrets';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment } from '@/lib/server/deployments/service';
import { buildBundle } from '@/lib/server/delivery/bundle';
import { ensureDeliveryListener, stopDeliveryListener } from '@/lib/server/delivery/listener';
import { pollBundle } from '@/lib/server/delivery/poll';
import { AppError } from '@/lib/server/errors';
import { publishedJwks } from '@/lib/server/signing';
import { createKeyedTenant, type KeyedTenant } from '@/lib/testing/keyed-tenant';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

type Dep = { id: string; kid: string; environmentId: string; apiKey: string };
let testDb: TestDatabase;
let db: Database;
let eu: Dep;
let stranger: Dep;
let far: Dep;
let acme: KeyedTenant;
let held: THeldTenant;
let brokerKeys: JWK[];
/** Every wrapped value sent, to prove none reaches the audit trail. */
const sent: string[] = [];

const wrappedValue = () => {
  const value = randomBytes(180).toString('base64url');
  sent.push(value);
  return value;
};

async function newDeployment(name: string, environmentId: string): Promise<Dep> {
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment({ id: 'usr_ops' } as CurrentUser, { name, environmentId, publicJwk: publicJwk as never });
  return { id: created.deployment.id, kid: created.deployment.kid, environmentId, apiKey: created.apiKey };
}

type Answer = { status: number; body: { created?: boolean; secret?: Record<string, unknown>; code?: string; detail?: string; fields?: { path: string }[] } };

async function post(dep: Dep, body: unknown, raw?: string): Promise<Answer> {
  const request = new Request('http://localhost/api/v1/proxy/secrets', {
    method: 'POST',
    headers: { authorization: `Bearer ${dep.apiKey}`, 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  const response = await secretsRoute(request, { params: Promise.resolve({}) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const secret = (change: Record<string, unknown> = {}) => ({ tenantId: 'acme', secretPath: 'orders/email', tenantSecretId: 1, kmsConfigId: 1, wrapped: wrappedValue(), ...change });

/** Signs and applies a state-only change with these secrets; on a refusal the held seq is put back. */
async function changeSecrets(secrets: TTenantStateSecret[] | undefined): Promise<AppError | null> {
  const before = { seq: held.seq, secrets: held.secrets };
  held.secrets = secrets;
  const { jws } = await signNextState(held);
  try {
    await applyConfigChange(acme.access, { state: jws });
    return null;
  } catch (error) {
    Object.assign(held, before);
    if (error instanceof AppError) return error;
    throw error;
  }
}

async function bundleFor(dep: Dep): Promise<TBundle> {
  const built = await buildBundle(db.prisma, dep, undefined);
  return verifyBundle(built.jws, brokerKeys, { deploymentId: dep.id });
}

const events = (action: string) => db.prisma.auditEvent.findMany({ where: { action }, orderBy: { vendorSeq: 'asc' } });

beforeAll(async () => {
  testDb = await createTestDatabase();
  Object.assign(process.env, { ...testDb.env, DATABASE_POOL_MAX: String(testDb.env.DATABASE_POOL_MAX) });
  db = await initDatabase({ env: testDb.env, migrate: true });
  await ensureDeliveryListener();
  await db.prisma.environment.create({ data: { id: 'env_ts', slug: 'ts', displayName: 'TS' } });
  await db.prisma.environment.create({ data: { id: 'env_far', slug: 'far', displayName: 'Far' } });
  eu = await newDeployment('eu-1', 'env_ts');
  stranger = await newDeployment('eu-2', 'env_ts');
  far = await newDeployment('far-1', 'env_far');
  brokerKeys = (await publishedJwks()).keys;
  acme = await createKeyedTenant(db.prisma, { suffix: 'tsacme', externalId: 'acme', displayName: 'Acme', environmentId: 'env_ts', adminEmail: 'admin@acme.example' });
  await db.prisma.tenant.update({ where: { id: acme.access.tenant.id }, data: { recipientKids: [eu.kid] } });
  held = { externalId: 'acme', keys: acme.keys, encPublicJwk: acme.encPublic, seq: 0, recipients: [eu.kid], configs: [] };
  const configId = newConfigId();
  const config = { configId, kind: 'kms' as const, provider: 'aws-kms', settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' } };
  const sealed = await sealHeldConfig(held, config, 1, [{ kid: eu.kid, publicJwk: (await db.prisma.proxyDeployment.findUniqueOrThrow({ where: { id: eu.id } })).publicJwk as JWK }]);
  held.configs.push({ ...config, version: 1, status: 'active', primary: true, digest: sealed.digest });
  const { jws } = await signNextState(held);
  await applyConfigChange(acme.access, { state: jws, put: { configId, kind: 'kms', provider: 'aws-kms', label: 'KMS', version: 1, jwe: sealed.jwe } });
  expect(held.configs[0]?.kmsConfigId).toBe(1);
  // A suspended tenant that approved eu-1, with the same kind of state.
  const sus = await createKeyedTenant(db.prisma, { suffix: 'tssus', externalId: 'suspended-co', displayName: 'Suspended', environmentId: 'env_ts', adminEmail: 'admin@sus.example' });
  await db.prisma.tenant.update({ where: { id: sus.access.tenant.id }, data: { recipientKids: [eu.kid], status: 'suspended' } });
}, 60_000);

afterAll(async () => {
  await stopDeliveryListener();
  await closeDatabase();
  await testDb.drop();
});

describe(`tenant secrets on ${backend}`, () => {
  it('lets the first of two racing writers win: one row, 201 for it and 200 with the same secret for the other', async () => {
    const [a, b] = [secret(), secret()];
    const answers = await Promise.all([post(eu, a), post(eu, b)]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 201]);
    const winner = answers.find((x) => x.status === 201)!.body;
    const loser = answers.find((x) => x.status === 200)!.body;
    expect(winner.created).toBe(true);
    expect(loser.created).toBe(false);
    expect(loser.secret).toEqual(winner.secret);
    expect([a.wrapped, b.wrapped]).toContain(winner.secret?.wrapped);
    expect(winner.secret).toMatchObject({ secretPath: 'orders/email', tenantSecretId: 1, kmsConfigId: 1 });
    expect(new Date(winner.secret?.createdAt as string).toISOString()).toBe(winner.secret?.createdAt);

    const rows = await listTenantSecrets(db.prisma, acme.access.tenant.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ wrapped: winner.secret?.wrapped, createdByDeploymentName: 'eu-1', digest: await secretDigest(1, winner.secret?.wrapped as string) });
    // Again later, with yet another wrapped form: still the winner's row.
    const again = await post(eu, secret());
    expect(again).toMatchObject({ status: 200, body: { created: false, secret: winner.secret } });
    const created = await events('tenant_secret.created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actorType: 'deployment', actorId: eu.id, actorLabel: 'eu-1', tenantExternalId: 'acme', targetType: 'tenant', targetId: 'acme' });
    expect(created[0]?.details).toMatchObject({ path: 'orders/email', id: 1, kmsConfigId: 1, deploymentId: eu.id });
  });

  it('answers 404 alike to a deployment not approved, one of another environment, a suspended and an unknown tenant', async () => {
    const answers = [await post(stranger, secret()), await post(far, secret()), await post(eu, secret({ tenantId: 'suspended-co' })), await post(eu, secret({ tenantId: 'nobody' }))];
    for (const answer of answers) expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(new Set(answers.map((a) => a.body.detail)).size).toBe(1);
  });

  it('refuses with 409 a secret the state does not ask for and a configuration that is not the primary', async () => {
    const notCurrent = await post(eu, secret({ tenantSecretId: 2 }));
    expect(notCurrent).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(notCurrent.body.detail).toMatch(/current secret/);
    const wrongConfig = await post(eu, secret({ secretPath: 'fresh', kmsConfigId: 2 }));
    expect(wrongConfig).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(wrongConfig.body.detail).toMatch(/primary KMS configuration \(kmsConfigId 1\)/);
    expect(await countTenantSecrets(db.prisma, acme.access.tenant.id)).toEqual({ paths: 1, secrets: 1 });
  });

  it(`stores at most ${MAX_SECRET_PATHS_PER_TENANT} paths per tenant (409), while an existing path is still answered`, async () => {
    const tenantId = acme.access.tenant.id;
    await db.prisma.tenantSecret.createMany({
      data: Array.from({ length: MAX_SECRET_PATHS_PER_TENANT - 1 }, (_, i) => ({ tenantId, secretPath: `bulk/${i}`, tenantSecretId: 1, kmsConfigId: 1, wrapped: 'AAAA', digest: 'x' })),
    });
    try {
      const over = await post(eu, secret({ secretPath: 'one-too-many' }));
      expect(over).toMatchObject({ status: 409, body: { code: 'conflict' } });
      expect(over.body.detail).toMatch(/1000 secret paths/);
      expect((await post(eu, secret())).status).toBe(200);
    } finally {
      await db.prisma.tenantSecret.deleteMany({ where: { tenantId, secretPath: { startsWith: 'bulk/' } } });
    }
  });

  it('refuses bad bodies with 400 and a missing key with 401', async () => {
    const bad: [string, unknown][] = [
      ['missing member', { tenantId: 'acme', secretPath: 'p', tenantSecretId: 1, kmsConfigId: 1 }],
      ['extra member', { ...secret(), digest: 'x' }],
      ['wrapped not canonical', secret({ wrapped: 'AB' })],
      ['wrapped not base64url', secret({ wrapped: 'a+b/' })],
      ['wrapped too long', secret({ wrapped: 'A'.repeat(8196) })],
      ['path with a control character', secret({ secretPath: 'a\u0001b' })],
      ['path too long', secret({ secretPath: 'p'.repeat(257) })],
      ['id 0', secret({ tenantSecretId: 0 })],
      ['kmsConfigId as a string', secret({ kmsConfigId: '1' })],
    ];
    for (const [what, body] of bad) expect((await post(eu, body)).body.code, what).toBe('validation_failed');
    expect((await post(eu, null, '{')).body.code).toBe('invalid_json');
    expect(await post(eu, null, JSON.stringify({ ...secret(), wrapped: 'A'.repeat(20_000) }))).toMatchObject({ status: 400, body: { code: 'request_too_large' } });
    expect((await post({ ...eu, apiKey: `cmkp_${'A'.repeat(43)}` }, secret())).status).toBe(401);
    expect(await countTenantSecrets(db.prisma, acme.access.tenant.id)).toEqual({ paths: 1, secrets: 1 });
  });

  it('delivers wrapped secrets to approved deployments only, and the proxy’s bundle reader accepts them', async () => {
    const [row] = await listTenantSecrets(db.prisma, acme.access.tenant.id);
    const mine = (await bundleFor(eu)).tenants.find((t) => t.tenantId === 'acme');
    expect(mine?.secrets).toEqual([{ secretPath: 'orders/email', tenantSecretId: 1, kmsConfigId: 1, wrapped: row?.wrapped, createdAt: row?.createdAt.toISOString() }]);
    const theirs = (await bundleFor(stranger)).tenants.find((t) => t.tenantId === 'acme');
    expect(theirs).toBeDefined();
    expect(theirs).not.toHaveProperty('secrets');
    // A tenant without secrets has no member at all (its entry is as before).
    const other = (await bundleFor(eu)).tenants.find((t) => t.tenantId === 'suspended-co');
    expect(other === undefined || !Object.hasOwn(other, 'secrets')).toBe(true);
  });

  it('wakes a held long-poll with the new secret', async () => {
    const built = await buildBundle(db.prisma, eu, undefined);
    expect(built.complete).toBe(true);
    const abort = new AbortController();
    // Only a safety net: a poll never woken answers 304 when aborted, and the test fails on that.
    const timer = setTimeout(() => abort.abort(), 30_000);
    const request = new Request(`http://localhost/api/v1/proxy/configs?cursor=${built.next}&wait=60`, { headers: { authorization: `Bearer ${eu.apiKey}` }, signal: abort.signal });
    const held = pollBundle(request, eu, { cursor: built.next, wait: 60 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stored = await post(eu, secret({ secretPath: 'wake' }));
    expect(stored.status).toBe(201);
    const response = await held;
    clearTimeout(timer);
    expect(response.status).toBe(200);
    const bundle = await verifyBundle(await response.text(), brokerKeys, { deploymentId: eu.id });
    expect(bundle.tenants.find((t) => t.tenantId === 'acme')?.secrets?.map((s) => s.secretPath)).toContain('wake');
  }, 40_000);

  it('refuses changes whose secrets break the tenant’s rules or pin what the broker does not hold', async () => {
    const [row] = await listTenantSecrets(db.prisma, acme.access.tenant.id);
    const pins = new Map([[1, row!.digest]]);
    const otherDigest = await secretDigest(1, 'BBBB');
    const unheld = await changeSecrets(rotateSecret(undefined, 'never-made', new Map([[1, 'A'.repeat(43)]])));
    expect(unheld).toMatchObject({ code: 'validation_failed', fields: [{ path: 'state' }] });
    expect(unheld?.message).toMatch(/does not hold/);
    const wrongPin = await changeSecrets(rotateSecret(undefined, 'orders/email', new Map([[1, await secretDigest(1, 'AAAA')]])));
    expect(wrongPin?.message).toMatch(/does not hold/);

    expect(await changeSecrets(rotateSecret(undefined, 'orders/email', pins))).toBeNull();
    const rotated = held.secrets!;
    const dropped = await changeSecrets(rotated.filter((s) => s.tenantSecretId !== 1));
    expect(dropped?.message).toMatch(/dropped/);
    const droppedAll = await changeSecrets(undefined);
    expect(droppedAll?.message).toMatch(/dropped/);
    const changedPin = await changeSecrets(rotated.map((s) => (s.tenantSecretId === 1 ? { ...s, digest: otherDigest } : s)));
    expect(changedPin?.message).toMatch(/pinned to another wrapped secret/);

    expect(await changeSecrets(archiveSecret(rotated, 'orders/email', 1))).toBeNull();
    const back = await changeSecrets([{ secretPath: 'orders/email', tenantSecretId: 1, status: 'current', digest: row!.digest }]);
    expect(back?.code).toBe('validation_failed');
    expect(back?.message).toMatch(/archived back to current/);
  });

  it('audits an accepted rotation and archive, and serves the new current secret only', async () => {
    const [rotation] = await events('tenant_secret.rotated');
    expect(rotation).toMatchObject({ actorType: 'user', tenantExternalId: 'acme', targetType: 'tenant', targetId: 'acme' });
    expect(rotation?.details).toMatchObject({ path: 'orders/email', id: 2, previousId: 1, rotatedCount: 1, archivedCount: 0 });
    const [archive] = await events('tenant_secret.archived');
    expect(archive?.details).toMatchObject({ path: 'orders/email', id: 1, archived: [{ path: 'orders/email', id: 1 }], archivedCount: 1 });
    // Secret 1 is archived and 2 is current: only 2 may be made now.
    expect((await post(eu, secret({ tenantSecretId: 1 }))).status).toBe(409);
    expect((await post(eu, secret({ tenantSecretId: 2 }))).status).toBe(201);
  });

  it('answers a current secret the state pins only with the pinned row: one removed from the database is not made again', async () => {
    const tenantId = acme.access.tenant.id;
    const two = (await listTenantSecrets(db.prisma, tenantId)).find((r) => r.secretPath === 'orders/email' && r.tenantSecretId === 2)!;
    expect(await changeSecrets(held.secrets!.map((s) => (s.tenantSecretId === 2 ? { ...s, digest: two.digest } : s)))).toBeNull();
    expect(await post(eu, secret({ tenantSecretId: 2 }))).toMatchObject({ status: 200, body: { created: false, secret: { wrapped: two.wrapped } } });
    await db.prisma.tenantSecret.delete({ where: { tenantId_secretPath_tenantSecretId: { tenantId, secretPath: 'orders/email', tenantSecretId: 2 } } });
    const refused = await post(eu, secret({ tenantSecretId: 2 }));
    expect(refused).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(refused.body.detail).toMatch(/pins secret 2 of path "orders\/email"/);
    expect(await db.prisma.tenantSecret.count({ where: { tenantId, secretPath: 'orders/email', tenantSecretId: 2 } })).toBe(0);
  });

  it('never writes a wrapped secret into an audit event', async () => {
    const trail = JSON.stringify(await db.prisma.auditEvent.findMany(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((w) => trail.includes(w))).toEqual([]);
  });
});
