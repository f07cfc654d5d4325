// The audited actions on both backends: configuration changes, deployment
// and tenant lifecycle write their event in the change's own transaction (a
// refused change writes none), the chains verify, and the secrets that pass
// through these actions — sealed settings, API keys — appear in no event.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import type { TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { signTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import { verifyStoredAuditTrail } from '@/lib/server/audit/checkpoint';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment, deleteDeployment, rotateApiKey, updateDeployment } from '@/lib/server/deployments/service';
import { DELETION_WAIT_MS, deleteTenant, requestTenantDeletion, resumeTenant, suspendTenant } from '@/lib/server/tenants/lifecycle';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { formatFindings, scanForSecrets } from '@/lib/testing/secret-scan';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

const TENANT = 'globex';
const CANARY = `canary-${randomBytes(6).toString('hex')}`;
const context = { ip: '203.0.113.50', userAgent: 'audit-test/1.0', requestId: 'req-audit-0001' };
const operator = { id: 'usr_op', email: 'ops@vendor.example' } as CurrentUser;

let testDb: TestDatabase;
let db: Database;
let keys: TImportedTenantKeys;
let encPublic: JWK;
let access: TenantAccess;
const secretsSeen: string[] = [CANARY];

async function signed(configs: TTenantState['configs'], seq: number) {
  const next: TTenantState = { typ: 'tenant-state', tenantId: TENANT, seq, configs, recipients: [], iat: Math.floor(Date.now() / 1000) };
  return signTenantState(next, keys.signingKey, keys.signingKid);
}

async function seal(configId: string, version: number) {
  const document: TConfigDocument = { typ: 'kms', tenantId: TENANT, configId, version, provider: 'aws-kms', settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/x', secret: CANARY }, iat: Math.floor(Date.now() / 1000) };
  return sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients: [{ kid: keys.encryptionKid, publicJwk: encPublic }] });
}

