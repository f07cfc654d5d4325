import 'server-only';
// Creating a user from what the browser sent at enrollment: the salt, a slow
// hash of the authKey, the admin public key (kid recomputed here) and the
// sealed private key, which must name that same key.
import type { Prisma } from '@/lib/generated/prisma/client';
import type { TNewAccount } from '@/lib/schemas/account';
import { createUser } from '@/lib/server/dal/users';
import { AppError } from '@/lib/server/errors';
import { canonicalPublicJwk, sealedKeyKid } from '@/lib/server/keys';
import { hashAuthKey } from '@/lib/server/password-hash';

export type PreparedAccount = Parameters<typeof createUser>[1];

export async function prepareAccount(account: TNewAccount, isOperator: boolean): Promise<PreparedAccount> {
  const { jwk, kid } = await canonicalPublicJwk(account.adminPublicJwk, 'enc', 'account.adminPublicJwk');
  if (sealedKeyKid(account.sealedAdminKey) !== kid) {
    throw new AppError('validation_failed', { fields: [{ path: 'account.sealedAdminKey', message: 'The sealed key does not belong to this public key.' }] });
  }
  return {
    email: account.email,
    kdfSalt: account.kdfSalt,
    kdfIterations: account.kdfIterations,
    authKeyHash: await hashAuthKey(account.authKey),
    adminPublicJwk: jwk as Prisma.InputJsonValue,
    adminKeyKid: kid,
    sealedAdminKey: account.sealedAdminKey,
    isOperator,
  };
}
