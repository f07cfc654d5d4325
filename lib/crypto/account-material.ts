// What a new account's browser makes and sends at enrollment (PROTOCOL.md
// "Keys" 3): a random salt, the authKey stretched from the passphrase, the
// admin ECDH public key, and its private half sealed under the wrapKey, bound
// to the account's email. The passphrase, wrapKey and private key stay here.
import type { JWK } from 'jose';
import { generateAdminKeyPair, sealAdminPrivateKey } from './admin-key';
import { deriveAccountKeys, generateSalt, PBKDF2_ITERATIONS } from './derive-account-keys';

export type TNewAccountMaterial = {
  body: { kdfSalt: string; kdfIterations: number; authKey: string; adminPublicJwk: JWK; sealedAdminKey: string };
  adminPublicJwk: JWK;
  /** Never sent: kept for callers that must go on (a test looking for it where it must not be). */
  privateJwk: JWK;
};

/** The context the sealed admin key is bound to: the account's email, normalised. */
export const sealContext = (email: string) => email.trim().toLowerCase();

export async function createAccountMaterial(email: string, passphrase: string): Promise<TNewAccountMaterial> {
  const kdfSalt = generateSalt();
  const { authKey, wrapKey } = await deriveAccountKeys(passphrase, kdfSalt, PBKDF2_ITERATIONS);
  const { publicJwk, privateJwk } = await generateAdminKeyPair();
  const sealedAdminKey = await sealAdminPrivateKey(privateJwk, wrapKey, sealContext(email));
  return { body: { kdfSalt, kdfIterations: PBKDF2_ITERATIONS, authKey, adminPublicJwk: publicJwk, sealedAdminKey }, adminPublicJwk: publicJwk, privateJwk };
}