const events = () => db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_aud', slug: 'aud', displayName: 'Audit' } });
  ({ keys, encPublic, access } = await createKeyedTenant(db.prisma, { suffix: 'adm', externalId: TENANT, displayName: 'Globex', environmentId: 'env_aud', adminEmail: 'admin@globex.example' }));
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`audited actions on ${backend}`, () => {
  const configId = newConfigId();

  it('a configuration change writes one event in its transaction; a refused one writes none', async () => {
    const sealed = await seal(configId, 1);
    const entry = { configId, kind: 'kms' as const, version: 1, status: 'active' as const, primary: true, digest: sealed.digest };
    await applyConfigChange(access, { state: await signed([entry], 1), put: { configId, kind: 'kms', provider: 'aws-kms', label: 'Prod', version: 1, jwe: sealed.jwe } }, context);
    // Refused inside the transaction (the state does not list the stored configuration): the event rolls back with it.
    await expect(applyConfigChange(access, { state: await signed([], 2) }, context)).rejects.toMatchObject({ code: 'validation_failed' });
    await applyConfigChange(access, { state: await signed([{ ...entry, status: 'disabled', primary: false }], 2) }, context);
    await applyConfigChange(access, { state: await signed([], 3), remove: { configId } }, context);
    const rows = await events();
    expect(rows.map((r) => [r.action, r.tenantSeq])).toEqual([
      ['config.create', 1],
      ['config.disable', 2],
      ['config.delete', 3],
    ]);
    expect(rows[0]).toMatchObject({
      actorType: 'user',
      actorId: 'usr_adm',
      actorLabel: 'admin@globex.example',
      tenantExternalId: TENANT,
      targetType: 'config',
      targetId: configId,
      outcome: 'success',
      ...context,
      details: { seq: 1, configId, label: 'Prod', kind: 'kms', provider: 'aws-kms', version: 1 },
    });
    // The label a deleted configuration had: it can no longer be looked up.
    expect(rows[2]?.details).toEqual({ seq: 3, configId, label: 'Prod', kind: 'kms', provider: 'aws-kms' });
  });

  it('deployment actions record the operator and never the API key', async () => {
    const { publicJwk } = await generateJwkPair('ecdh');
    const created = await createDeployment(operator, { name: 'eu-1', environmentId: 'env_aud', publicJwk: publicJwk as never }, context);
    secretsSeen.push(created.apiKey);
    const by = { actor: { type: 'operator' as const, id: operator.id, label: operator.email }, context };
    await updateDeployment(created.deployment.id, { status: 'disabled' }, by);
    await updateDeployment(created.deployment.id, { status: 'active' }, by);
    secretsSeen.push((await rotateApiKey(created.deployment.id, new Date(Date.now() + 3_600_000), by)).apiKey);
    await deleteDeployment(created.deployment.id, by);
    const all = (await events()).filter((r) => r.targetType === 'deployment');
    const rows = all.filter((r) => r.action !== 'deployment.awaiting_approval');
    expect(rows.map((r) => r.action)).toEqual(['deployment.create', 'deployment.disable', 'deployment.enable', 'deployment.rotate_key', 'deployment.delete']);
    for (const row of rows) expect(row).toMatchObject({ actorType: 'operator', actorId: operator.id, targetId: created.deployment.id, tenantExternalId: null, tenantSeq: null });
    // Created and re-enabled: each time, the environment's tenant sees it awaiting approval, in the same batch.
    const awaiting = all.filter((r) => r.action === 'deployment.awaiting_approval');
    expect(awaiting.map((r) => [r.tenantExternalId, r.tenantSeq, r.vendorSeq])).toEqual([
      [TENANT, 4, rows[0]!.vendorSeq + 1],
      [TENANT, 5, rows[2]!.vendorSeq + 1],
    ]);
    expect(awaiting[0]).toMatchObject({ actorType: 'operator', details: { deploymentId: created.deployment.id, name: 'eu-1', kid: created.deployment.kid } });
  });

  it('tenant suspend, resume and delete keep the tenant chain after the tenant is gone', async () => {
    await suspendTenant(operator, TENANT, undefined, { context });
    await resumeTenant(operator, TENANT);
    const requested = new Date(Date.now() - DELETION_WAIT_MS - 1000);
    await requestTenantDeletion(operator, TENANT, { now: () => requested });
    await deleteTenant(operator, TENANT, { confirm: TENANT });
    expect(await db.prisma.tenant.count({ where: { externalId: TENANT } })).toBe(0);
    const rows = (await events()).filter((r) => r.targetType === 'tenant');
    expect(rows.map((r) => [r.action, r.tenantSeq, r.actorType])).toEqual([
      ['tenant.suspend', 6, 'operator'],
      ['tenant.resume', 7, 'operator'],
      ['tenant.deletion_request', 8, 'operator'],
      ['tenant.delete', 9, 'operator'],
    ]);
    expect(rows[0]).toMatchObject(context);
    expect(rows[1]).toMatchObject({ ip: null, requestId: null });
  });

  it('the chains verify and no secret appears in any event', async () => {
    const { report } = await verifyStoredAuditTrail();
    expect(report).toMatchObject({ ok: true, vendor: { count: 14 }, tenants: { [TENANT]: { count: 9 } } });
    const rows = await events();
    const dump = JSON.stringify(rows);
    expect(dump).not.toMatch(/"(jwe|settings|apiKey|ciphertext)"/);
    // The canaries as is and in every encoding (base64url, base64, hex), and no private key of any kind.
    const records = rows.flatMap((row) => Object.entries(row).map(([column, value]) => ({ where: `audit_event.${column} (${row.id})`, value: value instanceof Date ? value.toISOString() : value })));
    const canaries = secretsSeen.map((value, i) => ({ label: `secret ${i}`, value }));
    const scan = scanForSecrets(records, canaries);
    expect(formatFindings(scan.findings)).toBe('');
    expect(scan.stats.values).toBeGreaterThan(rows.length * 10);
  });
});
