// Key identity: the RFC 7638 thumbprint every kid is, and the grouped form
// people compare when they confirm a key out of band (PROTOCOL.md "Algorithms").
import type { JWK } from 'jose';

import { base64urlDecode } from './encoding';
import { CryptoError } from './errors';
import { readP256Members, thumbprintOf } from './p256-jwk';

const GROUPS = 8;
const GROUP_LENGTH = 4;

/**
 * RFC 7638 SHA-256 thumbprint, base64url. Only P-256 keys are accepted (the
 * protocol has no others), and a private JWK gives the same thumbprint as its
 * public half because only kty/crv/x/y are hashed.
 */
export async function jwkThumbprint(jwk: JWK): Promise<string> {
  return thumbprintOf(readP256Members(jwk, 'invalid_input'));
}

/** Rejects anything that is not a SHA-256 thumbprint, so a truncated or mangled value is never shown as a fingerprint. */
export function decodeThumbprint(thumbprint: string): Uint8Array<ArrayBuffer> {
  if (typeof thumbprint !== 'string' || thumbprint.length !== 43) {
    throw new CryptoError('invalid_input', 'Expected a SHA-256 JWK thumbprint (43 base64url characters).');
  }
  const bytes = base64urlDecode(thumbprint);
  if (bytes.length !== 32) throw new CryptoError('invalid_input', 'Expected a SHA-256 JWK thumbprint.');
  return bytes;
}

/** The first 32 characters (192 bits) of the thumbprint in 8 groups of 4. */
export function fingerprintGroups(thumbprint: string): string[] {
  decodeThumbprint(thumbprint);
  const groups: string[] = [];
  for (let i = 0; i < GROUPS; i++) groups.push(thumbprint.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH));
  return groups;
}

/** "abcd efgh … " — 8 groups of 4 separated by single spaces. */
export function formatFingerprint(thumbprint: string): string {
  return fingerprintGroups(thumbprint).join(' ');
}
