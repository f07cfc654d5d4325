// Making a configuration primary, as the audit trail and the admins' mail tell
// it, on both backends: the event names the NEW primary (the first changed
// entry of the state is often the one that lost it) with the previous
// primary as a detail, and the notification digest names both by their label
// and id. Labels are non-secret metadata a tenant admin sees anyway; the
// digest also labels configurations an event names by id only (a proxy's
// error), but only those of tenants the reader administers.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { sealConfig } from '@/lib/crypto/seal-config';
import type { TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { signTenantState, type TTenantStateConfig } from '@/lib/crypto/tenant-state';
import { recordAudit } from '@/lib/server/audit/record';
import type { TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { fanOut, fanOutAll, sendDueDigests } from '@/lib/server/notifications/worker';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

Object.assign(process.env, {
  AUTH_SECRET: randomBytes(32).toString('base64url'),
  BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  PUBLIC_URL: 'https://broker.example',
  SMTP_URL: '',
});

const TENANT = 'hooli';
const ADMIN = 'admin@hooli.example';
let testDb: TestDatabase;
let db: Database;
let keys: TImportedTenantKeys;
let encPublic: JWK;
let access: TenantAccess;
const entries = new Map<string, TTenantStateConfig>();
let seq = 0;

async function nextState() {
  seq += 1;
  return signTenantState({ typ: 'tenant-state', tenantId: TENANT, seq, configs: [...entries.values()], recipients: [], iat: Math.floor(Date.now() / 1000) }, keys.signingKey, keys.signingKid);
}

/** A new KMS configuration through applyConfigChange, as the browser makes it. */
async function create(label: string, primary: boolean): Promise<string> {
  const configId = newConfigId();
  const document: TConfigDocument = {
    typ: 'kms',
    tenantId: TENANT,
    configId,
    version: 1,
    provider: 'aws-kms',
    settings: { keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    iat: Math.floor(Date.now() / 1000),
  };
  const sealed = await sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients: [{ kid: keys.encryptionKid, publicJwk: encPublic }] });
  entries.set(configId, { configId, kind: 'kms', version: 1, status: 'active', primary, digest: sealed.digest });
  await applyConfigChange(access, { state: await nextState(), put: { configId, kind: 'kms', provider: 'aws-kms', label, version: 1, jwe: sealed.jwe } });
  return configId;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_pri', slug: 'pri', displayName: 'Primary' } });
  ({ keys, encPublic, access } = await createKeyedTenant(db.prisma, { suffix: 'pri', externalId: TENANT, displayName: 'Hooli', environmentId: 'env_pri', adminEmail: ADMIN }));
  await db.prisma.user.create({
    data: { id: 'usr_pri', email: ADMIN, kdfSalt: 'salt', kdfIterations: 600_000, authKeyHash: 'hash', adminPublicJwk: {}, adminKeyKid: 'kid_pri', sealedAdminKey: 'sealed' },
  });
  await db.prisma.tenantAdmin.create({ data: { id: 'adm_pri', tenantId: 'ten_pri', userId: 'usr_pri', status: 'confirmed' } });
  // The notifier's first round starts at the head: only what follows is mailed.
  await fanOut();
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`making a configuration primary on ${backend}`, () => {
  let oldPrimary = '';
  let newPrimary = '';

  it('audits config.primary on the new primary, naming the previous one', async () => {
    // The old primary comes first in the state, so it is the first entry whose flag changes.
    oldPrimary = await create('Frankfurt HSM', true);
    newPrimary = await create('Dublin KMS', false);
    entries.set(oldPrimary, { ...entries.get(oldPrimary)!, primary: false });
    entries.set(newPrimary, { ...entries.get(newPrimary)!, primary: true });
    await applyConfigChange(access, { state: await nextState() });

    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'config.primary' } });
    expect(event.targetType).toBe('config');
    expect(event.targetId).toBe(newPrimary);
    expect(event.details).toMatchObject({ seq, configId: newPrimary, label: 'Dublin KMS', kind: 'kms', provider: 'aws-kms', previousPrimary: oldPrimary, previousPrimaryLabel: 'Frankfurt HSM' });
  });

  it('the admins’ mail names the new primary, and the previous one, by label and id', async () => {
    // A proxy's error names a configuration by id only; the mail adds its label.
    await db.prisma.$transaction((tx) =>
      recordAudit(tx, {
        actor: { type: 'deployment', id: 'dep_x', label: 'eu-1' },
        action: 'delivery.error',
        tenantExternalId: TENANT,
        target: { type: 'deployment', id: 'dep_x' },
        details: { deploymentId: 'dep_x', errors: [{ configId: oldPrimary, code: 'kms_unreachable' }, { configId: 'c_of_someone_else', code: 'kms_denied' }], errorCount: 2 },
      }),
    );
    await fanOutAll();
    expect(await sendDueDigests(new Date(), 0)).toBe(1);
    const mail = await db.prisma.outboxMail.findFirstOrThrow({ where: { recipient: ADMIN } });
    const block = mail.body.slice(mail.body.indexOf('Changed the primary configuration'));
    expect(block).toContain(`on: configuration "Dublin KMS" (${newPrimary})`);
    expect(block).toContain(`previous primary: "Frankfurt HSM" (${oldPrimary})`);
    expect(mail.body).toContain(`Created a configuration\n  tenant: Hooli (hooli)\n  by: ${ADMIN}\n  on: configuration "Frankfurt HSM" (${oldPrimary})`);
    expect(mail.body).toContain(`errors: kms_unreachable (configuration "Frankfurt HSM", ${oldPrimary}), kms_denied (configuration c_of_someone_else)`);
  });
});
