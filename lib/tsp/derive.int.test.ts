// Deterministic keys end to end (issue 25, docs/tsp.md "Deterministic keys"),
// on each backend: the real broker (scripts/start.ts, production build), a
// real TSP with its proxy client long-polling it, and the reference product's
// unmodified DeterministicTenantSecurityClient
// (@ironcorelabs/tenant-security-nodejs; the package does not re-export it).
//   - round trip, equal plaintexts → equal ciphertexts, search terms across a
//     rotation, old ciphertexts refused as the client expects after an archive;
//   - tampering with the database (the broker stopped, edited, started again),
//     each detected, reported in the status report, and the secret not served:
//     a wrapped secret moved to another tenant, one moved to another path, an
//     old secret put back as current, a rotation state flipped;
//   - a canary scan: neither a secret nor a derived key in the database, the
//     logs or the SIEM events.
// The KMS is a protocol double (lib/testing/kms/aws-kms-double.ts: SigV4
// checked, real AES-GCM, encryption context enforced): no cloud KMS is
// reachable here. Both tenants use the same KMS key on purpose, so that only
// the binding (tenant, path, id) tells their secrets apart. The SIEM is the
// webhook double.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { DeterministicTenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs/src/kms/DeterministicTenantSecurityClient';
import { FieldMetadata, TenantSecurityErrorCode } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId, type TConfigKind } from '@/lib/crypto/config-document';
import { archiveSecret, rotateSecret, secretDigest } from '@/lib/crypto/tenant-secrets';
import { createProxyClient, type TProxyClient } from '@/lib/proxy-client';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { closeDatabase, initDatabase, openDatabase, type Database } from '@/lib/server/db';
import { sealFor, signNextState, type FleetTenant } from '@/lib/testing/fleet';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import { fleetWithDeployment, RestartableBroker } from '@/lib/testing/proxy-fleet';
import { readStoredValues, scanForSecrets, formatFindings, type Canary } from '@/lib/testing/secret-scan';
import { startWebhookDouble, type TWebhookDouble } from '@/lib/testing/siem/webhook-double';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';
import { createKmsDriver } from '@/lib/kms';
import { createTsp, createTspLogger, secretBinding, type TTsp } from '@/lib/tsp';
import { refusalCode } from '@/e2e/support/tsp';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);
const ENV_ID = 'env_derive';
const API_KEY = 'derive-test-api-key-0123456789abcdef';
const HMAC = 'derive-test-webhook-secret-0123456789';

let testDb: TestDatabase;
let broker: RestartableBroker;
let fleet: FleetTenant[];
let credentials: TProxyCredentials;
let kms: TAwsKmsDouble;
let webhook: TWebhookDouble;
let awsSettings: Record<string, string>;
let client: TProxyClient;
let tsp: TTsp;
let app: DeterministicTenantSecurityClient;
const logs: string[] = [];
let tspUrl = '';

const A = () => fleet[0] as FleetTenant;
const B = () => fleet[1] as FleetTenant;
const meta = (t: FleetTenant) => new FieldMetadata(t.externalId, 'svc-search', 'PII', '10.0.0.9', 'person-1', 'req-derive');
const field = (text: string, secretPath = 'ssn', derivationPath = 'person.ssn') => ({ plaintextField: Buffer.from(text), secretPath, derivationPath });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The broker is stopped while the database is changed (PGlite allows one process), then started again. */
async function withBrokerStopped(work: (db: Database) => Promise<void>): Promise<void> {
  await broker.stop();
  const db = await openDatabase({ env: testDb.env });
  try {
    await work(db);
  } finally {
    await db.close();
  }
  credentials.brokerUrl = await broker.start();
}

async function markChanged(db: Database, tenantIds: string[]): Promise<void> {
  const env = await db.prisma.environment.update({ where: { id: ENV_ID }, data: { deliverySeq: { increment: 1 } } });
  await db.prisma.tenant.updateMany({ where: { id: { in: tenantIds } }, data: { deliverySeq: env.deliverySeq } });
}

/** The tenant's next signed state (what it holds: configurations and secrets), stored as the tenant admin's browser's change would be. */
async function publishState(db: Database, tenant: FleetTenant): Promise<void> {
  const { state, jws } = await signNextState(tenant);
  await db.prisma.tenantState.create({ data: { tenantId: tenant.id, seq: state.seq, jws } });
  await db.prisma.tenant.update({ where: { id: tenant.id }, data: { stateSeq: state.seq, kmsConfigIdMax: tenant.kmsConfigIdMax ?? 0 } });
  await markChanged(db, [tenant.id]);
}

