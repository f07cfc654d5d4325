// The catalogue of audited actions (lib/schemas/audit.ts), proved row by row
// on both backends: each row performs an action through the real service
// functions (real browser-side crypto from lib/testing, real database) and
// names the event it must write — action, actor type, tenant chain or
// vendor-only, outcome and key details. The test fails when a catalogue
// action has no row, when a row writes no event or the wrong one, when the
// chains do not verify afterwards, or when any event carries one of the
// secrets that passed through the actions (passphrases, authKeys, private
// keys, TOTP secrets and codes, recovery codes, invitation and setup tokens,
// API keys, vendor tokens, sealed configurations, proxy error messages, the
// identifier typed for an unknown account).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfigId, type TConfigDocument } from '@/lib/crypto/config-document';
import { openConfig } from '@/lib/crypto/open-config';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { sealConfig } from '@/lib/crypto/seal-config';
import { importTenantKeys, wrapTenantKeys, type TImportedTenantKeys } from '@/lib/crypto/tenant-keys';
import { buildKeyRotation } from '@/lib/crypto/tenant-key-rotation';
import { signTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import { ZAcceptInvitation, ZChangePassphrase, ZSetup } from '@/lib/schemas/account';
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS, type AuditAction } from '@/lib/schemas/audit';
import { ZConfigChange } from '@/lib/schemas/config-change';
import { beginTotp, changePassphrase, disableTotp, enableTotp, setOperatorMfaRule, signOutEverywhere } from '@/lib/server/accounts/account';
import { acceptInvitation } from '@/lib/server/accounts/invitations';
import { createEnvironment, createOperatorInvitation, createTenant, inviteOperator, resendInvitation, revokeAnyInvitation } from '@/lib/server/accounts/operator';
import { completeSetup, issueSetupToken } from '@/lib/server/accounts/setup';
import {
  confirmTenantAdmin,
  inviteTenantAdmin,
  recoverWithKit,
  removeTenantAdmin,
  resendTenantInvitation,
  revokeTenantInvitation,
  saveRecoveryKit,
  setTenantMfaRule,
} from '@/lib/server/accounts/tenant-admins';
import { verifyStoredAuditTrail } from '@/lib/server/audit/checkpoint';
import { operatorActor, vendorTokenActor, type AuditOptions } from '@/lib/server/audit/record';
import { auditRefusal } from '@/lib/server/audit/refusals';
import { AppError } from '@/lib/server/errors';
import type { CurrentUser, TenantAccess } from '@/lib/server/authz';
import { applyConfigChange } from '@/lib/server/configs/changes';
import { newConfigTestId, startConfigTest } from '@/lib/server/config-tests/start';
import { updateNotificationSettings } from '@/lib/server/notifications/settings';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { createDeployment, deleteDeployment, rotateApiKey, updateDeployment } from '@/lib/server/deployments/service';
import { recordStatus } from '@/lib/server/deployments/status';
import { endSession, verifySignIn } from '@/lib/server/sign-in';
import { rotateSigningKey } from '@/lib/server/signing';
import { cancelTenantDeletion, DELETION_WAIT_MS, deleteTenant, requestTenantDeletion, resumeTenant, suspendTenant } from '@/lib/server/tenants/lifecycle';
import { totpCode } from '@/lib/server/totp';
import { createVendorTenant, resendTenantInvitation as resendVendorInvitation } from '@/lib/server/vendor/service';
import { createApiToken, revokeApiToken } from '@/lib/server/vendor/tokens';
import { sealDraftForTest } from '@/lib/testing/config-test-draft';
import { inviteTokenFrom, newAccount, newTenantKeys, type NewAccount, type TenantKeyMaterial } from '@/lib/testing/api-client';
import { formatFindings, scanForSecrets, type Canary } from '@/lib/testing/secret-scan';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SERVER_SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SERVER_SECRETS);

const run = randomBytes(4).toString('hex');
const TENANT = 'acme';
const OTHER = 'globex';
const context = { ip: '203.0.113.7', userAgent: 'catalogue-test/1.0', requestId: 'req-catalogue' };
const canaries: Canary[] = [
  { label: 'AUTH_SECRET', value: SERVER_SECRETS.AUTH_SECRET },
  { label: 'BROKER_KEY_ENCRYPTION_KEY', value: SERVER_SECRETS.BROKER_KEY_ENCRYPTION_KEY },
];
const plant = (label: string, value: string | undefined) => {
  if (value) canaries.push({ label, value });
};

/** Catalogue actions without a row here, each with the reason. */
const WRITTEN_ELSEWHERE: Partial<Record<AuditAction, string>> = {
  'tenant_secret.created': 'proved with real signed states and the proxy route in lib/server/tenant-secrets/tenant-secrets.int.test.ts',
  'tenant_secret.rotated': 'proved with real signed states in lib/server/tenant-secrets/tenant-secrets.int.test.ts',
  'tenant_secret.archived': 'proved with real signed states in lib/server/tenant-secrets/tenant-secrets.int.test.ts',
};
const UNUSED: Partial<Record<AuditAction, string>> = {};

let testDb: TestDatabase;
let db: Database;

// The world the rows build up, in order.
const w = {} as {
  setupToken: string;
  operatorAccount: NewAccount;
  operator: CurrentUser;
  byOperator: AuditOptions;
  environmentId: string;
  aliceAccount: NewAccount;
  aliceId: string;
  tenantKeys: TenantKeyMaterial;
  keys: TImportedTenantKeys;
  aliceInvitationId: string;
  totpSecret: string;
  recoveryCodes: string[];
  bobAccount: NewAccount;
  bobInvitationId: string;
  eveAccount: NewAccount;
  eveMembershipId: string;
  operatorInvitationId: string;
  kitId: string;
  previousSigningKid: string;
  reissuedFrom: number;
  apiTokenId: string;
  vendor: AuditOptions;
  deployment: { id: string; kid: string; environmentId: string; name: string };
  testId: string;
  seq: number;
  configA: string;
  configB: string;
  signIn: { sessionId: string };
};

