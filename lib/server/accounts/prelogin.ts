import 'server-only';
// The pre-login lookup: the PBKDF2 salt for an email. Unknown emails get a
// salt derived from the auth secret and the email, stable across calls and
// instances, so the answer never tells whether an account exists.
import { createHmac } from 'node:crypto';
import { PBKDF2_ITERATIONS } from '@/lib/crypto/derive-account-keys';
import { getPrisma } from '@/lib/server/db';
import { hit } from '@/lib/server/dal/rate-limits';
import { findSaltByEmail, normalizeEmail } from '@/lib/server/dal/users';
import { AppError } from '@/lib/server/errors';
import { getServerSecrets } from '@/lib/server/secrets';
import { seconds } from '@/lib/plural';

export function fakeSalt(email: string): string {
  return createHmac('sha256', getServerSecrets().authSecret).update(`prelogin-salt|${normalizeEmail(email)}`).digest().subarray(0, 16).toString('base64url');
}

export async function prelogin(email: string, ip: string): Promise<{ kdfSalt: string; kdfIterations: number }> {
  const db = await getPrisma();
  const wait = (await hit(db, `prelogin:ip:${ip}`, { limit: 30, windowMs: 60_000 })) ?? (await hit(db, `prelogin:account:${normalizeEmail(email)}`, { limit: 20, windowMs: 60_000 }));
  if (wait) throw new AppError('rate_limited', { message: `Too many sign-in attempts. Try again in ${seconds(wait)}.`, retryAfter: wait });
  const found = await findSaltByEmail(db, email);
  return found ? { kdfSalt: found.kdfSalt, kdfIterations: found.kdfIterations } : { kdfSalt: fakeSalt(email), kdfIterations: PBKDF2_ITERATIONS };
}