async function addConfig(db: Database, tenant: FleetTenant, kind: TConfigKind, provider: string, settings: Record<string, unknown>): Promise<void> {
  const configId = newConfigId();
  const publicJwk = { ...(credentials.privateJwk as Record<string, unknown>) };
  delete publicJwk.d;
  const sealed = await sealFor(tenant, { configId, kind, provider, settings }, 1, [{ kid: tenant.recipients[0] as string, publicJwk: publicJwk as never }]);
  tenant.configs.push({ configId, kind, provider, settings, version: 1, status: 'active', primary: true, digest: sealed.digest });
  await db.prisma.tenantConfig.create({ data: { id: configId, tenantId: tenant.id, kind, provider, label: `${provider} 1`, latestVersion: 1, status: 'active', isPrimary: true } });
  await db.prisma.tenantConfigVersion.create({ data: { configId, version: 1, label: `${provider} 1`, provider, jwe: sealed.jwe as object, digest: sealed.digest, sizeBytes: JSON.stringify(sealed.jwe).length, stateSeq: tenant.seq + 1 } });
}

/** Pins for a rotation: each stored secret's digest, recomputed from the row (what the admin's browser does). */
async function pinsOf(db: Database, tenant: FleetTenant, secretPath: string): Promise<Map<number, string>> {
  const rows = await db.prisma.tenantSecret.findMany({ where: { tenantId: tenant.id, secretPath } });
  return new Map(await Promise.all(rows.map(async (r) => [r.tenantSecretId, await secretDigest(r.kmsConfigId, r.wrapped)] as const)));
}

/** The proxy's current errors about tenant secrets, as its status report carries them. */
const secretErrors = (tenant: FleetTenant) =>
  client
    .summary()
    .errors.filter((e) => e.tenantId === tenant.externalId && (e.code === 'secret_invalid' || e.code === 'secret_unwrap' || e.code === 'tenant_state'))
    .map((e) => `${e.code}: ${e.message}`);


/** Sends the proxy's status report, then reads what the broker stored of it (the errors operators and admins see). */
async function reportedCodes(): Promise<string[]> {
  await client.reportStatus();
  let codes: string[] = [];
  await withBrokerStopped(async (db) => {
    const deployment = await db.prisma.proxyDeployment.findFirstOrThrow({ where: { environmentId: ENV_ID } });
    codes = (deployment.errors as { tenantId: string; code: string }[]).map((e) => `${e.tenantId}:${e.code}`);
  });
  return codes;
}

/** Until the TSP has applied seq `seq` of the tenant. */
const applied = (tenant: FleetTenant, seq: number) => waitFor(`seq ${seq} of ${tenant.externalId}`, () => (client.getTenant(tenant.externalId)?.seq ?? 0) >= seq);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const db = await initDatabase({ env: testDb.env, migrate: true });
  ({ fleet, credentials } = await fleetWithDeployment(db.prisma, { environmentId: ENV_ID, slug: 'derive', deploymentName: 'derive-proxy', count: 2, configsPerTenant: 0 }));
  kms = await startAwsKmsDouble();
  webhook = await startWebhookDouble({ secret: HMAC, hostname: 'siem.test' });
  const user = kms.addUser({ name: 'derive-tsp' });
  awsSettings = kms.accessKeySettings(kms.createKey({ allow: [user.accessKeyId] }), user);
  for (const tenant of fleet) {
    await addConfig(db, tenant, 'kms', 'aws-kms', awsSettings);
    await addConfig(db, tenant, 'siem', 'webhook', { url: webhook.url('/events'), hmacSecret: HMAC, headers: {}, onQueueFull: 'drop' });
    await publishState(db, tenant);
  }
  await closeDatabase();
  broker = new RestartableBroker(testDb, SECRETS);
  credentials.brokerUrl = await broker.start();

  const pinsFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'cmk-derive-')), 'pins.json');
  // The tampering tests stop the broker and start it again: with retries capped at 1 s the proxy is back within a
  // second of the broker. The default cap (30 s, full jitter) could outlast waitFor's 15 s on a slow machine.
  client = createProxyClient({ credentials, pinsFile, retry: { minPollMs: 100, baseMs: 100, capMs: 1_000 } });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  tsp = createTsp({
    client,
    deploymentId: credentials.deploymentId,
    apiKeys: [API_KEY],
    port: 0,
    healthPort: 0,
    wait: 1,
    logger: createTspLogger('info', sink),
    shutdownTimeoutMs: 2_000,
    kms: kms.driverOptions(undefined, 2_000),
    siem: { ca: [webhook.caPem], resolve: { 'siem.test': '127.0.0.1' }, flushMs: 50 },
  });
  tspUrl = (await tsp.start()).url;
  await tsp.ready();
  app = new DeterministicTenantSecurityClient(tspUrl, API_KEY);
}, 240_000);