const user = (id: string, email: string, extra: Partial<CurrentUser> = {}): CurrentUser => ({ id, email, isOperator: false, adminKeyKid: 'x', totpEnabled: false, sessionId: 'ses_test', ...extra });

async function accessOf(email: string, externalId = TENANT): Promise<TenantAccess> {
  const row = await db.prisma.tenantAdmin.findFirstOrThrow({
    where: { user: { email }, tenant: { externalId } },
    select: { id: true, status: true, user: { select: { id: true, email: true, adminKeyKid: true, totpEnabledAt: true } }, tenant: { select: { id: true, externalId: true, displayName: true, status: true, requireMfa: true } } },
  });
  return {
    user: user(row.user.id, row.user.email, { adminKeyKid: row.user.adminKeyKid, totpEnabled: row.user.totpEnabledAt !== null }),
    tenant: row.tenant,
    membership: { id: row.id, status: row.status },
  };
}

async function latestInvitationToken(email: string): Promise<string> {
  const mail = await db.prisma.outboxMail.findFirstOrThrow({ where: { recipient: email }, orderBy: { createdAt: 'desc' } });
  const token = inviteTokenFrom(mail.body);
  plant(`invitation token for ${email}`, token);
  return token;
}

async function openInvitationId(email: string): Promise<string> {
  return (await db.prisma.invitation.findFirstOrThrow({ where: { email, acceptedAt: null, revokedAt: null }, orderBy: { createdAt: 'desc' } })).id;
}

async function signedState(configs: TTenantState['configs'], recipients: string[] = []) {
  w.seq += 1;
  const state: TTenantState = { typ: 'tenant-state', tenantId: TENANT, seq: w.seq, configs, recipients, iat: Math.floor(Date.now() / 1000) };
  return signTenantState(state, w.keys.signingKey, w.keys.signingKid);
}

async function sealed(configId: string, version: number) {
  const document: TConfigDocument = {
    typ: 'kms',
    tenantId: TENANT,
    configId,
    version,
    provider: 'aws-kms',
    settings: { keyArn: `arn:aws:kms:eu-west-1:111122223333:key/${configId}`, secretAccessKey: `canary-setting-${run}` },
    iat: Math.floor(Date.now() / 1000),
  };
  const out = await sealConfig({ document, signingKey: w.keys.signingKey, signingKid: w.keys.signingKid, recipients: [{ kid: w.tenantKeys.encKid, publicJwk: w.tenantKeys.body.encPublicJwk }] });
  plant(`sealed ${configId} v${version}`, JSON.stringify(out.jwe));
  return out;
}

type Entry = TTenantState['configs'][number];
const entries = new Map<string, Entry>();
const listed = () => [...entries.values()];

/** Seals and puts a version of a configuration (create, edit or rollback). */
async function put(configId: string, version: number, label: string, extra: { restoredFrom?: number; primary?: boolean } = {}) {
  const { jwe, digest } = await sealed(configId, version);
  const before = entries.get(configId);
  entries.set(configId, { configId, kind: 'kms', version, status: before?.status ?? 'active', primary: extra.primary ?? before?.primary ?? true, digest });
  return applyConfigChange(await accessOf(w.aliceAccount.email), { state: await signedState(listed()), put: { configId, kind: 'kms', provider: 'aws-kms', label, version, jwe, ...(extra.restoredFrom ? { restoredFrom: extra.restoredFrom } : {}) } }, context);
}

async function restate(change: (e: Map<string, Entry>) => void, extra: { remove?: string; recipients?: string[] } = {}) {
  change(entries);
  return applyConfigChange(await accessOf(w.aliceAccount.email), { state: await signedState(listed(), extra.recipients ?? []), ...(extra.remove ? { remove: { configId: extra.remove } } : {}) }, context);
}

/** A deployment made as the console does (the browser made the key pair); its API key is a canary. */
async function newDeployment(name: string) {
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = await createDeployment(w.operator, { name, environmentId: w.environmentId, publicJwk: publicJwk as never }, context);
  plant(`proxy API key of ${name}`, created.apiKey);
  return created;
}

/** A request as the custom server hands it to a route: with the client address and user agent it recorded. */
const refusedRequest = (path: string, method = 'POST') =>
  new Request(`http://localhost${path}`, { method, headers: { 'x-cmk-client-ip': context.ip, 'user-agent': context.userAgent } });

type Expected = {
  actorType: 'user' | 'operator' | 'deployment' | 'system' | 'vendor_token';
  /** The tenant chain, or null for vendor-only. */
  tenant: string | null;
  outcome?: 'success' | 'failure' | 'denied';
  details?: Record<string, unknown>;
  actorId?: string | null;
  /** Defaults to true: the event carries the request's context. */
  withContext?: boolean;
};
type Row = { action: AuditAction; how: string; perform: () => Promise<unknown>; expect: () => Expected };

