// Zero-knowledge enrollment through the real HTTP API of a running broker
// (scripts/start.ts, production build) on each database backend, with the
// browser's crypto done here in Node (lib/testing/api-client.ts): first
// operator with the printed setup token → environment and tenant → the first
// tenant admin brings the tenant keys (and a recovery kit) → a second admin
// enrolls pending and is confirmed only with keys wrapped to their own key →
// both hold the same tenant keys. Then, with the broker stopped, every text
// and JSON value in the database (and every line the broker printed) is
// scanned: no private JWK, no PEM, and none of the passphrases, authKeys,
// master keys, wrapKeys or private scalars of the run may appear in it
// (PROTOCOL.md "Keys" 3–4).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TOutboxMail, TTenantAdmin, TTenantKeys } from '@/lib/client/api';
import { generateAdminKeyPair, openAdminPrivateKey } from '@/lib/crypto/admin-key';
import { tenantPublicJwks, unwrapTenantKeys, wrapTenantKeys, type TTenantPrivateKeys } from '@/lib/crypto/tenant-keys';
import { openDatabase } from '@/lib/server/db';
import {
  BrokerClient,
  expectStatus,
  exportAccountSecrets,
  inviteTokenFrom,
  newAccount,
  newTenantKeys,
  sealContext,
  type NewAccount,
} from '@/lib/testing/api-client';
import { formatFindings, readStoredValues, scanForSecrets, type Canary } from '@/lib/testing/secret-scan';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const run = randomBytes(4).toString('hex');
const SERVER_SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
const OPERATOR = { email: 'ops@vendor.example', passphrase: `quartz lantern orbit meadow ${run}` };
const ALICE = { email: 'alice@acme.example', passphrase: `copper heron sails at dawn ${run}` };
const BOB = { email: 'bob@acme.example', passphrase: `seven velvet comets hum ${run}` };
const WRONG_PASSPHRASE = `copper heron sails at dusk ${run}`;
const TENANT = 'acme';
const unknownEmail = `nobody-${run}@acme.example`;

let testDb: TestDatabase;
let server: ServerProcess | undefined;
const canaries: Canary[] = [];
let enrolled = false;