afterAll(async () => {
  await tsp?.stop();
  await broker?.stop();
  await kms?.stop();
  await webhook?.close();
  await testDb?.drop();
});

describe(`deterministic keys through the TSP on ${backend}`, () => {
  let first: Awaited<ReturnType<DeterministicTenantSecurityClient['encryptField']>>;

  it('round-trips a field, and equal plaintexts give equal ciphertexts under one secret', async () => {
    first = await app.encryptField(field('123-45-6789'), meta(A()));
    // Secret 1 of "ssn": the field header is the id (4 bytes big-endian) and two zero bytes.
    expect([...first.encryptedField.subarray(0, 6)]).toEqual([0, 0, 0, 1, 0, 0]);
    const again = await app.encryptField(field('123-45-6789'), meta(A()));
    expect(again.encryptedField.equals(first.encryptedField)).toBe(true);
    const other = await app.encryptField(field('987-65-4321'), meta(A()));
    expect(other.encryptedField.equals(first.encryptedField)).toBe(false);
    const opened = await app.decryptField(first, meta(A()));
    expect(opened.plaintextField.toString()).toBe('123-45-6789');
    // Another tenant, the same plaintext and paths: another secret, another ciphertext.
    const theirs = await app.encryptField(field('123-45-6789'), meta(B()));
    expect(theirs.encryptedField.equals(first.encryptedField)).toBe(false);
    // Made once, by the first request, stored at the broker (as ciphertext only) and handed back in the bundle.
    await waitFor('the stored secret in the bundle', () => client.getTenant(A().externalId)?.secrets.stored.size === 1);
    expect([...(client.getTenant(A().externalId)?.secrets.stored.keys() ?? [])]).toEqual(['ssn\u00001']);
  });

  it('an unknown tenant gets the message the clients expect', async () => {
    const refused = await app.encryptField(field('x'), new FieldMetadata('nobody-here', 'svc')).then(
      () => null,
      (error: unknown) => error as { errorCode: number; message: string },
    );
    expect(refused?.errorCode).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
    expect(refused?.message).toContain('No configurations available');
  });

  it('finds old ciphertexts with search terms across a rotation, and encrypts under the new secret', async () => {
    await withBrokerStopped(async (db) => {
      A().secrets = rotateSecret(A().secrets, 'ssn', await pinsOf(db, A(), 'ssn'));
      await publishState(db, A());
    });
    await applied(A(), A().seq);
    const terms = await app.generateSearchTerms(field('123-45-6789'), meta(A()));
    expect(terms).toHaveLength(2);
    expect(terms.some((t) => t.encryptedField.equals(first.encryptedField))).toBe(true);
    const fresh = await app.encryptField(field('123-45-6789'), meta(A()));
    expect([...fresh.encryptedField.subarray(0, 6)]).toEqual([0, 0, 0, 2, 0, 0]);
    expect(terms.some((t) => t.encryptedField.equals(fresh.encryptedField))).toBe(true);
    // Both still open; rotating an old field moves it to the new secret.
    expect((await app.decryptField(first, meta(A()))).plaintextField.toString()).toBe('123-45-6789');
    const rotated = await app.rotateField(first, meta(A()));
    expect(rotated.encryptedField.equals(fresh.encryptedField)).toBe(true);
  });

  it('after archiving the old secret, its ciphertexts fail as the client expects', async () => {
    await withBrokerStopped(async (db) => {
      A().secrets = archiveSecret(A().secrets, 'ssn', 1);
      await publishState(db, A());
    });
    await applied(A(), A().seq);
    expect(await refusalCode(app.decryptField(first, meta(A())))).toBe(TenantSecurityErrorCode.DETERMINISTIC_FIELD_DECRYPT_FAILED);
    const terms = await app.generateSearchTerms(field('123-45-6789'), meta(A()));
    expect(terms).toHaveLength(1);
    expect([...(terms[0]?.encryptedField.subarray(0, 4) ?? [])]).toEqual([0, 0, 0, 2]);
  });
});

