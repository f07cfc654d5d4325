import 'server-only';
// Verifies a sign-in: rate limits and lockout per account and per IP, the
// authKey against its scrypt hash (unknown accounts take the same time and get
// the same answer), then the second factor. Creates the server-side session.
// Every attempt is audited (auth.sign_in: success, failure or denied; see
// docs/audit.md), in the transaction of what it changes.
//
// The lockout counts each attempt as a failure before the slow hash check and
// takes it back when it was not one: checked first and recorded after, a
// burst of parallel attempts would all pass the lock before any failure was
// recorded. A second factor checked elsewhere (turning it off) counts against
// the same lockout (verifyTotpLimited).
import { getEnv } from '@/lib/env';
import { getPrisma } from '@/lib/server/db';
import { claimAttempt, clearFailures, releaseAttempt } from '@/lib/server/dal/rate-limits';
import { createSession, findUserForSignIn, normalizeEmail, revokeSession } from '@/lib/server/dal/users';
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import { accountAuditInputs, recordAccountAudit, recordAuditBatch, type AuditContext, type AuditEventInput } from '@/lib/server/audit/record';
import { verifyAgainstDummy, verifyAuthKey } from '@/lib/server/password-hash';
import { AppError } from '@/lib/server/errors';
import { verifySecondFactor, verifyTotpFor } from '@/lib/server/mfa';
import { seconds } from '@/lib/plural';

export type SignInFailure = 'invalid_credentials' | 'mfa_required' | 'locked';

export class SignInRefused extends Error {
  readonly reason: SignInFailure;
  readonly retryAfter: number | undefined;
  constructor(reason: SignInFailure, retryAfter?: number) {
    super(reason);
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
}

export type SignInInput = { email: string; authKey: string; otp?: string; ip: string; userAgent?: string };

export function signInLimitKeys(email: string, ip: string): string[] {
  return [`signin:account:${normalizeEmail(email)}`, `signin:ip:${ip}`];
}

type SignInUser = NonNullable<Awaited<ReturnType<typeof findUserForSignIn>>>;

/**
 * The audit event of an attempt: in the chains of the account's tenants (or
 * vendor-only), or — for an email without an account — vendor-only with no
 * actor and without the typed identifier (it may be a mistyped passphrase).
 */
async function attemptEvents(tx: Prisma.TransactionClient, user: SignInUser | null, event: Omit<AuditEventInput, 'actor' | 'tenantExternalId'>): Promise<AuditEventInput[]> {
  if (user) return accountAuditInputs(tx, user, event);
  return [{ ...event, actor: { type: 'user', id: null, label: null }, target: null, details: { reason: 'unknown_account' } }];
}

/** The audit event of a refused attempt (its failure was counted when the attempt was claimed). */
async function refuse(db: PrismaClient, user: SignInUser | null, outcome: 'failure' | 'denied', reason: string, context: AuditContext): Promise<void> {
  await db.$transaction(async (tx) => {
    await recordAuditBatch(tx, await attemptEvents(tx, user, { action: 'auth.sign_in', outcome, details: { reason }, context }));
  });
}

export async function verifySignIn(input: SignInInput, context: AuditContext = { ip: input.ip, userAgent: input.userAgent ?? null }): Promise<{ userId: string; sessionId: string; sessionVersion: number }> {
  const db = await getPrisma();
  const keys = signInLimitKeys(input.email, input.ip);
  const [accountKey, ipKey] = keys as [string, string];
  const claimed = await claimAttempt(db, keys);
  if ('lockedFor' in claimed) {
    await refuse(db, await findUserForSignIn(db, input.email), 'denied', 'locked', context);
    throw new SignInRefused('locked', claimed.lockedFor);
  }

  const user = await findUserForSignIn(db, input.email);
  const ok = user ? await verifyAuthKey(input.authKey, user.authKeyHash) : await verifyAgainstDummy(input.authKey);
  if (!user || !ok) {
    await refuse(db, user, 'failure', 'bad_credentials', context);
    throw new SignInRefused('invalid_credentials');
  }
  if (user.totpEnabledAt && !input.otp) {
    // The right passphrase, asked for its second step: not a failure.
    await releaseAttempt(db, claimed.claim);
    throw new SignInRefused('mfa_required');
  }
  const env = getEnv();
  // The second factor (a recovery code is used up), the session and the events commit together.
  const session = await db.$transaction(async (tx) => {
    const factor = user.totpEnabledAt ? await verifySecondFactor(tx, user, input.otp ?? '') : null;
    if (user.totpEnabledAt && !factor) return null;
    // Success clears the account's failures; the address keeps those of others, less this attempt.
    await clearFailures(tx, accountKey);
    await releaseAttempt(tx, claimed.claim, [ipKey]);
    const created = await createSession(tx, { userId: user.id, maxAgeMs: env.SESSION_MAX_HOURS * 3600_000, ip: input.ip, userAgent: input.userAgent });
    const events = await accountAuditInputs(tx, user, { action: 'auth.sign_in', details: { secondFactor: factor ?? 'none' }, context });
    if (factor === 'recovery_code') {
      const remaining = await tx.mfaRecoveryCode.count({ where: { userId: user.id, usedAt: null } });
      events.push(...(await accountAuditInputs(tx, user, { action: 'account.recovery_code_use', details: { remaining }, context })));
    }
    await recordAuditBatch(tx, events);
    return created;
  });
  if (!session) {
    await refuse(db, user, 'failure', 'bad_second_factor', context);
    throw new SignInRefused('invalid_credentials');
  }
  return { userId: user.id, sessionId: session.id, sessionVersion: user.sessionVersion };
}

type TotpUser = { id: string; email: string; totpSecretEnc: string | null; totpLastStep: number | null };

/**
 * A TOTP code checked outside sign-in (turning the second factor off), under
 * the lockout of the sign-in's second step: the same account and address
 * counters, counted before the check. Without it a stolen session could try
 * all 10^6 codes. A right code is not counted; a locked account or address is
 * refused (429) without checking the code.
 */
export async function verifyTotpLimited(user: TotpUser, code: string, ip: string | null | undefined): Promise<boolean> {
  const db = await getPrisma();
  const [accountKey, ipKey] = signInLimitKeys(user.email, ip ?? '') as [string, string];
  const claimed = await claimAttempt(db, ip ? [accountKey, ipKey] : [accountKey]);
  if ('lockedFor' in claimed) {
    throw new AppError('rate_limited', { message: `Too many wrong codes or sign-in attempts. Try again in ${seconds(claimed.lockedFor)}.`, retryAfter: claimed.lockedFor });
  }
  const ok = await verifyTotpFor(db, user, code);
  if (ok) await releaseAttempt(db, claimed.claim);
  return ok;
}

/** Sign-out: ends the session and records it (nothing when it had already ended). */
export async function endSession(sessionId: string, context?: AuditContext): Promise<void> {
  const db = await getPrisma();
  await db.$transaction(async (tx) => {
    if (!(await revokeSession(tx, sessionId))) return;
    const owner = await tx.userSession.findUnique({ where: { id: sessionId }, select: { user: { select: { id: true, email: true, isOperator: true } } } });
    if (owner) await recordAccountAudit(tx, owner.user, { action: 'auth.sign_out', context });
  });
}
