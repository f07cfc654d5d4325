// The Azure Key Vault EDEK layout and the tenant binding inside it. Key Vault's
// RSA-OAEP-256 wrap has no additional authenticated data and answers with the
// wrapped bytes only, so the driver itself must (1) remember which key version
// wrapped a DEK, since a rotated key's newer version cannot unwrap it, and
// (2) bind the tenant id some other way.
//
// Binding: the wrapped plaintext is DEK (32 bytes) ‖ SHA-256("cmk-tsp azure tenant\0" ‖ tenantId)
// (32 bytes), 64 bytes in all, which RSA-OAEP-256 fits for every RSA key size
// Key Vault offers (2048: up to 190 bytes). The tenant digest is inside the
// RSA ciphertext, so it cannot be edited without the vault's private key; a
// tenant id written beside the ciphertext in the envelope could be. Unwrap
// refuses a plaintext whose digest is not the requesting tenant's: an EDEK
// replayed under another tenant (even one on the same key) is refused.
//
// Envelope (the bytes wrap returns and unwrap takes):
//   byte 0        format, 0x01
//   byte 1        n, the length of the key version (32 today; 1–64 accepted)
//   bytes 2…n+1   the key version, ASCII [0-9A-Za-z]
//   the rest      the RSA-OAEP-256 ciphertext (256, 384 or 512 bytes: RSA 2048/3072/4096)
import { createHash, timingSafeEqual } from 'node:crypto';

import { KmsError } from './types';

const FORMAT = 0x01;
const DEK_BYTES = 32;
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

function tenantDigest(tenantId: string): Buffer {
  return createHash('sha256').update('cmk-tsp azure tenant\0').update(tenantId, 'utf8').digest();
}

/** What Key Vault wraps: the DEK followed by the tenant's digest. */
export function bindTenant(dek: Uint8Array, tenantId: string): Uint8Array {
  if (dek.length !== DEK_BYTES) throw new KmsError('kms_wrap_failed', `The data key must be ${DEK_BYTES} bytes.`);
  return Buffer.concat([dek, tenantDigest(tenantId)]);
}

/** The DEK from what Key Vault unwrapped, if it was bound to this tenant. */
export function openTenantBinding(plaintext: Uint8Array, tenantId: string): Uint8Array {
  if (plaintext.length !== DEK_BYTES + DIGEST_BYTES) throw new KmsError('kms_unwrap_failed', 'Azure Key Vault unwrapped something that is not a data key of this proxy.');
  const digest = plaintext.subarray(DEK_BYTES);
  if (!timingSafeEqual(digest, tenantDigest(tenantId))) {
    throw new KmsError('kms_unwrap_failed', 'The EDEK was not wrapped for this tenant.');
  }
  return Uint8Array.from(plaintext.subarray(0, DEK_BYTES));
}