describe(`tampering with tenant secrets in the database on ${backend}`, () => {
  it('a wrapped secret moved to another tenant does not open there, and is reported', async () => {
    await app.encryptField(field('a@example.com', 'email', 'person.email'), meta(A()));
    await withBrokerStopped(async (db) => {
      const theirs = await db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_secretPath_tenantSecretId: { tenantId: A().id, secretPath: 'email', tenantSecretId: 1 } } });
      // B has never used "email": the row looks like B's own first secret of that path.
      await db.prisma.tenantSecret.create({ data: { ...theirs, tenantId: B().id, createdByDeploymentId: null } });
      await markChanged(db, [B().id]);
    });
    await waitFor('the moved row in the bundle', () => client.getTenant(B().externalId)?.secrets.stored.has('email\u00001'));
    expect(await refusalCode(app.encryptField(field('b@example.com', 'email', 'person.email'), meta(B())))).toBe(TenantSecurityErrorCode.DETERMINISTIC_FIELD_ENCRYPT_FAILED);
    expect(secretErrors(B()).join('\n')).toMatch(/secret_unwrap: Secret 1 of path "email" does not open under its binding/);
  });

  it('a wrapped secret moved to another path does not open there, and is reported', async () => {
    await withBrokerStopped(async (db) => {
      const row = await db.prisma.tenantSecret.findUniqueOrThrow({ where: { tenantId_secretPath_tenantSecretId: { tenantId: A().id, secretPath: 'email', tenantSecretId: 1 } } });
      await db.prisma.tenantSecret.create({ data: { ...row, secretPath: 'phone', createdByDeploymentId: null } });
      await markChanged(db, [A().id]);
    });
    await waitFor('the moved row in the bundle', () => client.getTenant(A().externalId)?.secrets.stored.has('phone\u00001'));
    expect(await refusalCode(app.encryptField(field('+1 555 0100', 'phone', 'person.phone'), meta(A())))).toBe(TenantSecurityErrorCode.DETERMINISTIC_FIELD_ENCRYPT_FAILED);
    expect(secretErrors(A()).join('\n')).toMatch(/secret_unwrap: Secret 1 of path "phone" does not open under its binding/);
  });

  it('an old secret put back as current is refused, and reported', async () => {
    // "ssn" of A: 1 archived, 2 current. Secret 1's wrapped form is copied over secret 2's.
    const before = await app.encryptField(field('123-45-6789'), meta(A()));
    let swapped = '';
    await withBrokerStopped(async (db) => {
      const key = (id: number) => ({ tenantId_secretPath_tenantSecretId: { tenantId: A().id, secretPath: 'ssn', tenantSecretId: id } });
      const old = await db.prisma.tenantSecret.findUniqueOrThrow({ where: key(1) });
      swapped = old.wrapped;
      await db.prisma.tenantSecret.update({ where: key(2), data: { wrapped: old.wrapped, digest: old.digest, kmsConfigId: old.kmsConfigId } });
      await markChanged(db, [A().id]);
    });
    await waitFor('the report', () => secretErrors(A()).some((e) => e.includes('path "ssn"')));
    expect(secretErrors(A()).join('\n')).toMatch(/secret_invalid: Secret 2 of path "ssn": the broker now hands over another wrapped secret/);
    expect(await reportedCodes()).toContain(`${A().externalId}:secret_invalid`);
    // The proxy keeps the secret it first saw: the application's ciphertexts do not change.
    expect((await app.encryptField(field('123-45-6789'), meta(A()))).encryptedField.equals(before.encryptedField)).toBe(true);
    expect(client.getTenant(A().externalId)?.secrets.stored.get('ssn\u00002')?.wrapped).not.toBe(swapped);
    // A proxy that never saw secret 2 (a new replica) has the KMS: it refuses the swapped secret under id 2's binding.
    const driver = createKmsDriver('aws-kms', awsSettings, kms.driverOptions(undefined, 2_000));
    await expect(driver.unwrap(Buffer.from(swapped, 'base64url'), secretBinding(A().externalId, 'ssn', 2))).rejects.toMatchObject({ code: 'kms_unwrap_failed' });
    driver.close();
  });

  it('a rotation state flipped in the database fails the tenant signature, and is reported', async () => {
    const seq = A().seq;
    await withBrokerStopped(async (db) => {
      const row = await db.prisma.tenantState.findUniqueOrThrow({ where: { tenantId_seq: { tenantId: A().id, seq } } });
      const [header, payload, signature] = row.jws.split('.') as [string, string, string];
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { seq: number; secrets: { tenantSecretId: number; status: string }[] };
      // Secret 1 of "ssn" back from archived to rotating, as a new state the tenant never signed.
      for (const s of state.secrets) if (s.tenantSecretId === 1 && s.status === 'archived') s.status = 'rotating';
      state.seq = seq + 1;
      const forged = `${header}.${Buffer.from(JSON.stringify(state)).toString('base64url')}.${signature}`;
      await db.prisma.tenantState.create({ data: { tenantId: A().id, seq: seq + 1, jws: forged } });
      await db.prisma.tenant.update({ where: { id: A().id }, data: { stateSeq: seq + 1 } });
      await markChanged(db, [A().id]);
    });
    await waitFor('the report', () => secretErrors(A()).some((e) => e.startsWith('tenant_state')));
    // The last good state stays in force: secret 1 stays archived.
    expect(client.getTenant(A().externalId)?.seq).toBe(seq);
    const terms = await app.generateSearchTerms(field('123-45-6789'), meta(A()));
    expect(terms.map((t) => t.encryptedField.readUInt32BE(0))).toEqual([2]);
  });

  it('the broker holds what the proxy reports, for the vendor and the tenant to see', async () => {
    // A's refused state now stands in for its secret_invalid (a tenant's errors are what is wrong with it now); the
    // secret_invalid report reached the broker in the test above.
    expect(await reportedCodes()).toEqual(expect.arrayContaining([`${B().externalId}:secret_unwrap`, `${A().externalId}:secret_unwrap`, `${A().externalId}:tenant_state`]));
  });
});

