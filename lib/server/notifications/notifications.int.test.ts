// Mail notifications on both backends, from real audit events (written by the
// audited services or by recordAudit itself, the real writer) to the outbox:
// the cursor starts at the head, events fan out to confirmed admins only,
// only notify actions are mailed, one digest per admin per batch window
// (across tenants), opt-out, the 50-event cap, and no secret in any digest.
// Several notifiers running at once send each event exactly once.
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { sealConfig } from '@/lib/crypto/seal-config';
import type { TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { signTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import type { AuditAction } from '@/lib/schemas/audit';
import { recordAudit } from '@/lib/server/audit/record';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createKeyedTenant } from '@/lib/testing/keyed-tenant';
import { formatFindings, scanForSecrets } from '@/lib/testing/secret-scan';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';
import { getNotificationSettings, updateNotificationSettings } from './settings';
import { fanOut, fanOutAll, runNotifier, sendDueDigests } from './worker';

Object.assign(process.env, {
  AUTH_SECRET: randomBytes(32).toString('base64url'),
  BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  PUBLIC_URL: 'https://broker.example',
  SMTP_URL: '',
});

const CANARY = `canary-${randomBytes(8).toString('hex')}`;
const UA_CANARY = `ua-canary-${randomBytes(6).toString('hex')}`;
const IP = '203.0.113.77';
const WINDOW_S = 300;
const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const people = {
  alice: { id: 'usr_alice', email: 'alice@globex.example' }, // confirmed admin of globex and initech
  bob: { id: 'usr_bob', email: 'bob@globex.example' }, // confirmed admin of globex
  carol: { id: 'usr_carol', email: 'carol@globex.example' }, // pending admin of globex
  dave: { id: 'usr_dave', email: 'dave@initech.example' }, // confirmed admin of initech
  ops: { id: 'usr_ops', email: 'ops@vendor.example' }, // operator
};

let testDb: TestDatabase;
let db: Database;
let keys: TImportedTenantKeys;
let encPublic: JWK;
let access: TenantAccess;

const asUser = (p: { id: string; email: string }, isOperator = false): CurrentUser => ({ ...p, isOperator, adminKeyKid: 'x', totpEnabled: false, sessionId: 'ses' });
const mails = (to?: string) => db.prisma.outboxMail.findMany({ where: to ? { recipient: to } : {}, orderBy: { createdAt: 'asc' } });
const pendingOf = (userId: string) => db.prisma.notificationPending.findMany({ where: { userId }, orderBy: { vendorSeq: 'asc' } });

async function createUser(p: { id: string; email: string }, isOperator = false) {
  await db.prisma.user.create({
    data: { ...p, isOperator, kdfSalt: 'salt', kdfIterations: 600_000, authKeyHash: 'hash', adminPublicJwk: {}, adminKeyKid: `kid_${p.id}`, sealedAdminKey: 'sealed' },
  });
}

async function admin(userId: string, tenantId: string, status: 'confirmed' | 'pending') {
  await db.prisma.tenantAdmin.create({ data: { id: `adm_${userId}_${tenantId}`, tenantId, userId, status } });
}

/** One event through the real writer, in its own transaction. */
async function record(action: AuditAction, tenantExternalId: string | null, extra: { target?: { type: string; id: string }; details?: Record<string, unknown> } = {}) {
  return db.prisma.$transaction((tx) =>
    recordAudit(tx, { actor: { type: 'user', id: people.alice.id, label: people.alice.email }, action, tenantExternalId, context: { ip: IP, userAgent: UA_CANARY }, ...extra }),
  );
}

async function signed(configs: TTenantState['configs'], seq: number) {
  const next: TTenantState = { typ: 'tenant-state', tenantId: 'globex', seq, configs, recipients: [], iat: Math.floor(Date.now() / 1000) };
  return signTenantState(next, keys.signingKey, keys.signingKid);
}

/** A real configuration, sealed with canary settings, created through applyConfigChange (which audits config.create). */
async function createSealedConfig(seq: number) {
  const configId = newConfigId();
  const document: TConfigDocument = {
    typ: 'kms',
    tenantId: 'globex',
    configId,
    version: 1,
    provider: 'aws-kms',
    settings: { keyArn: `arn:aws:kms:eu-west-1:111122223333:key/${CANARY}`, secretAccessKey: CANARY },
    iat: Math.floor(Date.now() / 1000),
  };
  const sealed = await sealConfig({ document, signingKey: keys.signingKey, signingKid: keys.signingKid, recipients: [{ kid: keys.encryptionKid, publicJwk: encPublic }] });
  const entry = { configId, kind: 'kms' as const, version: 1, status: 'active' as const, primary: true, digest: sealed.digest };
  await applyConfigChange(access, { state: await signed([entry], seq), put: { configId, kind: 'kms', provider: 'aws-kms', label: 'Prod keys', version: 1, jwe: sealed.jwe } }, { ip: IP, userAgent: UA_CANARY, requestId: 'req-notify-1' });
  return { configId, jwe: JSON.stringify(sealed.jwe) };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_n', slug: 'n', displayName: 'Notify' } });
  for (const p of Object.values(people)) await createUser(p, p === people.ops);
  ({ keys, encPublic, access } = await createKeyedTenant(db.prisma, { suffix: 'glx', externalId: 'globex', displayName: 'Globex', environmentId: 'env_n', adminEmail: people.alice.email }));
  access = { ...access, user: asUser(people.alice) };
  await db.prisma.tenant.create({ data: { id: 'ten_ini', externalId: 'initech', displayName: 'Initech', environmentId: 'env_n', status: 'active' } });
  await admin(people.alice.id, 'ten_glx', 'confirmed');
  await admin(people.bob.id, 'ten_glx', 'confirmed');
  await admin(people.carol.id, 'ten_glx', 'pending');
  await admin(people.alice.id, 'ten_ini', 'confirmed');
  await admin(people.dave.id, 'ten_ini', 'confirmed');
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`notifications on ${backend}`, () => {
  let sealedJwe = '';

  it('the cursor starts at the head of an existing trail: history is never mailed', async () => {
    await record('config.edit', 'globex', { target: { type: 'config', id: 'cfg_history' } });
    await record('tenant.suspend', 'initech');
    const first = await fanOut();
    expect(first).toMatchObject({ skipped: false, started: true, to: 2 });
    expect(await fanOutAll()).toBe(0);
    expect(await sendDueDigests(T0, WINDOW_S)).toBe(0);
    expect(await mails()).toHaveLength(0);
  });

  it('fans a notify event out to the confirmed admins of its tenant only; other actions produce nothing', async () => {
    const created = await createSealedConfig(1);
    sealedJwe = created.jwe;
    // Not notify-flagged (tenant chain), vendor-only, and the settings change itself.
    await record('delivery.apply', 'globex', { target: { type: 'deployment', id: 'dep_1' } });
    await record('tenant.settings_update', 'globex');
    await record('deployment.create', null, { target: { type: 'deployment', id: 'dep_2' } });
    await record('account.notifications_update', 'globex', { target: { type: 'user', id: people.alice.id } });
    expect(await fanOutAll()).toBe(2);
    const seqOfCreate = (await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'config.create' } })).vendorSeq;
    expect((await pendingOf(people.alice.id)).map((p) => p.vendorSeq)).toEqual([seqOfCreate]);
    expect((await pendingOf(people.bob.id)).map((p) => p.vendorSeq)).toEqual([seqOfCreate]);
    expect(await pendingOf(people.carol.id)).toEqual([]);
    expect(await pendingOf(people.dave.id)).toEqual([]);
    expect(await pendingOf(people.ops.id)).toEqual([]);
  });

  it('two events within the window make one digest per admin, across tenants', async () => {
    await record('delivery.error', 'initech', { target: { type: 'deployment', id: 'dep_eu' }, details: { deploymentId: 'dep_eu', errors: [{ configId: 'cfg_x', code: 'kms_unreachable', message: CANARY }], errorCount: 2, message: CANARY } });
    expect(await fanOutAll()).toBe(2);
    expect(await sendDueDigests(T0, WINDOW_S)).toBe(3);
    const [toAlice, ...moreToAlice] = await mails(people.alice.email);
    expect(moreToAlice).toHaveLength(0);
    expect(toAlice?.subject).toBe('CMK broker: 2 security events on 2 tenants');
    expect(toAlice?.body).toContain('Created a configuration');
    expect(toAlice?.body).toContain('tenant: Globex (globex)');
    expect(toAlice?.body).toContain('by: alice@globex.example');
    expect(toAlice?.body).toMatch(/kind: kms; provider: aws-kms; version: 1/);
    expect(toAlice?.body).toContain('A proxy deployment reported an error');
    expect(toAlice?.body).toContain('errors: kms_unreachable (configuration cfg_x); error count: 2');
    expect(toAlice?.body).toContain('https://broker.example/t/globex/audit');
    expect(toAlice?.body).toContain('https://broker.example/account#notifications');
    expect((await mails(people.bob.email)).map((m) => m.subject)).toEqual(['CMK broker: 1 security event on Globex']);
    expect((await mails(people.dave.email)).map((m) => m.subject)).toEqual(['CMK broker: 1 security event on Initech']);
    expect(await mails(people.carol.email)).toHaveLength(0);
    expect(await db.prisma.notificationPending.count()).toBe(0);
  });

  it('a later event waits for the end of the window: never more than one mail per window', async () => {
    await record('config.disable', 'globex', { target: { type: 'config', id: 'cfg_later' } });
    await fanOutAll();
    expect(await sendDueDigests(at(60), WINDOW_S)).toBe(0);
    expect(await sendDueDigests(at(WINDOW_S - 1), WINDOW_S)).toBe(0);
    expect(await pendingOf(people.bob.id)).toHaveLength(1);
    expect(await sendDueDigests(at(WINDOW_S), WINDOW_S)).toBe(2);
    const toBob = await mails(people.bob.email);
    expect(toBob).toHaveLength(2);
    expect(toBob[1]?.body).toContain('Disabled a configuration');
    expect(toBob[1]?.body).not.toContain('Created a configuration');
    expect(await mails(people.dave.email)).toHaveLength(1);
  });

  it('an admin who opts out gets no mail, and what was pending is dropped; the change is audited', async () => {
    await record('config.primary', 'globex', { target: { type: 'config', id: 'cfg_p' } });
    await fanOutAll();
    expect(await pendingOf(people.bob.id)).toHaveLength(1);
    expect(await getNotificationSettings(asUser(people.bob))).toMatchObject({ enabled: true, available: true, windowMinutes: 5 });
    await updateNotificationSettings(asUser(people.bob), { enabled: false }, { ip: IP, requestId: 'req-opt-out' });
    expect(await getNotificationSettings(asUser(people.bob))).toMatchObject({ enabled: false });
    expect(await pendingOf(people.bob.id)).toHaveLength(0);
    await record('admin.remove', 'globex', { target: { type: 'user', id: 'usr_x' } });
    await fanOutAll();
    expect(await pendingOf(people.bob.id)).toHaveLength(0);
    expect(await sendDueDigests(at(2 * WINDOW_S), WINDOW_S)).toBe(1);
    expect(await mails(people.bob.email)).toHaveLength(2);
    const toAlice = await mails(people.alice.email);
    expect(toAlice).toHaveLength(3);
    expect(toAlice[2]?.body).toContain('Removed an admin');

    const audited = await db.prisma.auditEvent.findMany({ where: { action: 'account.notifications_update', actorId: people.bob.id } });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ tenantExternalId: 'globex', actorType: 'user', details: { enabled: false, previous: true }, requestId: 'req-opt-out' });

    // Alice administers two tenants: one event in each chain. Turning it back on.
    const { _max } = await db.prisma.auditEvent.aggregate({ _max: { vendorSeq: true } });
    await updateNotificationSettings(asUser(people.alice), { enabled: false });
    await updateNotificationSettings(asUser(people.bob), { enabled: true });
    const alices = await db.prisma.auditEvent.findMany({ where: { action: 'account.notifications_update', actorId: people.alice.id, vendorSeq: { gt: _max.vendorSeq ?? 0 } }, orderBy: { vendorSeq: 'asc' } });
    expect(alices.map((e) => e.tenantExternalId)).toEqual(['globex', 'initech']);
    await updateNotificationSettings(asUser(people.alice), { enabled: true });
  });

  it('operators have no notifications; an admin without tenants is audited vendor-only', async () => {
    expect(await getNotificationSettings(asUser(people.ops, true))).toMatchObject({ available: false });
    await expect(updateNotificationSettings(asUser(people.ops, true), { enabled: false })).rejects.toMatchObject({ code: 'forbidden' });
    await updateNotificationSettings(asUser(people.carol), { enabled: true });
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'account.notifications_update', actorId: people.carol.id } });
    expect(event.tenantExternalId).toBeNull();
  });

  it('an admin removed before the digest is not told about the tenant any more', async () => {
    await record('config.enable', 'initech', { target: { type: 'config', id: 'cfg_gone' } });
    await fanOutAll();
    expect(await pendingOf(people.dave.id)).toHaveLength(1);
    await db.prisma.tenantAdmin.delete({ where: { tenantId_userId: { tenantId: 'ten_ini', userId: people.dave.id } } });
    await sendDueDigests(at(3 * WINDOW_S), WINDOW_S);
    expect(await mails(people.dave.email)).toHaveLength(1);
    expect(await pendingOf(people.dave.id)).toHaveLength(0);
  });

  it('a digest lists at most 50 events, then how many more with a link to the audit page', async () => {
    for (let i = 0; i < 55; i++) await record('config.edit', 'globex', { target: { type: 'config', id: `cfg_many_${i}` }, details: { version: i + 2 } });
    await fanOutAll();
    await sendDueDigests(at(4 * WINDOW_S), WINDOW_S);
    const last = (await mails(people.bob.email)).at(-1);
    expect(last?.subject).toBe('CMK broker: 55 security events on Globex');
    expect(last?.body.match(/Edited a configuration/g)).toHaveLength(50);
    expect(last?.body).toContain('… and 5 more on Globex (globex): https://broker.example/t/globex/audit');
  });

  it('no digest holds a secret, a JWE, an IP address or a user agent', async () => {
    const rows = await mails();
    expect(rows.length).toBeGreaterThan(5);
    const records = rows.flatMap((r) => [
      { where: `outbox ${r.id} subject`, value: r.subject },
      { where: `outbox ${r.id} body`, value: r.body },
    ]);
    const scan = scanForSecrets(records, [
      { label: 'settings canary', value: CANARY },
      { label: 'user agent', value: UA_CANARY },
    ]);
    expect(formatFindings(scan.findings)).toBe('');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(IP);
    expect(dump).not.toContain(sealedJwe.slice(20, 80));
    expect(dump).not.toMatch(/"(jwe|settings|ciphertext)"/);
  });

  it('a key rotation also reaches the admins it sent back to pending, once each', async () => {
    await sendDueDigests(at(500 * WINDOW_S), 0);
    await record('tenant.keys_rotate', 'globex', { target: { type: 'tenant', id: 'globex' }, details: { seq: 9, reconfirm: [people.carol.id, people.bob.id, 'usr_gone'] } });
    const seq = (await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'tenant.keys_rotate' } })).vendorSeq;
    // alice and bob as confirmed admins, carol because she must be confirmed again; a user who no longer exists is skipped.
    expect(await fanOutAll()).toBe(3);
    for (const person of [people.alice, people.bob, people.carol]) expect((await pendingOf(person.id)).map((p) => p.vendorSeq)).toEqual([seq]);
    expect(await pendingOf(people.dave.id)).toEqual([]);
    await sendDueDigests(at(501 * WINDOW_S), 0);
    expect((await mails(people.carol.email)).at(-1)?.body).toContain('Rotated the tenant keys');
  });

  it('notifiers running at once mail every event exactly once', async () => {
    const before = (await mails(people.alice.email)).length;
    const total = 40;
    let appended = 0;
    const appender = (async () => {
      for (; appended < total; appended++) await record('config.delete', 'globex', { target: { type: 'config', id: `cfg_race_${appended}_` } });
    })();
    let round = 5;
    const worker = async () => {
      while (appended < total) {
        round += 1;
        await fanOutAll();
        // A window of 0: every round may mail, so a double send or a lost event would show.
        await sendDueDigests(at(round * WINDOW_S), 0);
      }
    };
    await Promise.all([appender, worker(), worker(), worker()]);
    await Promise.all([runNotifier(at(1000 * WINDOW_S)), runNotifier(at(1000 * WINDOW_S))]);
    const bodies = (await mails(people.alice.email)).slice(before).map((m) => m.body).join('\n');
    for (let i = 0; i < total; i++) expect(bodies.split(`config cfg_race_${i}_`).length - 1, `event ${i}`).toBe(1);
    expect(await db.prisma.notificationPending.count()).toBe(0);
    const cursor = await db.prisma.notificationCursor.findUniqueOrThrow({ where: { id: 'audit' } });
    expect(cursor.vendorSeq).toBe((await db.prisma.auditEvent.aggregate({ _max: { vendorSeq: true } }))._max.vendorSeq);
  });
});
