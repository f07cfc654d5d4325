// Internal: AES-256-GCM for the JSON envelopes (sealed admin key, recovery
// kit). Pins the key type and IV length, and turns every WebCrypto failure into
// a CryptoError so no DOMException reaches a caller.
import { base64urlDecode, base64urlEncode, randomBytes } from './encoding';
import { CryptoError } from './errors';

// 96-bit random IVs: the GCM standard size. Each wrapKey/recovery key seals a
// handful of blobs in its life, far below the 2^32 random-IV limit.
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function assertAesGcmKey(key: unknown, usage: 'encrypt' | 'decrypt'): asserts key is CryptoKey {
  const k = key as CryptoKey | null;
  const algorithm = k?.algorithm as Partial<AesKeyAlgorithm> | undefined;
  const ok =
    typeof k === 'object' &&
    k !== null &&
    k.type === 'secret' &&
    algorithm?.name === 'AES-GCM' &&
    algorithm.length === 256 &&
    Array.isArray(k.usages) &&
    k.usages.includes(usage);
  if (!ok) throw new CryptoError('invalid_input', `Expected an AES-GCM-256 CryptoKey that can ${usage}.`);
}

export async function aesGcmSeal(
  key: CryptoKey,
  plaintext: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
): Promise<{ iv: string; ct: string }> {
  assertAesGcmKey(key, 'encrypt');
  const iv = randomBytes(IV_BYTES);
  try {
    const params = { name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 };
    const ct = await globalThis.crypto.subtle.encrypt(params, key, plaintext);
    return { iv: base64urlEncode(iv), ct: base64urlEncode(new Uint8Array(ct)) };
  } catch (cause) {
    throw new CryptoError('invalid_input', 'Encryption failed.', { cause });
  }
}

/**
 * Decrypts or throws 'decrypt_failed'. Malformed iv/ct count as tampering too,
 * so every way a stored blob can be damaged reads the same to the caller.
 */
export async function aesGcmOpen(
  key: CryptoKey,
  iv: string,
  ct: string,
  aad: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  assertAesGcmKey(key, 'decrypt');
  let ivBytes: Uint8Array<ArrayBuffer>;
  let ctBytes: Uint8Array<ArrayBuffer>;
  try {
    ivBytes = base64urlDecode(iv);
    ctBytes = base64urlDecode(ct);
  } catch (cause) {
    throw new CryptoError('decrypt_failed', 'The sealed data is damaged.', { cause });
  }
  if (ivBytes.length !== IV_BYTES || ctBytes.length < TAG_BYTES) {
    throw new CryptoError('decrypt_failed', 'The sealed data is damaged.');
  }
  try {
    const plaintext = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: ivBytes, additionalData: aad, tagLength: 128 },
      key,
      ctBytes,
    );
    return new Uint8Array(plaintext);
  } catch (cause) {
    throw new CryptoError('decrypt_failed', 'Decryption failed: wrong key, wrong context, or damaged data.', { cause });
  }
}
