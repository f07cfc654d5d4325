import 'server-only';
// The second factor: TOTP (RFC 6238) with replay protection, or a one-time
// recovery code. TOTP secrets are stored encrypted with the broker's
// key-encryption key, bound to the user id.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;
import { decryptAtRest, encryptAtRest } from '@/lib/server/at-rest';
import { getServerSecrets } from '@/lib/server/secrets';
import { hashRecoveryCode, verifyTotp } from '@/lib/server/totp';

type MfaUser = { id: string; totpSecretEnc: string | null; totpLastStep: number | null };

export function totpContext(userId: string): string {
  return `totp:${userId}`;
}

export function sealTotpSecret(userId: string, secret: string): string {
  return encryptAtRest(secret, getServerSecrets().keyEncryptionKey, totpContext(userId));
}

export function openTotpSecret(userId: string, sealed: string): string {
  return decryptAtRest(sealed, getServerSecrets().keyEncryptionKey, totpContext(userId));
}

/** Checks a TOTP code and records its step so it cannot be replayed. */
export async function verifyTotpFor(db: Db, user: MfaUser, code: string, secretOverride?: string): Promise<boolean> {
  const secret = secretOverride ?? (user.totpSecretEnc ? openTotpSecret(user.id, user.totpSecretEnc) : undefined);
  if (!secret) return false;
  const result = verifyTotp(secret, code, { nowMs: Date.now(), lastUsedStep: user.totpLastStep });
  if (!result.ok) return false;
  // Conditional update: two concurrent requests with the same code cannot both win.
  const claimed = await db.user.updateMany({
    where: { id: user.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: result.step } }] },
    data: { totpLastStep: result.step },
  });
  return claimed.count === 1;
}

export async function redeemRecoveryCode(db: Db, userId: string, code: string): Promise<boolean> {
  const used = await db.mfaRecoveryCode.updateMany({
    where: { userId, codeHash: hashRecoveryCode(code), usedAt: null },
    data: { usedAt: new Date() },
  });
  return used.count === 1;
}

export type SecondFactor = 'totp' | 'recovery_code';

/** A 6-digit input is a TOTP code; anything longer is tried as a recovery code. Returns which one matched, or null. */
export async function verifySecondFactor(db: Db, user: MfaUser, input: string): Promise<SecondFactor | null> {
  const compact = input.replace(/[\s-]/g, '');
  if (/^\d{6}$/.test(compact)) return (await verifyTotpFor(db, user, compact)) ? 'totp' : null;
  return (await redeemRecoveryCode(db, user.id, input)) ? 'recovery_code' : null;
}
