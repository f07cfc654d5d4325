// The Vault double's transit keys (tests, demo and bench only): versioned
// AES-256-GCM keys with Vault's ciphertext layout, "vault:v<N>:" + base64(nonce
// ‖ ciphertext ‖ tag), associated data as the GCM AAD, derived keys from the
// request's context (Vault's NIST SP 800-108 counter-mode KDF with
// HMAC-SHA256), min_decryption_version, and Vault's error texts for what the
// transit backend refuses (builtin/logical/transit/path_encrypt.go, path_decrypt.go,
// sdk/helper/keysutil/policy.go).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export type TDoubleTransitKey = {
  name: string;
  namespace: string;
  mount: string;
  /** versions[0] is v1. */
  versions: Buffer[];
  derived: boolean;
  minDecryptionVersion: number;
  /** Policy denies every token this key's encrypt and decrypt paths. */
  denied: boolean;
};

export type TTransitAnswer = { status: number; body: Record<string, unknown> };

const fail = (status: number, message: string): TTransitAnswer => ({ status, body: { errors: [message] } });

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const decode = (value: unknown): Buffer | undefined => (typeof value === 'string' && B64.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : undefined);

export function newTransitKey(opts: { name: string; namespace?: string; mount?: string; derived?: boolean }): TDoubleTransitKey {
  return { name: opts.name, namespace: opts.namespace ?? '', mount: opts.mount ?? 'transit', versions: [randomBytes(32)], derived: opts.derived ?? false, minDecryptionVersion: 1, denied: false };
}

/** Vault's kdf.CounterMode(HMACSHA256PRF, 256, key, context, 256): one block, HMAC(key, be32(1) ‖ context ‖ be32(256)). */
function deriveKey(key: Buffer, context: Buffer): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(1);
  const bits = Buffer.alloc(4);
  bits.writeUInt32BE(256);
  return createHmac('sha256', key).update(Buffer.concat([counter, context, bits])).digest();
}

function keyFor(key: TDoubleTransitKey, version: number, contextB64: unknown): Buffer | TTransitAnswer {
  const raw = key.versions[version - 1];
  if (!raw) return fail(400, 'invalid key version');
  if (!key.derived) return raw;
  const context = decode(contextB64);
  if (!context?.length) {
    return fail(400, "missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key");
  }
  return deriveKey(raw, context);
}

/** `ignoreAssociatedData`: behave as Vault before 1.13, which does not know the parameter. */
export function transitEncrypt(key: TDoubleTransitKey, body: Record<string, unknown>, ignoreAssociatedData: boolean): TTransitAnswer {
  const plaintext = decode(body.plaintext);
  if (plaintext === undefined) return fail(400, 'illegal base64 data at input byte 0');
  const aad = ignoreAssociatedData ? undefined : decode(body.associated_data ?? '');
  if (aad === undefined && !ignoreAssociatedData) return fail(400, 'illegal base64 data at input byte 0');
  const version = key.versions.length;
  const material = keyFor(key, version, body.context);
  if (!Buffer.isBuffer(material)) return material;
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, nonce);
  if (aad?.length) cipher.setAAD(aad);
  const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const warnings = ignoreAssociatedData && body.associated_data !== undefined ? ['Endpoint ignored these unrecognized parameters: [associated_data]'] : null;
  return { status: 200, body: { data: { ciphertext: `vault:v${version}:${sealed.toString('base64')}`, key_version: version }, warnings } };
}

export function transitDecrypt(key: TDoubleTransitKey, body: Record<string, unknown>, ignoreAssociatedData: boolean): TTransitAnswer {
  const text = typeof body.ciphertext === 'string' ? body.ciphertext : '';
  if (!text.startsWith('vault:')) return fail(400, 'invalid ciphertext: no prefix');
  const match = /^vault:v(\d+):(.*)$/.exec(text);
  if (!match) return fail(400, 'invalid ciphertext: wrong number of fields');
  const version = Number(match[1]);
  if (version < key.minDecryptionVersion) return fail(400, 'ciphertext or signature version is disallowed by policy (too old)');
  const sealed = decode(match[2]);
  if (!sealed || sealed.length < 12 + 16) return fail(400, 'invalid ciphertext: could not decode');
  const material = keyFor(key, version, body.context);
  if (!Buffer.isBuffer(material)) return material;
  const aad = ignoreAssociatedData ? undefined : decode(body.associated_data ?? '');
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, sealed.subarray(0, 12));
    if (aad?.length) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    return { status: 200, body: { data: { plaintext: plaintext.toString('base64') } } };
  } catch {
    return fail(400, 'cipher: message authentication failed');
  }
}
