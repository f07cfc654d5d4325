import 'server-only';
// A signed-in user's own account: what the browser needs to unlock keys, the
// passphrase change (re-sealing the admin key, in one transaction), sign out
// everywhere, and the TOTP second factor with its recovery codes.
import type { z } from 'zod';
import type { ZChangePassphrase } from '@/lib/schemas/account';
import type { CurrentUser } from '@/lib/server/authz';
import { operatorActor, recordAccountAudit, recordAudit, type AuditContext, type AuditOptions } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import { listMembershipsOfUser } from '@/lib/server/dal/tenants';
import { revokeAllSessions } from '@/lib/server/dal/users';
import { AppError } from '@/lib/server/errors';
import { newId } from '@/lib/server/ids';
import { sealedKeyKid } from '@/lib/server/keys';
import { openTotpSecret, sealTotpSecret, verifyTotpFor } from '@/lib/server/mfa';
import { hashAuthKey, verifyAuthKey } from '@/lib/server/password-hash';
import { verifyTotpLimited } from '@/lib/server/sign-in';
import { generateRecoveryCodes, generateTotpSecret, hashRecoveryCode, totpQrSvg, totpUri } from '@/lib/server/totp';

export async function getAccount(user: CurrentUser) {
  const db = await getPrisma();
  const row = await db.user.findUniqueOrThrow({
    where: { id: user.id },
    select: { email: true, isOperator: true, kdfSalt: true, kdfIterations: true, adminPublicJwk: true, adminKeyKid: true, sealedAdminKey: true, totpEnabledAt: true },
  });
  const memberships = await listMembershipsOfUser(db, user.id);
  const mfaRequired = user.isOperator ? await isOperatorMfaRequired() : memberships.some((m) => m.tenant.requireMfa);
  return {
    id: user.id,
    email: row.email,
    isOperator: row.isOperator,
    kdfSalt: row.kdfSalt,
    kdfIterations: row.kdfIterations,
    adminPublicJwk: row.adminPublicJwk,
    adminKeyKid: row.adminKeyKid,
    sealedAdminKey: row.sealedAdminKey,
    mfaEnabled: row.totpEnabledAt !== null,
    mfaRequired,
    tenants: memberships.map((m) => ({ externalId: m.tenant.externalId, displayName: m.tenant.displayName, status: m.status })),
  };
}

export async function isOperatorMfaRequired(): Promise<boolean> {
  const row = await (await getPrisma()).brokerSetting.findUnique({ where: { key: 'operators_require_mfa' } });
  return row?.value === true;
}

export async function setOperatorMfaRule(operator: CurrentUser, required: boolean, audit?: AuditOptions) {
  if (required && !operator.totpEnabled) {
    throw new AppError('conflict', { message: 'Turn on your own second factor first (on your account page), so this rule does not lock you out.' });
  }
  await (await getPrisma()).$transaction(async (tx) => {
    await tx.brokerSetting.upsert({ where: { key: 'operators_require_mfa' }, create: { key: 'operators_require_mfa', value: required }, update: { value: required } });
    await recordAudit(tx, { actor: audit?.actor ?? operatorActor(operator), action: 'broker.settings_update', target: { type: 'broker', id: 'operators_require_mfa' }, details: { operatorsRequireMfa: required }, context: audit?.context });
  });
}

export async function changePassphrase(user: CurrentUser, body: z.infer<typeof ZChangePassphrase>, context?: AuditContext) {
  const db = await getPrisma();
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { authKeyHash: true, adminKeyKid: true } });
  if (!(await verifyAuthKey(body.currentAuthKey, row.authKeyHash))) {
    throw new AppError('validation_failed', { fields: [{ path: 'currentPassphrase', message: 'Your current passphrase is not correct.' }] });
  }
  if (sealedKeyKid(body.sealedAdminKey) !== row.adminKeyKid) {
    throw new AppError('validation_failed', { fields: [{ path: 'sealedAdminKey', message: 'The re-sealed key is not your key.' }] });
  }
  const authKeyHash = await hashAuthKey(body.authKey);
  await db.$transaction(async (tx) => {
    await tx.user.update({
      where: { id: user.id },
      data: { kdfSalt: body.kdfSalt, kdfIterations: body.kdfIterations, authKeyHash, sealedAdminKey: body.sealedAdminKey },
    });
    // Other browsers signed in with the old passphrase are signed out; this one stays.
    await revokeAllSessions(tx, user.id, user.sessionId);
    await recordAccountAudit(tx, user, { action: 'account.passphrase_change', details: { adminKeyKid: row.adminKeyKid }, context });
  });
}

