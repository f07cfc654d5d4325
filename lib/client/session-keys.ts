// The browser side of zero-knowledge sign-in and enrollment. The passphrase
// is stretched here (PBKDF2, 600 000 rounds) into an authKey, which is all the
// server receives, and a wrapKey, which never leaves this function: it opens
// the admin's sealed private key, which is then kept only as a
// non-extractable CryptoKey.
import type { JWK } from 'jose';
import { signIn } from 'next-auth/react';
import { openAdminPrivateKey } from '@/lib/crypto/admin-key';
import { deriveAccountKeys, PBKDF2_ITERATIONS } from '@/lib/crypto/derive-account-keys';
import { generateRecoveryCode, sealRecoveryKit } from '@/lib/crypto/recovery-kit';
import { importTenantKeys, unwrapTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { api, type TAccount } from './api';
import { forgetTenantKeys, loadKeys, saveAdminKey, saveTenantKeys, wipeAllKeys, type TStoredTenantKeys } from './key-store';

export type SignInResult = { ok: true; account: TAccount } | { ok: false; code: string };

/** Sealing context of the admin key: the account's email (lower-case), known before the account exists. */
import { sealContext } from '@/lib/crypto/account-material';

/**
 * The iteration count comes from the server, which also receives the authKey:
 * a lowered count would let it guess passphrases cheaply, so it is never
 * accepted below the protocol's minimum.
 */
function checkedIterations(kdfIterations: number): number {
  if (!Number.isInteger(kdfIterations) || kdfIterations < PBKDF2_ITERATIONS) {
    throw new Error('The broker asked for a weaker key derivation than allowed; refusing to send anything derived from your passphrase.');
  }
  return kdfIterations;
}

export async function signInWithPassphrase(email: string, passphrase: string, otp?: string): Promise<SignInResult> {
  const { kdfSalt, kdfIterations } = await api.prelogin(email);
  const { authKey, wrapKey } = await deriveAccountKeys(passphrase, kdfSalt, checkedIterations(kdfIterations));
  const result = await signIn('credentials', { email, authKey, otp: otp ?? '', redirect: false });
  if (!result || result.error) return { ok: false, code: result?.code ?? 'invalid_credentials' };
  const account = await api.account();
  await wipeAllKeys();
  const { privateKey, kid } = await openAdminPrivateKey(account.sealedAdminKey, wrapKey, sealContext(account.email));
  await saveAdminKey(account.id, privateKey, kid);
  return { ok: true, account };
}

/** Re-opens the admin key with the passphrase when this browser has no unlocked keys (new tab after a restart). */
export async function unlockWithPassphrase(account: TAccount, passphrase: string): Promise<void> {
  const { wrapKey } = await deriveAccountKeys(passphrase, account.kdfSalt, checkedIterations(account.kdfIterations));
  const { privateKey, kid } = await openAdminPrivateKey(account.sealedAdminKey, wrapKey, sealContext(account.email));
  await saveAdminKey(account.id, privateKey, kid);
}

/** Everything a new account sends: salt, authKey, the admin public key and its sealed private key. */
export { createAccountMaterial, type TNewAccountMaterial as NewAccountMaterial } from '@/lib/crypto/account-material';

/** The first admin's browser creates the tenant's key pairs, wraps them to the admin, and optionally a recovery kit. */
export { createTenantKeyMaterial } from '@/lib/crypto/tenant-key-material';

/**
 * The tenant's keys for this admin: from the store, or unwrapped from the
 * server's JWE with the admin key and kept non-extractable. The tenant's
 * public key ids on record must match the unwrapped keys.
 */
export async function getTenantKeys(userId: string, tenantId: string): Promise<TStoredTenantKeys | 'locked' | 'not-confirmed'> {
  const stored = await loadKeys(userId);
  if (!stored) return 'locked';
  const info = await api.tenantKeys(tenantId);
  const cached = stored.tenants[tenantId];
  if (cached && info.status === 'confirmed' && cached.encryptionKid === info.encKid && cached.signingKid === info.sigKid) return cached;
  // Held from before a rotation, or from before this admin had to be confirmed again: never used again.
  if (cached) await forgetTenantKeys(userId, tenantId);
  if (info.status !== 'confirmed' || !info.wrappedTenantKeys) return 'not-confirmed';
  const privates = await unwrapTenantKeys(info.wrappedTenantKeys, stored.adminPrivateKey, {
    tenantId,
    adminKid: stored.adminKid,
    encryptionKid: info.encKid ?? undefined,
    signingKid: info.sigKid ?? undefined,
  });
  const imported = await importTenantKeys(privates);
  await saveTenantKeys(userId, tenantId, imported);
  return imported;
}

/** Unwraps the tenant keys transiently and wraps them to another admin's public key (confirmation). */
export async function wrapTenantKeysFor(userId: string, tenantId: string, adminPublicJwk: JWK): Promise<{ wrapped: string; signingKid: string }> {
  const stored = await loadKeys(userId);
  if (!stored) throw new Error('Your keys are locked; sign in again.');
  const info = await api.tenantKeys(tenantId);
  if (!info.wrappedTenantKeys) throw new Error('You are not a confirmed administrator of this tenant.');
  const privates = await unwrapTenantKeys(info.wrappedTenantKeys, stored.adminPrivateKey, {
    tenantId,
    adminKid: stored.adminKid,
    encryptionKid: info.encKid ?? undefined,
    signingKid: info.sigKid ?? undefined,
  });
  // The signing kid names the keys wrapped: the broker refuses the confirmation if they were rotated meanwhile.
  return { wrapped: await wrapTenantKeys(privates, adminPublicJwk, tenantId), signingKid: info.sigKid as string };
}

/** A new recovery kit for the tenant, made from the unwrapped keys. Returns the code to store offline. */
export async function createRecoveryKit(userId: string, tenantId: string): Promise<string> {
  const stored = await loadKeys(userId);
  if (!stored) throw new Error('Your keys are locked; sign in again.');
  const info = await api.tenantKeys(tenantId);
  if (!info.wrappedTenantKeys) throw new Error('You are not a confirmed administrator of this tenant.');
  const privates = await unwrapTenantKeys(info.wrappedTenantKeys, stored.adminPrivateKey, { tenantId, adminKid: stored.adminKid });
  const code = generateRecoveryCode();
  await api.saveRecoveryKit(tenantId, await sealRecoveryKit(privates, code, tenantId));
  return code;
}
