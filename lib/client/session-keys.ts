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
import { importTenantKeys, tenantPublicJwks, unwrapTenantKeys, wrapTenantKeys, type TTenantPrivateKeys } from '@/lib/crypto/tenant-keys';
import { api, type TAccount, type TTenantKeys } from './api';
import { forgetTenantKeys, loadKeys, saveAdminKey, saveTenantKeys, wipeAllKeys, type TStoredTenantKeys } from './key-store';
import { acceptSigningKey } from './tenant-key-pin';

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

/** The tenant keys ready for use, with the public halves taken from the private JWKs (never from the broker). */
export async function storedTenantKeys(privates: TTenantPrivateKeys): Promise<TStoredTenantKeys> {
  const [imported, publics] = await Promise.all([importTenantKeys(privates), tenantPublicJwks(privates)]);
  return { ...imported, encryptionPublicJwk: publics.encryption, signingPublicJwk: publics.signing };
}

export type TOpenedTenantKeys = { keys: TStoredTenantKeys; info: TTenantKeys };

/**
 * The tenant's keys for this admin, and the broker's answer they were checked
 * against: from the store, or unwrapped from the server's JWE with the admin
 * key and kept non-extractable. The unwrapped keys must be the tenant's public
 * keys on record, and their signing key the one this browser trusts for the
 * tenant, or reached from it by signed rotations (lib/client/tenant-key-pin.ts):
 * otherwise UntrustedTenantKeysError, and nothing is kept.
 */
export async function openTenantKeys(userId: string, tenantId: string): Promise<TOpenedTenantKeys | 'locked' | 'not-confirmed'> {
  const stored = await loadKeys(userId);
  if (!stored) return 'locked';
  const info = await api.tenantKeys(tenantId);
  const rotations = info.keyRotations ?? [];
  const cached = stored.tenants[tenantId];
  // Entries stored before the public halves were kept are unwrapped again.
  const complete = !!cached?.encryptionPublicJwk && !!cached.signingPublicJwk;
  if (cached && complete && info.status === 'confirmed' && cached.encryptionKid === info.encKid && cached.signingKid === info.sigKid) {
    await acceptSigningKey(tenantId, cached.signingPublicJwk, rotations);
    return { keys: cached, info };
  }
  // Held from before a rotation, or from before this admin had to be confirmed again: never used again.
  if (cached) await forgetTenantKeys(userId, tenantId);
  if (info.status !== 'confirmed' || !info.wrappedTenantKeys) return 'not-confirmed';
  const privates = await unwrapTenantKeys(info.wrappedTenantKeys, stored.adminPrivateKey, {
    tenantId,
    adminKid: stored.adminKid,
    encryptionKid: info.encKid ?? undefined,
    signingKid: info.sigKid ?? undefined,
  });
  const keys = await storedTenantKeys(privates);
  // Anyone with this admin's public key can wrap a key set to it: only the trusted signing key makes it the tenant's.
  await acceptSigningKey(tenantId, keys.signingPublicJwk, rotations);
  await saveTenantKeys(userId, tenantId, keys);
  return { keys, info };
}

/** openTenantKeys without the broker's answer. */
export async function getTenantKeys(userId: string, tenantId: string): Promise<TStoredTenantKeys | 'locked' | 'not-confirmed'> {
  const opened = await openTenantKeys(userId, tenantId);
  return typeof opened === 'string' ? opened : opened.keys;
}

/** The private keys wrapped to this admin, unwrapped transiently: only if they are the keys this browser trusts. */
async function unwrapTrustedKeys(userId: string, tenantId: string): Promise<TTenantPrivateKeys> {
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
  // A key set the broker wrapped to this admin itself must not be handed on to a newcomer or into a kit.
  await acceptSigningKey(tenantId, (await tenantPublicJwks(privates)).signing, info.keyRotations ?? []);
  return privates;
}

/** Unwraps the tenant keys transiently and wraps them to another admin's public key (confirmation). */
export async function wrapTenantKeysFor(userId: string, tenantId: string, adminPublicJwk: JWK): Promise<{ wrapped: string; signingKid: string }> {
  const privates = await unwrapTrustedKeys(userId, tenantId);
  // The signing kid names the keys wrapped: the broker refuses the confirmation if they were rotated meanwhile.
  return { wrapped: await wrapTenantKeys(privates, adminPublicJwk, tenantId), signingKid: (await tenantPublicJwks(privates)).signing.kid as string };
}

/** A new recovery kit for the tenant, made from the unwrapped keys. Returns the code to store offline. */
export async function createRecoveryKit(userId: string, tenantId: string): Promise<string> {
  const privates = await unwrapTrustedKeys(userId, tenantId);
  const code = generateRecoveryCode();
  // The signing kid names the keys sealed: the broker refuses the kit if they were rotated meanwhile.
  await api.saveRecoveryKit(tenantId, await sealRecoveryKit(privates, code, tenantId), (await tenantPublicJwks(privates)).signing.kid as string);
  return code;
}