async function setupTokenFrom(broker: ServerProcess): Promise<string> {
  // The token is printed just after "broker listening", which startBroker waits for.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const token = /one-time setup token:\s+(\S+)/.exec(broker.output())?.[1];
    if (token) return token;
    if (Date.now() > deadline) throw new Error(`no setup token in the server output:\n${broker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The account's secrets as canaries, after checking the exported wrapKey really opens its sealed key. */
async function plantAccountCanaries(who: string, account: NewAccount): Promise<void> {
  const raw = await exportAccountSecrets(account.secrets.passphrase, account.body.kdfSalt, account.body.kdfIterations);
  expect(raw.authKey).toBe(account.secrets.authKey);
  const wrapKey = await crypto.subtle.importKey('raw', raw.wrapKey as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['decrypt']);
  const opened = await openAdminPrivateKey(account.body.sealedAdminKey, wrapKey, sealContext(account.email));
  expect(opened.kid).toBe(account.adminKid);
  canaries.push(
    { label: `${who} passphrase`, value: account.secrets.passphrase },
    { label: `${who} authKey`, value: account.secrets.authKey },
    { label: `${who} master key`, value: raw.masterKey },
    { label: `${who} wrapKey`, value: raw.wrapKey },
    { label: `${who} admin private key d`, value: account.secrets.privateJwk.d as string },
  );
}

function plantTenantCanaries(who: string, privates: TTenantPrivateKeys): void {
  canaries.push(
    { label: `${who} tenant encryption key d`, value: privates.encryption.d as string },
    { label: `${who} tenant signing key d`, value: privates.signing.d as string },
  );
}

async function newestInvitationFor(operator: BrokerClient, email: string): Promise<string> {
  const { items } = expectStatus(await operator.get<{ items: TOutboxMail[] }>('/api/v1/operator/outbox'), 200, 'outbox');
  const mail = items.find((item) => item.recipient === email);
  if (!mail) throw new Error(`no mail to ${email} in the outbox: ${JSON.stringify(items.map((i) => i.recipient))}`);
  return inviteTokenFrom(mail.body);
}

async function unwrapMine(client: BrokerClient, signedIn: { adminPrivateKey: CryptoKey; adminKid: string }) {
  const keys = expectStatus(await client.get<TTenantKeys>(`/api/v1/tenants/${TENANT}/keys`), 200, 'tenant keys');
  expect(keys.status).toBe('confirmed');
  const privates = await unwrapTenantKeys(keys.wrappedTenantKeys as string, signedIn.adminPrivateKey, {
    tenantId: TENANT,
    adminKid: signedIn.adminKid,
    encryptionKid: keys.encKid ?? undefined,
    signingKid: keys.sigKid ?? undefined,
  });
  const publics = await tenantPublicJwks(privates);
  return { keys, privates, kids: { encryption: publics.encryption.kid, signing: publics.signing.kid } };
}

function signedIn<T extends { ok: boolean }>(outcome: T): Extract<T, { ok: true }> {
  if (!outcome.ok) throw new Error(`sign-in failed: ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { ok: true }>;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  const result = await startBroker({
    ...testDb.env,
    DATABASE_POOL_MAX: '5',
    DATA_DIR: testDb.dir,
    DATABASE_URL: testDb.env.DATABASE_URL ?? '',
    // Invitation mail stays in the outbox; the broker's own URL is its origin.
    SMTP_URL: '',
    PUBLIC_URL: '',
    AUTH_URL: undefined,
    ...SERVER_SECRETS,
  });
  if (!result.ok) throw new Error(`broker exited with ${result.code}:\n${result.output}`);
  server = result.server;
  canaries.push({ label: 'AUTH_SECRET', value: SERVER_SECRETS.AUTH_SECRET }, { label: 'BROKER_KEY_ENCRYPTION_KEY', value: SERVER_SECRETS.BROKER_KEY_ENCRYPTION_KEY });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe(`zero-knowledge enrollment through the HTTP API on ${backend}`, () => {
  it('enrolls an operator and two tenant admins; only a confirmed admin gets the tenant keys, wrapped to their own key', async () => {
    const broker = server as ServerProcess;
    const url = broker.url;

    // --- first operator, with the token the broker printed ---------------------------------------
    const operator = await newAccount(OPERATOR.email, OPERATOR.passphrase);
    await plantAccountCanaries('operator', operator);
    const setupToken = await setupTokenFrom(broker);
    canaries.push({ label: 'setup token', value: setupToken });
    const anonymous = new BrokerClient(url);
    const wrongToken = await anonymous.post('/api/v1/setup', { setupToken: 'not-the-setup-token-at-all', account: { email: OPERATOR.email, ...operator.body } });
    expect(wrongToken.status).toBe(400);
    expectStatus(await anonymous.post('/api/v1/setup', { setupToken, account: { email: OPERATOR.email, ...operator.body } }), 201, 'setup');
    // The token is single-use: set-up is closed once an operator exists.
    expect((await anonymous.post('/api/v1/setup', { setupToken, account: { email: 'eve@vendor.example', ...operator.body } })).status).toBe(404);

    const ops = new BrokerClient(url);
    const opsIn = signedIn(await ops.signIn(OPERATOR.email, OPERATOR.passphrase));
    expect(opsIn.account.isOperator).toBe(true);
    expect(opsIn.adminKid).toBe(operator.adminKid);
    canaries.push({ label: 'operator session cookie', value: ops.cookies.get('authjs.session-token') as string });

    // --- environment and tenant with alice as its first admin ------------------------------------
    const environment = expectStatus(
      await ops.post<{ id: string }>('/api/v1/operator/environments', { slug: 'prod-eu', displayName: 'Production EU' }),
      201,
      'create environment',
    );
    const tenant = expectStatus(
      await ops.post<{ mailed: boolean }>('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Acme Corp', environmentId: environment.id, adminEmail: ALICE.email }),
      201,
      'create tenant',
    );
    expect(tenant.mailed).toBe(true);
    const aliceToken = await newestInvitationFor(ops, ALICE.email);

    // --- alice accepts: new account, tenant keys wrapped to herself, a recovery kit ---------------
    const alice = await newAccount(ALICE.email, ALICE.passphrase);
    await plantAccountCanaries('alice', alice);
    const aliceTenant = await newTenantKeys(TENANT, alice.adminPublicJwk, true);
    plantTenantCanaries('acme', aliceTenant.privates);
    const code = aliceTenant.recoveryCode as string;
    canaries.push({ label: 'recovery code', value: code }, { label: 'recovery code (bare)', value: code.replace(/-/g, '') });
    const accepted = expectStatus(
      await new BrokerClient(url).post<{ email: string; tenant: string | null }>('/api/v1/invitations/accept', { token: aliceToken, account: alice.body, tenantKeys: aliceTenant.body }),
      201,
      'alice accepts',
    );
    expect(accepted).toMatchObject({ email: ALICE.email, tenant: TENANT });

    // An invitation link works once, whoever brings it.
    const mallory = await newAccount('mallory@evil.example', `mallory ${run} wants in`);
    await plantAccountCanaries('mallory', mallory);
    const replay = await new BrokerClient(url).post('/api/v1/invitations/accept', { token: aliceToken, account: mallory.body });
    expect(replay.status).toBe(404);
    expect(replay.problem?.code).toBe('not_found');

    const aliceClient = new BrokerClient(url);
    const aliceIn = signedIn(await aliceClient.signIn(ALICE.email, ALICE.passphrase));
    expect(aliceIn.account.tenants).toEqual([expect.objectContaining({ externalId: TENANT, status: 'confirmed' })]);
    const aliceKeys = await unwrapMine(aliceClient, aliceIn);
    expect(aliceKeys.keys.wrappedTenantKeys).toBe(aliceTenant.body.wrappedTenantKeys);
    expect(aliceKeys.kids).toEqual({ encryption: aliceTenant.encKid, signing: aliceTenant.sigKid });
    expect(aliceKeys.keys.encPublicJwk).not.toHaveProperty('d');

    // --- alice invites bob; bob enrolls pending and may not bring tenant keys ----------------------
    expectStatus(await aliceClient.post(`/api/v1/tenants/${TENANT}/invitations`, { email: BOB.email }), 201, 'alice invites bob');
    const bobToken = await newestInvitationFor(ops, BOB.email);
    const bob = await newAccount(BOB.email, BOB.passphrase);
    await plantAccountCanaries('bob', bob);
    const bobOwnTenant = await newTenantKeys(TENANT, bob.adminPublicJwk, false);
    plantTenantCanaries('bob-made', bobOwnTenant.privates);
    const withKeys = await new BrokerClient(url).post('/api/v1/invitations/accept', { token: bobToken, account: bob.body, tenantKeys: bobOwnTenant.body });
    expect(withKeys.status).toBe(409);
    expect(withKeys.problem?.code).toBe('conflict');
    expectStatus(await new BrokerClient(url).post('/api/v1/invitations/accept', { token: bobToken, account: bob.body }), 201, 'bob accepts');
    expect((await new BrokerClient(url).post('/api/v1/invitations/accept', { token: bobToken, account: mallory.body })).status).toBe(404);

    const bobClient = new BrokerClient(url);
    const bobIn = signedIn(await bobClient.signIn(BOB.email, BOB.passphrase));
    expect(bobIn.account.tenants).toEqual([expect.objectContaining({ externalId: TENANT, status: 'pending' })]);
    const pending = expectStatus(await bobClient.get<TTenantKeys>(`/api/v1/tenants/${TENANT}/keys`), 200, 'bob keys while pending');
    expect(pending).toMatchObject({ status: 'pending', wrappedTenantKeys: null, encKid: aliceTenant.encKid, sigKid: aliceTenant.sigKid });
    // A pending admin cannot act for the tenant.
    expect((await bobClient.get(`/api/v1/tenants/${TENANT}/admins`)).status).toBe(404);

    // --- alice confirms bob after comparing his key's fingerprint ----------------------------------
    const { admins } = expectStatus(await aliceClient.get<{ admins: TTenantAdmin[] }>(`/api/v1/tenants/${TENANT}/admins`), 200, 'admins');
    const bobRow = admins.find((a) => a.email === BOB.email);
    expect(bobRow).toMatchObject({ status: 'pending', adminKeyKid: bob.adminKid });
    const membership = (bobRow as TTenantAdmin).id;
    const confirmPath = `/api/v1/tenants/${TENANT}/admins/${membership}/confirm`;

    // Keys wrapped to any other key (here: one the server might have substituted) are refused.
    const substitute = await generateAdminKeyPair();
    canaries.push({ label: 'substitute admin key d', value: substitute.privateJwk.d as string });
    const toWrongKey = await aliceClient.post(confirmPath, { wrappedTenantKeys: await wrapTenantKeys(aliceKeys.privates, substitute.publicJwk, TENANT), signingKid: aliceTenant.sigKid });
    expect(toWrongKey.status).toBe(400);
    expect(toWrongKey.problem?.code).toBe('validation_failed');
    const toAlice = await aliceClient.post(confirmPath, { wrappedTenantKeys: await wrapTenantKeys(aliceKeys.privates, alice.adminPublicJwk, TENANT), signingKid: aliceTenant.sigKid });
    expect(toAlice.status).toBe(400);

    const forBob = await wrapTenantKeys(aliceKeys.privates, (bobRow as TTenantAdmin).adminPublicJwk, TENANT);
    // Without the signing key the keys belong to, a confirmation could race a key rotation: refused.
    expect((await aliceClient.post(confirmPath, { wrappedTenantKeys: forBob })).problem?.code).toBe('validation_failed');
    expect(expectStatus(await aliceClient.post(confirmPath, { wrappedTenantKeys: forBob, signingKid: aliceTenant.sigKid }), 200, 'confirm bob')).toEqual({ confirmed: true });
    expect((await aliceClient.post(confirmPath, { wrappedTenantKeys: forBob, signingKid: aliceTenant.sigKid })).status).toBe(409);

    // --- bob opens the tenant keys with his own key: the same keys alice holds ---------------------
    const bobKeys = await unwrapMine(bobClient, bobIn);
    expect(bobKeys.keys.wrappedTenantKeys).toBe(forBob);
    expect(bobKeys.kids).toEqual(aliceKeys.kids);
    expect(bobKeys.privates.encryption.d).toBe(aliceTenant.privates.encryption.d);
    // His copy is addressed to his key only: alice's key cannot open it.
    await expect(
      unwrapTenantKeys(forBob, aliceIn.adminPrivateKey, { tenantId: TENANT, adminKid: aliceIn.adminKid }),
    ).rejects.toMatchObject({ code: 'wrong_key' });

    // --- no user enumeration: a wrong passphrase and an unknown email get the same answer ---------
    canaries.push({ label: 'wrong passphrase', value: WRONG_PASSPHRASE });
    const wrong = await new BrokerClient(url).signIn(ALICE.email, WRONG_PASSPHRASE);
    const unknown = await new BrokerClient(url).signIn(unknownEmail, ALICE.passphrase);
    expect(wrong.ok).toBe(false);
    expect(unknown.ok).toBe(false);
    if (wrong.ok || unknown.ok) return;
    expect(wrong.code).toBe('invalid_credentials');
    expect(unknown.code).toBe(wrong.code);
    expect(new URL(unknown.url, url).search).toBe(new URL(wrong.url, url).search);
    expect(unknown.status).toBe(wrong.status);

    const probe = new BrokerClient(url);
    const fake1 = await probe.prelogin(unknownEmail);
    const fake2 = await probe.prelogin(unknownEmail.toUpperCase());
    const fakeOther = await probe.prelogin(`someone-else-${run}@acme.example`);
    const real = await probe.prelogin(ALICE.email);
    expect(fake2).toEqual(fake1);
    expect(fakeOther.kdfSalt).not.toBe(fake1.kdfSalt);
    expect(real.kdfSalt).toBe(alice.body.kdfSalt);
    for (const answer of [fake1, fakeOther]) {
      expect(answer.kdfIterations).toBe(real.kdfIterations);
      expect(answer.kdfSalt).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(answer.kdfSalt).toHaveLength(real.kdfSalt.length);
    }

    canaries.push(
      { label: 'alice session cookie', value: aliceClient.cookies.get('authjs.session-token') as string },
      { label: 'bob session cookie', value: bobClient.cookies.get('authjs.session-token') as string },
    );
    enrolled = true;
  });

  it('leaves no private key, passphrase or passphrase-derived key in clear anywhere in the database', async () => {
    expect(enrolled, 'the enrollment test must run first').toBe(true);
    const broker = server as ServerProcess;
    expect(await broker.stop()).toBe(0);
    server = undefined;

    // The broker's own output (JSON log lines; the setup token is printed there by design) holds none either.
    const lines = broker.output().split('\n').map((line, i) => ({ where: `broker output line ${i + 1}`, value: line }));
    const logReport = scanForSecrets(lines, canaries.filter((c) => c.label !== 'setup token'));
    expect(formatFindings(logReport.findings), 'secrets in the broker output').toBe('');

    const db = await openDatabase({ env: testDb.env });
    let stored: Awaited<ReturnType<typeof readStoredValues>>;
    let events: { action: string; outcome: string; actorId: string | null; tenantExternalId: string | null; ip: string | null; requestId: string | null; details: unknown }[];
    try {
      stored = await db.withSession((session) => readStoredValues(session));
      events = await db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' }, select: { action: true, outcome: true, actorId: true, tenantExternalId: true, ip: true, requestId: true, details: true } });
    } finally {
      await db.close();
    }
    // Through HTTP, the audited actions carry the request's address and id (the route handlers and next-auth pass them).
    for (const action of ['account.setup', 'environment.create', 'tenant.create', 'invitation.create', 'invitation.accept', 'admin.confirm', 'auth.sign_in']) {
      expect(events.filter((e) => e.action === action && e.ip && e.requestId).length, action).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.action === 'auth.sign_in' && e.outcome === 'failure').map((e) => [e.tenantExternalId, e.details])).toEqual([
      [TENANT, { reason: 'bad_credentials' }],
      [null, { reason: 'unknown_account' }],
    ]);
    expect(JSON.stringify(events)).not.toContain(unknownEmail);
    const report = scanForSecrets(stored.records, canaries);
    expect(formatFindings(report.findings), 'secrets in clear in the database').toBe('');

    // The scan was not vacuous: it read the blobs that matter, and decoded the JWE headers.
    const count = (name: string) => stored.columns.find((c) => `${c.table}.${c.column}` === name)?.values ?? 0;
    expect(count('app_user.sealed_admin_key')).toBe(3);
    expect(count('app_user.admin_public_jwk')).toBe(3);
    expect(count('tenant_admin.wrapped_tenant_keys')).toBe(2);
    expect(count('recovery_kit.kit')).toBe(1);
    expect(count('tenant.enc_public_jwk')).toBe(1);
    expect(count('outbox_mail.body')).toBeGreaterThanOrEqual(2);
    expect(report.stats.joseHeaders).toBeGreaterThanOrEqual(2);
    expect(report.stats.jsonDocuments).toBeGreaterThanOrEqual(10);
  });
});
