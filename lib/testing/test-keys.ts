// Test helpers: fresh ES256 / ECDH key pairs as the protocol's canonical JWKs
// with their imported private halves, and a way to assert a CryptoError code.
import type { JWK } from 'jose';

import { CryptoError } from '@/lib/crypto/errors';
import { generateJwkPair, importPrivateKey, readPrivateJwk } from '@/lib/crypto/p256-jwk';

export type TTestSigner = { publicJwk: JWK; privateJwk: JWK; key: CryptoKey; kid: string };

export async function newSigner(): Promise<TTestSigner> {
  const { publicJwk, privateJwk } = await generateJwkPair('ecdsa');
  const key = await importPrivateKey(readPrivateJwk(privateJwk, 'ecdsa', 'invalid_input'), 'ecdsa', ['sign'], 'invalid_input');
  return { publicJwk, privateJwk, key, kid: publicJwk.kid as string };
}

/** The CryptoError a promise rejects with (fails the test if it resolves or throws something else). */
export async function cryptoRejection<E extends CryptoError = CryptoError>(promise: Promise<unknown>): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CryptoError)) throw new Error(`Expected a CryptoError, got ${String(error)}`);
  return error as E;
}
