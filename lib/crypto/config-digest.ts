// The digest a tenant state lists for each configuration version (PROTOCOL.md
// "Tenant state"): SHA-256 over `protected.iv.ciphertext.tag` of the JWE. These
// four members are shared by every recipient, so narrowing the general JWE to
// one recipient keeps the digest, and GCM authenticates the protected header
// under the tag, so the digest pins the content without being able to decrypt it.
import { base64urlDecode, base64urlEncode } from './encoding';
import { CryptoError } from './errors';
import { isJsonObject } from './json-object';

const MEMBERS = ['protected', 'iv', 'ciphertext', 'tag'] as const;

export type TJweDigestInput = { protected: string; iv: string; ciphertext: string; tag: string };

/** base64url(SHA-256(ASCII(protected "." iv "." ciphertext "." tag))); works on a general or flattened JWE. */
export async function configDigest(jwe: TJweDigestInput): Promise<string> {
  if (!isJsonObject(jwe)) throw new CryptoError('invalid_input', 'Expected a JWE JSON object to digest.');
  for (const member of MEMBERS) {
    const value = jwe[member];
    let ok = typeof value === 'string' && value !== '';
    if (ok) {
      try {
        // Canonical base64url only: the string is hashed as is, and is pure ASCII by construction.
        base64urlDecode(value);
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new CryptoError('invalid_input', `JWE "${member}" must be a non-empty base64url string.`);
  }
  const input = `${jwe.protected}.${jwe.iv}.${jwe.ciphertext}.${jwe.tag}`;
  const bytes = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) bytes[i] = input.charCodeAt(i);
  const hash = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return base64urlEncode(new Uint8Array(hash));
}

/** A digest as listed in a tenant state: 43 base64url characters, 32 bytes. */
export function isConfigDigest(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 43) return false;
  try {
    return base64urlDecode(value).length === 32;
  } catch {
    return false;
  }
}