export async function signOutEverywhere(user: CurrentUser, context?: AuditContext) {
  await (await getPrisma()).$transaction(async (tx) => {
    await revokeAllSessions(tx, user.id);
    await recordAccountAudit(tx, user, { action: 'account.sessions_revoke', context });
  });
}

/** Starts TOTP enrolment: a new secret, kept (encrypted) until confirmed with a code. */
export async function beginTotp(user: CurrentUser) {
  if (user.totpEnabled) throw new AppError('conflict', { message: 'A second factor is already on. Turn it off first to enrol a new device.' });
  const secret = generateTotpSecret();
  await (await getPrisma()).user.update({ where: { id: user.id }, data: { totpSecretEnc: sealTotpSecret(user.id, secret), totpLastStep: null } });
  const uri = totpUri({ secret, accountName: user.email, issuer: 'CMK broker' });
  return { secret, uri, qrSvg: await totpQrSvg(uri) };
}

/**
 * Abandons an unconfirmed enrolment: the secret kept since beginTotp is discarded, so the
 * key the person was shown can never turn the factor on. An enabled factor is never touched
 * here (the update matches only a row without one); turning it off takes a code (disableTotp).
 */
export async function cancelTotpEnrolment(user: CurrentUser) {
  const db = await getPrisma();
  const { count } = await db.user.updateMany({ where: { id: user.id, totpEnabledAt: null }, data: { totpSecretEnc: null, totpLastStep: null } });
  if (count === 0) throw new AppError('conflict', { message: 'The second factor is on. Turn it off with a code instead.' });
  return { cancelled: true as const };
}

export async function enableTotp(user: CurrentUser, code: string, context?: AuditContext) {
  const db = await getPrisma();
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { id: true, totpSecretEnc: true, totpLastStep: true, totpEnabledAt: true } });
  if (row.totpEnabledAt) throw new AppError('conflict', { message: 'A second factor is already on.' });
  if (!row.totpSecretEnc) throw new AppError('conflict', { message: 'Start the set-up again.' });
  if (!(await verifyTotpFor(db, row, code, openTotpSecret(user.id, row.totpSecretEnc)))) {
    throw new AppError('validation_failed', { fields: [{ path: 'code', message: 'That code is not right. Check the time on your device and try the next code.' }] });
  }
  const codes = generateRecoveryCodes(10);
  await db.$transaction(async (tx) => {
    await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.mfaRecoveryCode.createMany({ data: codes.map((c) => ({ id: newId('mfa'), userId: user.id, codeHash: hashRecoveryCode(c) })) });
    await tx.user.update({ where: { id: user.id }, data: { totpEnabledAt: new Date() } });
    await recordAccountAudit(tx, user, { action: 'account.mfa_enable', details: { method: 'totp', recoveryCodes: codes.length }, context });
  });
  return { recoveryCodes: codes };
}

export async function disableTotp(user: CurrentUser, code: string, context?: AuditContext) {
  const db = await getPrisma();
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { id: true, totpSecretEnc: true, totpLastStep: true, totpEnabledAt: true } });
  if (!row.totpEnabledAt) throw new AppError('conflict', { message: 'No second factor is on.' });
  // Counted like the sign-in's second step: a stolen session must not be able to guess the code.
  if (!(await verifyTotpLimited({ ...row, email: user.email }, code, context?.ip))) {
    throw new AppError('validation_failed', { fields: [{ path: 'code', message: 'That code is not right.' }] });
  }
  const required = user.isOperator ? await isOperatorMfaRequired() : (await listMembershipsOfUser(db, user.id)).some((m) => m.tenant.requireMfa);
  if (required) throw new AppError('conflict', { message: 'A second factor is required for your account and cannot be turned off.' });
  await db.$transaction(async (tx) => {
    await tx.mfaRecoveryCode.deleteMany({ where: { userId: user.id } });
    await tx.user.update({ where: { id: user.id }, data: { totpEnabledAt: null, totpSecretEnc: null, totpLastStep: null } });
    await recordAccountAudit(tx, user, { action: 'account.mfa_disable', details: { method: 'totp' }, context });
  });
}
