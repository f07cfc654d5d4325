import 'server-only';
// Verifies a sign-in: rate limits and lockout per account and per IP, the
// authKey against its scrypt hash (unknown accounts take the same time and get
// the same answer), then the second factor. Creates the server-side session.
import { getEnv } from '@/lib/env';
import { getPrisma } from '@/lib/server/db';
import { clearFailures, lockedFor, recordFailure } from '@/lib/server/dal/rate-limits';
import { createSession, findUserForSignIn, normalizeEmail } from '@/lib/server/dal/users';
import { verifyAgainstDummy, verifyAuthKey } from '@/lib/server/password-hash';
import { verifySecondFactor } from '@/lib/server/mfa';

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

export async function verifySignIn(input: SignInInput): Promise<{ userId: string; sessionId: string; sessionVersion: number }> {
  const db = await getPrisma();
  const keys = signInLimitKeys(input.email, input.ip);
  const locked = await lockedFor(db, keys);
  if (locked) throw new SignInRefused('locked', locked);

  const user = await findUserForSignIn(db, input.email);
  const ok = user ? await verifyAuthKey(input.authKey, user.authKeyHash) : await verifyAgainstDummy(input.authKey);
  if (!user || !ok) {
    await recordFailure(db, keys);
    throw new SignInRefused('invalid_credentials');
  }
  if (user.totpEnabledAt) {
    if (!input.otp) throw new SignInRefused('mfa_required');
    if (!(await verifySecondFactor(db, user, input.otp))) {
      await recordFailure(db, keys);
      throw new SignInRefused('invalid_credentials');
    }
  }
  await clearFailures(db, keys[0] as string);
  const env = getEnv();
  const session = await createSession(db, {
    userId: user.id,
    maxAgeMs: env.SESSION_MAX_HOURS * 3600_000,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  return { userId: user.id, sessionId: session.id, sessionVersion: user.sessionVersion };
}