const ROWS: Row[] = [
  {
    action: 'account.setup',
    how: 'first operator with the printed setup token',
    perform: async () => {
      w.setupToken = (await issueSetupToken()) as string;
      plant('setup token', w.setupToken);
      const { userId } = await completeSetup(ZSetup.parse({ setupToken: w.setupToken, account: { ...w.operatorAccount.body, email: w.operatorAccount.email } }), context);
      w.operator = user(userId, w.operatorAccount.email, { isOperator: true });
      w.byOperator = { actor: operatorActor(w.operator), context };
    },
    expect: () => ({ actorType: 'operator', tenant: null, actorId: w.operator.id, details: { userId: w.operator.id } }),
  },
  {
    action: 'broker.settings_update',
    how: 'operators-require-MFA rule',
    perform: () => setOperatorMfaRule(w.operator, false, w.byOperator),
    expect: () => ({ actorType: 'operator', tenant: null, details: { operatorsRequireMfa: false } }),
  },
  {
    action: 'environment.create',
    how: 'console',
    perform: async () => {
      w.environmentId = (await createEnvironment({ slug: 'prod', displayName: 'Production' }, w.byOperator)).id;
    },
    expect: () => ({ actorType: 'operator', tenant: null, details: { environmentId: w.environmentId, slug: 'prod' } }),
  },
  {
    action: 'tenant.create',
    how: 'console, with the first admin invitation',
    perform: () => createTenant(w.operator, { externalId: TENANT, displayName: 'Acme', environmentId: w.environmentId, adminEmail: w.aliceAccount.email }, w.byOperator),
    expect: () => ({ actorType: 'operator', tenant: TENANT, details: { environmentId: w.environmentId } }),
  },
  {
    action: 'invitation.create',
    how: 'console tenant creation invites the first admin',
    perform: async () => {
      await createTenant(w.operator, { externalId: 'initech', displayName: 'Initech', environmentId: w.environmentId, adminEmail: `first@initech-${run}.example` }, w.byOperator);
    },
    expect: () => ({ actorType: 'operator', tenant: 'initech', details: { kind: 'tenant_admin' } }),
  },
  {
    action: 'invitation.resend',
    how: 'operator resends the first admin invitation',
    perform: async () => {
      w.aliceInvitationId = await openInvitationId(w.aliceAccount.email);
      await resendInvitation(w.aliceInvitationId, w.byOperator);
    },
    expect: () => ({ actorType: 'operator', tenant: TENANT, details: { invitationId: w.aliceInvitationId, kind: 'tenant_admin' } }),
  },
  {
    action: 'invitation.accept',
    how: 'first admin enrolls and brings the tenant keys',
    perform: async () => {
      w.tenantKeys = await newTenantKeys(TENANT, w.aliceAccount.adminPublicJwk, true);
      plant('tenant encryption d', w.tenantKeys.privates.encryption.d as string);
      plant('tenant signing d', w.tenantKeys.privates.signing.d as string);
      plant('recovery kit code', w.tenantKeys.recoveryCode);
      w.keys = await importTenantKeys(w.tenantKeys.privates);
      const body = ZAcceptInvitation.parse({ token: await latestInvitationToken(w.aliceAccount.email), account: w.aliceAccount.body, tenantKeys: w.tenantKeys.body });
      const { userId } = await acceptInvitation(body, null, context);
      w.aliceId = userId;
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId, details: { invitationId: w.aliceInvitationId, kind: 'tenant_admin', newAccount: true, firstAdmin: true } }),
  },
  {
    action: 'recovery_kit.create',
    how: 'an admin stores another recovery kit',
    perform: async () => {
      const saved = await saveRecoveryKit(await accessOf(w.aliceAccount.email), w.tenantKeys.body.recoveryKit as string, w.tenantKeys.sigKid, context);
      w.kitId = saved.id;
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { kitId: w.kitId } }),
  },
  {
    action: 'auth.sign_in',
    how: 'success: a tenant admin, in the tenant chain',
    perform: () => verifySignIn({ email: w.aliceAccount.email, authKey: w.aliceAccount.secrets.authKey, ip: context.ip, userAgent: context.userAgent }, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId, details: { secondFactor: 'none' } }),
  },
  {
    action: 'auth.sign_in',
    how: 'success: an operator, vendor-only',
    perform: () => verifySignIn({ email: w.operatorAccount.email, authKey: w.operatorAccount.secrets.authKey, ip: context.ip }, context),
    expect: () => ({ actorType: 'operator', tenant: null, actorId: w.operator.id }),
  },
  {
    action: 'auth.sign_in',
    how: 'failure: bad credentials for an existing account',
    perform: () => expect(verifySignIn({ email: w.aliceAccount.email, authKey: w.operatorAccount.secrets.authKey, ip: context.ip }, context)).rejects.toMatchObject({ reason: 'invalid_credentials' }),
    expect: () => ({ actorType: 'user', tenant: TENANT, outcome: 'failure', actorId: w.aliceId, details: { reason: 'bad_credentials' } }),
  },
  {
    action: 'auth.sign_in',
    how: 'failure: unknown account (the typed identifier is not stored)',
    perform: async () => {
      const typed = `${w.aliceAccount.secrets.passphrase}@typo.example`;
      plant('identifier typed for an unknown account', typed);
      await expect(verifySignIn({ email: typed, authKey: w.aliceAccount.secrets.authKey, ip: context.ip }, context)).rejects.toMatchObject({ reason: 'invalid_credentials' });
    },
    expect: () => ({ actorType: 'user', tenant: null, outcome: 'failure', actorId: null, details: { reason: 'unknown_account' } }),
  },
  {
    action: 'auth.sign_in',
    how: 'denied: the address is locked after repeated failures',
    perform: async () => {
      const ip = '198.51.100.66';
      for (let i = 0; i < 5; i++) await verifySignIn({ email: `nobody-${i}@example.com`, authKey: w.aliceAccount.secrets.authKey, ip }, { ...context, ip }).catch(() => {});
      await expect(verifySignIn({ email: w.aliceAccount.email, authKey: w.aliceAccount.secrets.authKey, ip }, { ...context, ip })).rejects.toMatchObject({ reason: 'locked' });
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, outcome: 'denied', actorId: w.aliceId, details: { reason: 'locked' } }),
  },
  {
    action: 'account.passphrase_change',
    how: 'account page (re-sealed admin key)',
    perform: async () => {
      const a = w.aliceAccount.body;
      const me = await accessOf(w.aliceAccount.email);
      const body = ZChangePassphrase.parse({ currentAuthKey: a.authKey, authKey: a.authKey, kdfSalt: a.kdfSalt, kdfIterations: a.kdfIterations, sealedAdminKey: a.sealedAdminKey });
      await changePassphrase(me.user, body, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId }),
  },
  {
    action: 'account.mfa_enable',
    how: 'TOTP enrolment confirmed with a code',
    perform: async () => {
      const me = (await accessOf(w.aliceAccount.email)).user;
      w.totpSecret = (await beginTotp(me)).secret;
      plant('TOTP secret', w.totpSecret);
      const code = totpCode(w.totpSecret, Date.now());
      plant('TOTP code', code);
      w.recoveryCodes = (await enableTotp(me, code, context)).recoveryCodes;
      w.recoveryCodes.forEach((c, i) => plant(`recovery code ${i}`, c));
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { method: 'totp', recoveryCodes: 10 } }),
  },
  {
    action: 'account.recovery_code_use',
    how: 'sign-in with a recovery code as the second factor',
    perform: () => verifySignIn({ email: w.aliceAccount.email, authKey: w.aliceAccount.secrets.authKey, otp: w.recoveryCodes[0], ip: context.ip }, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { remaining: 9 } }),
  },
  {
    action: 'auth.sign_in',
    how: 'failure: bad second factor',
    perform: () => expect(verifySignIn({ email: w.aliceAccount.email, authKey: w.aliceAccount.secrets.authKey, otp: 'NOTA-CODE-ATALL', ip: context.ip }, context)).rejects.toMatchObject({ reason: 'invalid_credentials' }),
    expect: () => ({ actorType: 'user', tenant: TENANT, outcome: 'failure', details: { reason: 'bad_second_factor' } }),
  },
  {
    action: 'account.mfa_disable',
    how: 'turned off with a fresh code',
    perform: async () => {
      const code = totpCode(w.totpSecret, Date.now() + 30_000);
      plant('TOTP code (disable)', code);
      await disableTotp((await accessOf(w.aliceAccount.email)).user, code, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { method: 'totp' } }),
  },
  {
    action: 'account.sessions_revoke',
    how: 'sign out everywhere',
    perform: async () => signOutEverywhere((await accessOf(w.aliceAccount.email)).user, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId }),
  },
  {
    action: 'account.notifications_update',
    how: 'account page: mail notifications off',
    perform: async () => updateNotificationSettings((await accessOf(w.aliceAccount.email)).user, { enabled: false }, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId, details: { enabled: false, previous: true } }),
  },
  {
    action: 'access.denied',
    how: 'a change refused to an admin of the tenant (second factor required): in the tenant chain, once a minute',
    perform: async () => {
      const alice = (await accessOf(w.aliceAccount.email)).user;
      const refuse = () =>
        auditRefusal(
          { mode: 'tenant-admin', params: { tenant: TENANT }, request: refusedRequest(`/api/v1/tenants/${TENANT}/configs`), requestId: context.requestId, error: new AppError('mfa_required') },
          async () => alice,
        );
      await refuse();
      const before = await db.prisma.auditEvent.count();
      await refuse();
      expect(await db.prisma.auditEvent.count()).toBe(before);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, outcome: 'denied', actorId: w.aliceId, details: { reason: 'mfa_required', method: 'POST', path: `/api/v1/tenants/${TENANT}/configs` } }),
  },
  {
    action: 'access.denied',
    how: 'a change of another tenant refused to a stranger: vendor-only, naming the tenant asked for',
    perform: async () => {
      const alice = (await accessOf(w.aliceAccount.email)).user;
      await auditRefusal(
        { mode: 'tenant-admin', params: { tenant: 'globex' }, request: refusedRequest('/api/v1/tenants/globex/admins/adm_x', 'DELETE'), requestId: context.requestId, error: new AppError('not_found') },
        async () => alice,
      );
      // Reads, anonymous callers and other errors are not recorded.
      const before = await db.prisma.auditEvent.count();
      await auditRefusal({ mode: 'tenant-admin', params: { tenant: 'globex' }, request: refusedRequest('/api/v1/tenants/globex/audit', 'GET'), requestId: context.requestId, error: new AppError('not_found') }, async () => alice);
      await auditRefusal({ mode: 'tenant-admin', params: { tenant: 'globex' }, request: refusedRequest('/api/v1/tenants/globex/configs'), requestId: context.requestId, error: new AppError('not_found') }, async () => null);
      await auditRefusal({ mode: 'tenant-admin', params: { tenant: 'globex' }, request: refusedRequest('/api/v1/tenants/globex/configs'), requestId: context.requestId, error: new AppError('validation_failed') }, async () => alice);
      await auditRefusal({ mode: 'proxy', params: {}, request: refusedRequest('/api/v1/proxy/status'), requestId: context.requestId, error: new AppError('not_found') }, async () => alice);
      expect(await db.prisma.auditEvent.count()).toBe(before);
      const [event] = await db.prisma.auditEvent.findMany({ where: { action: 'access.denied', tenantExternalId: null }, orderBy: { vendorSeq: 'desc' }, take: 1 });
      expect(event).toMatchObject({ targetType: 'tenant', targetId: 'globex' });
    },
    expect: () => ({ actorType: 'user', tenant: null, outcome: 'denied', actorId: w.aliceId, details: { reason: 'not_found', method: 'DELETE', path: '/api/v1/tenants/globex/admins/adm_x' } }),
  },
  {
    action: 'auth.sign_out',
    how: 'the session ends',
    perform: async () => {
      w.signIn = await verifySignIn({ email: w.operatorAccount.email, authKey: w.operatorAccount.secrets.authKey, ip: context.ip }, context);
      await endSession(w.signIn.sessionId, context);
    },
    expect: () => ({ actorType: 'operator', tenant: null, actorId: w.operator.id }),
  },
  {
    action: 'invitation.create',
    how: 'a tenant admin invites another admin',
    perform: async () => {
      w.bobInvitationId = (await inviteTenantAdmin(await accessOf(w.aliceAccount.email), w.bobAccount.email, context)).id;
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { invitationId: w.bobInvitationId, kind: 'tenant_admin' } }),
  },
  {
    action: 'invitation.resend',
    how: 'a tenant admin resends it',
    perform: async () => resendTenantInvitation(await accessOf(w.aliceAccount.email), w.bobInvitationId, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { invitationId: w.bobInvitationId } }),
  },
  {
    action: 'invitation.create',
    how: 'an operator invites an operator',
    perform: async () => {
      w.operatorInvitationId = (await inviteOperator(w.operator, `second-op-${run}@vendor.example`, w.byOperator)).id;
    },
    expect: () => ({ actorType: 'operator', tenant: null, details: { invitationId: w.operatorInvitationId, kind: 'operator' } }),
  },
  {
    action: 'invitation.create',
    how: 'npm run operator:create (nobody signed in: system)',
    perform: () => db.prisma.$transaction((tx) => createOperatorInvitation(tx, `break-glass-${run}@vendor.example`, undefined)),
    expect: () => ({ actorType: 'system', tenant: null, actorId: null, withContext: false, details: { kind: 'operator' } }),
  },
  {
    action: 'invitation.revoke',
    how: 'an operator revokes it',
    perform: () => revokeAnyInvitation(w.operatorInvitationId, w.byOperator),
    expect: () => ({ actorType: 'operator', tenant: null, details: { invitationId: w.operatorInvitationId, kind: 'operator' } }),
  },
  {
    action: 'invitation.revoke',
    how: 'a tenant admin revokes one of the tenant’s invitations',
    perform: async () => {
      const alice = await accessOf(w.aliceAccount.email);
      const { id } = await inviteTenantAdmin(alice, `mallory-${run}@acme.example`, context);
      await revokeTenantInvitation(alice, id, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { kind: 'tenant_admin' } }),
  },
  {
    action: 'invitation.accept',
    how: 'a further admin enrolls (pending)',
    perform: async () => {
      await acceptInvitation(ZAcceptInvitation.parse({ token: await latestInvitationToken(w.bobAccount.email), account: w.bobAccount.body }), null, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { invitationId: w.bobInvitationId, firstAdmin: false } }),
  },
  {
    action: 'tenant.recover',
    how: 'the pending admin opens a recovery kit and confirms themselves',
    perform: async () => {
      const bob = await accessOf(w.bobAccount.email);
      await recoverWithKit(bob, w.kitId, await wrapTenantKeys(w.tenantKeys.privates, w.bobAccount.adminPublicJwk, TENANT), context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { kitId: w.kitId } }),
  },
  {
    action: 'admin.confirm',
    how: 'an admin wraps the tenant keys to a pending admin',
    perform: async () => {
      const alice = await accessOf(w.aliceAccount.email);
      await inviteTenantAdmin(alice, w.eveAccount.email, context);
      await acceptInvitation(ZAcceptInvitation.parse({ token: await latestInvitationToken(w.eveAccount.email), account: w.eveAccount.body }), null, context);
      w.eveMembershipId = (await accessOf(w.eveAccount.email)).membership.id;
      await confirmTenantAdmin(alice, w.eveMembershipId, await wrapTenantKeys(w.tenantKeys.privates, w.eveAccount.adminPublicJwk, TENANT), context, w.tenantKeys.sigKid);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId, details: { membershipId: w.eveMembershipId } }),
  },
  {
    action: 'admin.remove',
    how: 'an admin removes another',
    perform: async () => removeTenantAdmin(await accessOf(w.aliceAccount.email), w.eveMembershipId, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { membershipId: w.eveMembershipId, status: 'confirmed' } }),
  },
  {
    action: 'tenant.settings_update',
    how: 'the tenant’s second-factor rule',
    perform: async () => setTenantMfaRule(await accessOf(w.aliceAccount.email), false, context),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { requireMfa: false } }),
  },
  {
    action: 'api_token.create',
    how: 'console',
    perform: async () => {
      const created = await createApiToken(w.operator, { name: 'CI', scope: 'write', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() }, w.byOperator);
      plant('vendor API token', created.token);
      w.apiTokenId = created.apiToken.id;
      w.vendor = { actor: vendorTokenActor({ tokenId: created.apiToken.id, operator: w.operator }), context };
    },
    expect: () => ({ actorType: 'operator', tenant: null, details: { id: w.apiTokenId, scope: 'write' } }),
  },
  {
    action: 'tenant.create',
    how: 'vendor API',
    perform: () => createVendorTenant(w.operator, { externalId: OTHER, displayName: 'Globex', environment: 'prod', adminEmail: `first@globex-${run}.example` }, w.vendor),
    expect: () => ({ actorType: 'vendor_token', tenant: OTHER, actorId: w.apiTokenId }),
  },
  {
    action: 'invitation.resend',
    how: 'vendor API',
    perform: () => resendVendorInvitation(OTHER, w.vendor),
    expect: () => ({ actorType: 'vendor_token', tenant: OTHER, details: { kind: 'tenant_admin' } }),
  },
  {
    action: 'api_token.revoke',
    how: 'console',
    perform: () => revokeApiToken(w.apiTokenId, w.byOperator),
    expect: () => ({ actorType: 'operator', tenant: null, details: { id: w.apiTokenId, scope: 'write' } }),
  },
  { action: 'tenant.suspend', how: 'console', perform: () => suspendTenant(w.operator, OTHER, undefined, w.byOperator), expect: () => ({ actorType: 'operator', tenant: OTHER, details: { status: 'suspended' } }) },
  { action: 'tenant.resume', how: 'vendor API', perform: () => resumeTenant(w.operator, OTHER, undefined, w.vendor), expect: () => ({ actorType: 'vendor_token', tenant: OTHER }) },
  { action: 'tenant.deletion_request', how: 'console', perform: () => requestTenantDeletion(w.operator, OTHER, undefined, w.byOperator), expect: () => ({ actorType: 'operator', tenant: OTHER }) },
  { action: 'tenant.deletion_cancel', how: 'console', perform: () => cancelTenantDeletion(w.operator, OTHER, w.byOperator), expect: () => ({ actorType: 'operator', tenant: OTHER }) },
  {
    action: 'tenant.delete',
    how: 'console, after the waiting period',
    perform: async () => {
      const requested = new Date(Date.now() - DELETION_WAIT_MS - 1000);
      await requestTenantDeletion(w.operator, OTHER, { now: () => requested }, w.byOperator);
      await deleteTenant(w.operator, OTHER, { confirm: OTHER }, undefined, w.byOperator);
    },
    expect: () => ({ actorType: 'operator', tenant: OTHER }),
  },
  {
    action: 'deployment.create',
    how: 'console (the browser made the key pair)',
    perform: async () => {
      const created = await newDeployment('eu-1');
      w.deployment = { id: created.deployment.id, kid: created.deployment.kid, environmentId: w.environmentId, name: 'eu-1' };
    },
    expect: () => ({ actorType: 'operator', tenant: null, details: { name: 'eu-1', kid: w.deployment.kid } }),
  },
  {
    action: 'deployment.awaiting_approval',
    how: 'a new deployment, in each tenant chain of its environment',
    perform: () => newDeployment('eu-2'),
    expect: () => ({ actorType: 'operator', tenant: TENANT, details: { name: 'eu-2' } }),
  },
  { action: 'deployment.update', how: 'rename', perform: () => updateDeployment(w.deployment.id, { name: 'eu-one' }, w.byOperator), expect: () => ({ actorType: 'operator', tenant: null, details: { name: 'eu-one' } }) },
  { action: 'deployment.disable', how: 'console', perform: () => updateDeployment(w.deployment.id, { status: 'disabled' }, w.byOperator), expect: () => ({ actorType: 'operator', tenant: null, details: { status: 'disabled' } }) },
  { action: 'deployment.enable', how: 'console', perform: () => updateDeployment(w.deployment.id, { status: 'active' }, w.byOperator), expect: () => ({ actorType: 'operator', tenant: null, details: { status: 'active' } }) },
  {
    action: 'deployment.awaiting_approval',
    how: 'a re-enabled deployment the tenant has not approved',
    perform: () => updateDeployment(w.deployment.id, { status: 'disabled' }, w.byOperator).then(() => updateDeployment(w.deployment.id, { status: 'active' }, w.byOperator)),
    expect: () => ({ actorType: 'operator', tenant: TENANT, details: { deploymentId: w.deployment.id, name: 'eu-one', kid: w.deployment.kid } }),
  },
  {
    action: 'deployment.rotate_key',
    how: 'with an overlap window',
    perform: async () => plant('rotated proxy API key', (await rotateApiKey(w.deployment.id, new Date(Date.now() + 3_600_000), w.byOperator)).apiKey),
    expect: () => ({ actorType: 'operator', tenant: null }),
  },
  {
    action: 'deployment.approve',
    how: 'the tenant’s signed state lists the deployment',
    perform: () => restate(() => {}, { recipients: [w.deployment.kid] }),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { added: [w.deployment.kid], removed: [] } }),
  },
  {
    action: 'config.test',
    how: 'a draft sealed to the approved deployment only',
    perform: async () => {
      w.testId = newConfigTestId();
      const deployment = await db.prisma.proxyDeployment.findUniqueOrThrow({ where: { id: w.deployment.id }, select: { publicJwk: true } });
      const document = { typ: 'config-test' as const, testId: w.testId, tenantId: TENANT, kind: 'kms' as const, configId: null, provider: 'aws-kms', settings: { secretAccessKey: `canary-test-setting-${run}` }, iat: Math.floor(Date.now() / 1000) };
      plant('draft test setting', document.settings.secretAccessKey);
      const jwe = await sealDraftForTest({ document, signingKey: w.keys.signingKey, signingKid: w.keys.signingKid, recipients: [{ kid: w.deployment.kid, publicJwk: deployment.publicJwk as never }] });
      plant('sealed draft test', JSON.stringify(jwe));
      return startConfigTest(await accessOf(w.aliceAccount.email), { draft: { testId: w.testId, kind: 'kms', provider: 'aws-kms', configId: null, jwe } }, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { testId: w.testId, draft: true, kind: 'kms', provider: 'aws-kms', targets: [w.deployment.id] } }),
  },
  {
    action: 'deployment.remove',
    how: 'the tenant’s signed state drops it',
    perform: () => restate(() => {}, { recipients: [] }),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { added: [], removed: [w.deployment.kid] } }),
  },
  {
    action: 'config.create',
    how: 'first version',
    perform: async () => {
      w.configA = newConfigId();
      await put(w.configA, 1, 'Production KMS');
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { configId: w.configA, version: 1, kind: 'kms' } }),
  },
  { action: 'config.edit', how: 'second version', perform: () => put(w.configA, 2, 'Production KMS'), expect: () => ({ actorType: 'user', tenant: TENANT, details: { configId: w.configA, version: 2 } }) },
  {
    action: 'config.rollback',
    how: 'version 1’s content again as version 3, naming restoredFrom',
    perform: () => put(w.configA, 3, 'Production KMS', { restoredFrom: 1 }),
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { configId: w.configA, version: 3, restoredFrom: 1, seq: w.seq } }),
  },
  {
    action: 'config.primary',
    how: 'a second configuration becomes primary',
    perform: async () => {
      w.configB = newConfigId();
      await put(w.configB, 1, 'Backup KMS', { primary: false });
      await restate((e) => {
        e.set(w.configA, { ...e.get(w.configA)!, primary: false });
        e.set(w.configB, { ...e.get(w.configB)!, primary: true });
      });
    },
    expect: () => ({ actorType: 'user', tenant: TENANT }),
  },
  { action: 'config.disable', how: 'status', perform: () => restate((e) => e.set(w.configA, { ...e.get(w.configA)!, status: 'disabled' })), expect: () => ({ actorType: 'user', tenant: TENANT }) },
  { action: 'config.enable', how: 'status', perform: () => restate((e) => e.set(w.configA, { ...e.get(w.configA)!, status: 'active' })), expect: () => ({ actorType: 'user', tenant: TENANT }) },
  {
    action: 'tenant.state_reissue',
    how: 'after lost changes: a state built on the broker’s, signed 5 past it',
    perform: async () => {
      w.reissuedFrom = w.seq;
      // Proxies had applied up to 4 changes the broker no longer has.
      w.seq += 4;
      return applyConfigChange(await accessOf(w.aliceAccount.email), { state: await signedState(listed()), reissue: { fromSeq: w.reissuedFrom } }, context);
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { seq: w.seq, fromSeq: w.reissuedFrom, configs: [] } }),
  },
  {
    action: 'config.delete',
    how: 'a disabled configuration',
    perform: async () => {
      await restate((e) => e.set(w.configA, { ...e.get(w.configA)!, status: 'disabled' }));
      await restate((e) => e.delete(w.configA), { remove: w.configA });
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, details: { configId: w.configA } }),
  },
  {
    action: 'tenant.keys_rotate',
    how: 'an admin rotates the tenant keys after another left; the other admins are confirmed again',
    perform: async () => {
      const documents = [];
      for (const entry of listed()) {
        const stored = await db.prisma.tenantConfigVersion.findUniqueOrThrow({ where: { configId_version: { configId: entry.configId, version: entry.version } } });
        const opened = await openConfig({ jwe: stored.jwe as never, decryptionKey: w.keys.encryptionKey, decryptionKid: w.keys.encryptionKid, verifyKey: w.tenantKeys.body.sigPublicJwk, expected: { tenantId: TENANT, configId: entry.configId, version: entry.version, digest: entry.digest } });
        documents.push({ configId: entry.configId, document: opened });
      }
      const previous: TTenantState = { typ: 'tenant-state', tenantId: TENANT, seq: w.seq, configs: listed(), recipients: [], iat: 0 };
      const rotation = await buildKeyRotation({ tenantId: TENANT, current: w.keys, adminPublicJwk: w.aliceAccount.adminPublicJwk, previous, documents, deployments: [], withRecoveryKit: true });
      plant('rotated tenant encryption d', rotation.privates.encryption.d as string);
      plant('rotated tenant signing d', rotation.privates.signing.d as string);
      plant('rotated recovery kit code', rotation.recoveryCode as string);
      await applyConfigChange(await accessOf(w.aliceAccount.email), ZConfigChange.parse(rotation.change), context);
      // From here on the rows sign and seal with the new keys.
      w.seq += 1;
      w.previousSigningKid = w.keys.signingKid;
      w.keys = rotation.keys;
      w.tenantKeys = { ...w.tenantKeys, encKid: rotation.keys.encryptionKid, sigKid: rotation.keys.signingKid, privates: rotation.privates, body: { ...w.tenantKeys.body, encPublicJwk: rotation.change.rotate.encPublicJwk, sigPublicJwk: rotation.change.rotate.sigPublicJwk } };
      const resealed = new Map((rotation.change.reseal ?? []).map((r) => [r.configId, r.version]));
      const state = JSON.parse(Buffer.from(rotation.change.state.split('.')[1] as string, 'base64url').toString()) as TTenantState;
      for (const entry of state.configs) entries.set(entry.configId, { ...entry, version: resealed.get(entry.configId) ?? entry.version });
    },
    expect: () => ({ actorType: 'user', tenant: TENANT, actorId: w.aliceId, details: { previousSigningKid: w.previousSigningKid, signingKid: w.keys.signingKid } }),
  },
  {
    action: 'delivery.apply',
    how: 'a status report with a new applied seq',
    perform: () => recordStatus(w.deployment, { cursor: null, tenants: [{ tenantId: TENANT, seq: w.seq }], errors: [] }, context),
    expect: () => ({ actorType: 'deployment', actorId: w.deployment.id, tenant: TENANT, details: { deploymentId: w.deployment.id, seq: w.seq, previousSeq: null } }),
  },
  {
    action: 'delivery.error',
    how: 'a status report with a new error (code only, never the message)',
    perform: () => {
      const message = `canary-proxy-message-${run}`;
      plant('proxy error message', message);
      return recordStatus(w.deployment, { cursor: null, tenants: [], errors: [{ tenantId: TENANT, configId: w.configB, code: 'config_signature', message }] }, context);
    },
    expect: () => ({ actorType: 'deployment', tenant: TENANT, outcome: 'failure', details: { deploymentId: w.deployment.id, errors: [{ configId: w.configB, code: 'config_signature' }], errorCount: 1 } }),
  },
  {
    action: 'signing_key.rotate',
    how: 'npm run keys:rotate (no operator: system)',
    perform: () => rotateSigningKey(),
    expect: () => ({ actorType: 'system', tenant: null, withContext: false }),
  },
  { action: 'deployment.delete', how: 'console', perform: () => deleteDeployment(w.deployment.id, w.byOperator), expect: () => ({ actorType: 'operator', tenant: null }) },
];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
  [w.operatorAccount, w.aliceAccount, w.bobAccount, w.eveAccount] = await Promise.all([
    newAccount(`ops-${run}@vendor.example`, `quartz lantern orbit meadow ${run}`),
    newAccount(`alice-${run}@acme.example`, `copper heron sails at dawn ${run}`),
    newAccount(`bob-${run}@acme.example`, `seven velvet comets hum ${run}`),
    newAccount(`eve-${run}@acme.example`, `amber fox leaps twice ${run}`),
  ]);
  for (const [who, a] of Object.entries({ operator: w.operatorAccount, alice: w.aliceAccount, bob: w.bobAccount, eve: w.eveAccount })) {
    plant(`${who} passphrase`, a.secrets.passphrase);
    plant(`${who} authKey`, a.secrets.authKey);
    plant(`${who} admin private d`, a.secrets.privateJwk.d as string);
  }
  w.seq = 0;
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

