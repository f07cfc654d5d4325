// The Azure Key Vault EDEK layout and the tenant binding inside it. Key Vault's
// RSA-OAEP-256 wrap has no additional authenticated data and answers with the
// wrapped bytes only, so the driver itself must (1) remember which key version
// wrapped a DEK, since a rotated key's newer version cannot unwrap it, and
// (2) bind the tenant id some other way.
//
// Binding: the wrapped plaintext is key ‖ digest (32 bytes), where the key is
// a DEK (32 bytes) or a tenant secret (64 bytes); 16–64 bytes are accepted,
// and each side splits at 32 bytes from the end. The digest is
//   SHA-256("cmk-tsp azure tenant\0" ‖ tenantId)          for a tenant alone,
//   SHA-256("cmk-tsp azure binding\0" ‖ bindingJson)      with context pairs,
// bindingJson being the canonical JSON of the tenant and the pairs
// (binding.ts), so a tenant secret is bound to its secretPath and
// tenantSecretId too. The two labels differ, so no tenant-only digest is a
// context digest. At most 64 + 32 = 96 bytes, which RSA-OAEP-256 fits for
// every RSA key size Key Vault offers (2048: up to 190 bytes). The digest is
// inside the RSA ciphertext, so it cannot be edited without the vault's
// private key; a tenant id written beside the ciphertext in the envelope
// could be. Unwrap refuses a plaintext whose digest is not the requesting
// binding's: an EDEK replayed under another tenant (even one on the same key),
// or a secret under another path or id, is refused.
//
// Envelope (the bytes wrap returns and unwrap takes):
//   byte 0        format, 0x01
//   byte 1        n, the length of the key version (32 today; 1–64 accepted)
//   bytes 2…n+1   the key version, ASCII [0-9A-Za-z]
//   the rest      the RSA-OAEP-256 ciphertext (256, 384 or 512 bytes: RSA 2048/3072/4096)
import { createHash, timingSafeEqual } from 'node:crypto';

import { bindingJson, hasContext } from './binding';
import { KmsError, type TKmsBinding } from './types';

const FORMAT = 0x01;
/** The keys wrapped: a 32-byte DEK or a 64-byte tenant secret, within these bounds. */
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;
const DIGEST_BYTES = 32;
const RSA_CIPHERTEXT_BYTES = new Set([256, 384, 512]);
const VERSION_PATTERN = /^[0-9A-Za-z]{1,64}$/;

export type TAzureEnvelope = { keyVersion: string; wrapped: Uint8Array };

const malformed = () => new KmsError('kms_unwrap_failed', 'The EDEK is not an Azure Key Vault EDEK of this proxy (malformed envelope).');

export function encodeEnvelope({ keyVersion, wrapped }: TAzureEnvelope): Uint8Array {
  if (!VERSION_PATTERN.test(keyVersion)) throw new KmsError('kms_wrap_failed', 'Azure Key Vault answered with a key version the proxy cannot record.');
  if (!RSA_CIPHERTEXT_BYTES.has(wrapped.length)) throw new KmsError('kms_wrap_failed', 'Azure Key Vault answered with a wrapped key of an unexpected length.');
  const version = Buffer.from(keyVersion, 'ascii');
  return Buffer.concat([Buffer.from([FORMAT, version.length]), version, wrapped]);
}

export function decodeEnvelope(bytes: Uint8Array): TAzureEnvelope {
  if (bytes.length < 3 || bytes[0] !== FORMAT) throw malformed();
  const length = bytes[1] ?? 0;
  const keyVersion = Buffer.from(bytes.subarray(2, 2 + length)).toString('ascii');
  const wrapped = bytes.subarray(2 + length);
  if (!VERSION_PATTERN.test(keyVersion) || keyVersion.length !== length || !RSA_CIPHERTEXT_BYTES.has(wrapped.length)) throw malformed();
  return { keyVersion, wrapped: Uint8Array.from(wrapped) };
}

/** Largest RSA-OAEP-256 plaintext of the smallest key Key Vault offers (RSA 2048): 256 − 2·32 − 2. */
const RSA_2048_OAEP_256_MAX_BYTES = 190;

function bindingDigest(binding: TKmsBinding, failed: 'kms_wrap_failed' | 'kms_unwrap_failed'): Buffer {
  const hash = createHash('sha256');
  if (!hasContext(binding)) return hash.update('cmk-tsp azure tenant\0').update(binding.tenantId, 'utf8').digest();
  return hash.update('cmk-tsp azure binding\0').update(bindingJson(binding, failed), 'utf8').digest();
}

/** What Key Vault wraps: the key followed by the binding's digest. */
export function bindKey(key: Uint8Array, binding: TKmsBinding): Uint8Array {
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES || key.length + DIGEST_BYTES > RSA_2048_OAEP_256_MAX_BYTES) {
    throw new KmsError('kms_wrap_failed', `The key to wrap must be ${MIN_KEY_BYTES}–${MAX_KEY_BYTES} bytes.`);
  }
  return Buffer.concat([key, bindingDigest(binding, 'kms_wrap_failed')]);
}

/** The key from what Key Vault unwrapped, if it was bound to this binding. */
export function openKeyBinding(plaintext: Uint8Array, binding: TKmsBinding): Uint8Array {
  const keyBytes = plaintext.length - DIGEST_BYTES;
  if (keyBytes < MIN_KEY_BYTES || keyBytes > MAX_KEY_BYTES) throw new KmsError('kms_unwrap_failed', 'Azure Key Vault unwrapped something that is not a key of this proxy.');
  const digest = plaintext.subarray(keyBytes);
  if (!timingSafeEqual(digest, bindingDigest(binding, 'kms_unwrap_failed'))) {
    throw new KmsError('kms_unwrap_failed', hasContext(binding) ? 'The EDEK was not wrapped for this tenant and context.' : 'The EDEK was not wrapped for this tenant.');
  }
  return Uint8Array.from(plaintext.subarray(0, keyBytes));
}