describe(`no secret and no derived key in the clear on ${backend}`, () => {
  it('neither in the database, nor in the logs, nor in the SIEM events', async () => {
    // The canaries: every secret stored, opened here with the KMS (the test holds the tenant's KMS access), and every
    // derived key the application received.
    const driver = createKmsDriver('aws-kms', awsSettings, kms.driverOptions(undefined, 2_000));
    const canaries: Canary[] = [];
    let records: Awaited<ReturnType<typeof readStoredValues>>['records'] = [];
    await withBrokerStopped(async (db) => {
      const rows = await db.prisma.tenantSecret.findMany({ include: { tenant: { select: { externalId: true } } } });
      for (const row of rows) {
        const secret = await driver.unwrap(Buffer.from(row.wrapped, 'base64url'), secretBinding(row.tenant.externalId, row.secretPath, row.tenantSecretId)).catch(() => null);
        if (secret) canaries.push({ label: `secret ${row.tenantSecretId} of ${row.secretPath} (${row.tenant.externalId})`, value: secret });
      }
      ({ records } = await readStoredValues({ query: (sql) => db.prisma.$queryRawUnsafe(sql) }));
    });
    driver.close();
    expect(canaries.length).toBeGreaterThanOrEqual(3);
    // The derived keys, as the application receives them (the reference client keeps them to itself).
    for (const [tenant, paths] of [[A(), { ssn: ['person.ssn'], email: ['person.email'] }], [B(), { ssn: ['person.ssn'] }]] as const) {
      const response = await fetch(`${tspUrl}/api/1/key/derive-with-secret-path`, {
        method: 'POST',
        headers: { authorization: `cmk ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: tenant.externalId, iclFields: { requestingId: 'canary-scan' }, customFields: {}, paths, derivationType: 'sha512', secretType: 'deterministic' }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { derivedKeys: Record<string, Record<string, { derivedKey: string }[]>> };
      for (const byPath of Object.values(body.derivedKeys)) for (const list of Object.values(byPath)) for (const k of list) canaries.push({ label: 'a derived key', value: Buffer.from(k.derivedKey, 'base64') });
    }
    expect(canaries.length).toBeGreaterThanOrEqual(6);
    const stored = scanForSecrets(records, canaries);
    expect(formatFindings(stored.findings)).toBe('');
    const logged = scanForSecrets([{ where: 'TSP log', value: logs.join('') }, { where: 'broker log', value: broker.server?.output() ?? '' }], canaries);
    expect(formatFindings(logged.findings)).toBe('');
    await waitFor('derive events at the SIEM', () => webhook.events.some((e) => e.event === 'derive'));
    const events = scanForSecrets(webhook.events.map((e, i) => ({ where: `SIEM event ${i}`, value: e })), canaries);
    expect(formatFindings(events.findings)).toBe('');
    // The events name the path and the ids, never a key.
    const event = webhook.events.find((e) => e.event === 'derive' && e.outcome === 'success');
    expect(event?.details).toMatchObject({ secretPath: expect.any(String), tenantSecretIds: expect.any(String) });
  });
});