const allEvents = () => db.prisma.auditEvent.findMany({ orderBy: { vendorSeq: 'asc' } });
type EventRow = Awaited<ReturnType<typeof allEvents>>[number];

function matches(event: EventRow, action: AuditAction, e: Expected): boolean {
  if (event.action !== action || event.actorType !== e.actorType || event.tenantExternalId !== e.tenant || event.outcome !== (e.outcome ?? 'success')) return false;
  if (e.actorId !== undefined && event.actorId !== e.actorId) return false;
  if ((e.withContext ?? true) && (event.ip !== context.ip && event.ip !== '198.51.100.66')) return false;
  if (e.details) {
    try {
      expect(event.details).toMatchObject(e.details);
    } catch {
      return false;
    }
  }
  return true;
}

describe(`the audit catalogue on ${backend}`, () => {
  let seen = 0;

  it('has a row for every catalogue action (or a reason why not)', () => {
    const covered = new Set<string>([...ROWS.map((r) => r.action), ...Object.keys(WRITTEN_ELSEWHERE), ...Object.keys(UNUSED)]);
    expect(AUDIT_ACTION_NAMES.filter((a) => !covered.has(a))).toEqual([]);
    for (const action of [...Object.keys(WRITTEN_ELSEWHERE), ...Object.keys(UNUSED)]) expect(ROWS.map((r) => r.action)).not.toContain(action);
  });

  for (const row of ROWS) {
    it(`${row.action} (${AUDIT_ACTIONS[row.action].scope}): ${row.how}`, async () => {
      await row.perform();
      const fresh = (await allEvents()).filter((e) => e.vendorSeq > seen);
      seen = Math.max(seen, ...fresh.map((e) => e.vendorSeq));
      const expected = row.expect();
      const found = fresh.find((event) => matches(event, row.action, expected));
      expect(found, `no ${row.action} event like ${JSON.stringify(expected)} among: ${JSON.stringify(fresh.map((e) => [e.action, e.actorType, e.tenantExternalId, e.outcome, e.details]))}`).toBeDefined();
      // Scope: a tenant action is always in a tenant chain, a vendor action never.
      const scope = AUDIT_ACTIONS[row.action].scope;
      if (scope === 'tenant') expect(found?.tenantExternalId).not.toBeNull();
      if (scope === 'vendor') expect(found?.tenantExternalId).toBeNull();
    }, 60_000);
  }

  it('a repeated status report writes no further delivery event', async () => {
    const before = await db.prisma.auditEvent.count();
    await recordStatus(w.deployment, { cursor: null, tenants: [{ tenantId: TENANT, seq: w.seq }], errors: [{ tenantId: TENANT, configId: w.configB, code: 'config_signature', message: 'again' }] }, context);
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });

  it('a rollback naming a version that does not exist is refused and writes nothing', async () => {
    const before = await db.prisma.auditEvent.count();
    const version = entries.get(w.configB)!.version + 1;
    const { jwe, digest } = await sealed(w.configB, version);
    const entry = { ...entries.get(w.configB)!, version, digest };
    const state = await signedState([entry]);
    w.seq -= 1;
    await expect(
      applyConfigChange(await accessOf(w.aliceAccount.email), { state, put: { configId: w.configB, kind: 'kms', provider: 'aws-kms', label: 'Backup KMS', version, jwe, restoredFrom: version } }, context),
    ).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/existing older version/) });
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });

  it('the chains verify and no secret of any action appears in any event', async () => {
    const { report } = await verifyStoredAuditTrail();
    expect(report.ok).toBe(true);
    const rows = await allEvents();
    expect(report.vendor.count).toBe(rows.length);
    const records = rows.flatMap((row) => Object.entries(row).map(([column, value]) => ({ where: `audit_event.${column} (${row.id} ${row.action})`, value: value instanceof Date ? value.toISOString() : value })));
    const scan = scanForSecrets(records, canaries);
    expect(formatFindings(scan.findings)).toBe('');
    expect(canaries.length).toBeGreaterThan(30);
    // Emails appear only as the label of a known account acting; never the invitee's.
    expect(JSON.stringify(rows.map((r) => r.details))).not.toMatch(/@/);
  });
});
