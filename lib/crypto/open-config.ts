// Opening a sealed configuration, in a proxy (with its deployment key) or in
// the tenant admin's browser (with the tenant encryption key), in the order of
// PROTOCOL.md "Proxy API": digest listed in the tenant state → decrypt → inner
// JWS by the tenant signing key → tenantId/configId/version. Provider settings
// are validated afterwards by the provider schema module.
//
// ECDH-ES authenticates nobody: anyone with the recipients' public keys (the
// broker included) can produce a JWE that decrypts. Authenticity comes only
// from the inner signature and the digest in the signed tenant state.
//
// Codes: malformed input 'invalid_input'; another algorithm or an extra
// feature 'unsupported'; not sealed to this kid, or signed by a key other than
// `verifyKey`, 'wrong_key'; everything else (digest, tag, signature, content
// or identity mismatch) 'decrypt_failed', with a precise message.
import { errors, flattenedDecrypt } from 'jose';

import { configDigest } from './config-digest';
import { isConfigId, isPositiveInt, readConfigDocument, type TConfigDocument } from './config-document';
import { CryptoError } from './errors';
import { isThumbprint, resolveVerifyKey, verifyCompactJws, type TResolvedVerifyKey, type TVerifyKey } from './es256-jws';
import {
  CONFIG_CTY,
  CONFIG_ENC,
  CONFIG_KEY_ALG,
  readFlattenedJwe,
  readGeneralJwe,
  type TFlattenedJwe,
  type TGeneralJwe,
  type TSealedCty,
} from './jwe-types';
import { decodeUtf8, isJsonObject } from './json-object';
import { assertP256PrivateKey } from './p256-jwk';

export type TOpenConfigExpected = {
  tenantId: string;
  configId?: string;
  version?: number;
  /** The digest the verified tenant state lists for this version. */
  digest?: string;
};

export type TOpenConfigInput = {
  jwe: TGeneralJwe | TFlattenedJwe;
  decryptionKey: CryptoKey;
  decryptionKid: string;
  /** The tenant signing key; a resolveVerifyKey result skips importing it again. */
  verifyKey: TVerifyKey;
  expected: TOpenConfigExpected;
};

/** Shared with openConfigTest (./open-config-test.ts). */
export function assertDecryptionKey(key: unknown, kid: unknown): void {
  assertP256PrivateKey(key, { algorithm: 'ECDH', usage: 'deriveBits' });
  if (!isThumbprint(kid)) throw new CryptoError('invalid_input', 'The decryption kid must be a key thumbprint.');
}

function assertExpected(expected: unknown): asserts expected is TOpenConfigExpected {
  if (!isJsonObject(expected)) {
    throw new CryptoError('invalid_input', 'Expected the tenant (and config) to check against.');
  }
  const { tenantId, configId, version, digest } = expected;
  const ok =
    typeof tenantId === 'string' &&
    tenantId !== '' &&
    (configId === undefined || isConfigId(configId)) &&
    (version === undefined || isPositiveInt(version)) &&
    (digest === undefined || (typeof digest === 'string' && digest !== ''));
  if (!ok) throw new CryptoError('invalid_input', 'The expected tenantId/configId/version/digest are malformed.');
}

// Picks this key's entry by kid; the other entries are never tried. `cty`: what the JWE must carry.
export function selectRecipient(jwe: unknown, kid: string, cty: TSealedCty = CONFIG_CTY): TFlattenedJwe {
  if (isJsonObject(jwe) && Object.hasOwn(jwe, 'recipients')) {
    const general = readGeneralJwe(jwe, [cty]);
    const recipient = general.recipients.find((r) => r.header.kid === kid);
    if (!recipient) throw new CryptoError('wrong_key', 'The configuration is not sealed to this key.');
    const { protected: p, iv, ciphertext, tag } = general;
    return { protected: p, iv, ciphertext, tag, header: recipient.header, encrypted_key: recipient.encrypted_key };
  }
  const flattened = readFlattenedJwe(jwe, [cty]);
  if (flattened.header.kid !== kid) {
    throw new CryptoError('wrong_key', 'The configuration is sealed to a different key.');
  }
  return flattened;
}

function mismatch(message: string): CryptoError {
  return new CryptoError('decrypt_failed', `The configuration does not match what was expected: ${message}`);
}

/** The step that failed, on every CryptoError openConfig throws after its arguments are checked (CryptoError.check). */
export type TOpenConfigCheck = 'recipient' | 'digest' | 'decrypt' | 'signature' | 'content';

// Labels a failure with its step so a proxy can report which one failed; the code is unchanged.
export async function step<T>(check: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof CryptoError && e.check === undefined) throw new CryptoError(e.code, e.message, { cause: e, check });
    throw e;
  }
}

export async function decryptSelected(selected: TFlattenedJwe, decryptionKey: CryptoKey, cty: TSealedCty = CONFIG_CTY): Promise<string> {
  let result: Awaited<ReturnType<typeof flattenedDecrypt>>;
  try {
    result = await flattenedDecrypt(selected, decryptionKey, {
      keyManagementAlgorithms: [CONFIG_KEY_ALG],
      contentEncryptionAlgorithms: [CONFIG_ENC],
      // Never reached (the header check refuses zip), but no decompression either way.
      maxDecompressedLength: 0,
    });
  } catch (cause) {
    if (cause instanceof errors.JOSEAlgNotAllowed || cause instanceof errors.JOSENotSupported) {
      throw new CryptoError('unsupported', 'The configuration uses an algorithm or feature that is not accepted.', {
        cause,
      });
    }
    // A bad tag, a bad key unwrap, an epk off the curve: all read as "cannot decrypt".
    throw new CryptoError('decrypt_failed', 'The configuration could not be decrypted.', { cause });
  }
  // Authenticated now (the encoded protected header is the GCM AAD); jose parsed the same string
  // readGeneralJwe/readFlattenedJwe checked, so this only guards against the two parsers disagreeing.
  const header = result.protectedHeader;
  if (!header || Object.keys(header).length !== 2 || header.enc !== CONFIG_ENC || header.cty !== cty) {
    throw new CryptoError('unsupported', 'The configuration protected header is not accepted.');
  }
  try {
    return decodeUtf8(result.plaintext, 'decrypt_failed', 'Decrypted configuration');
  } finally {
    result.plaintext.fill(0);
  }
}

function readDocument(payload: Record<string, unknown>, expected: TOpenConfigExpected): TConfigDocument {
  let document: TConfigDocument;
  try {
    document = readConfigDocument(payload);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : 'Malformed configuration document.';
    throw new CryptoError('decrypt_failed', message, { cause });
  }
  if (document.tenantId !== expected.tenantId) throw mismatch('it belongs to another tenant.');
  if (expected.configId !== undefined && document.configId !== expected.configId) {
    throw mismatch('it is another configuration.');
  }
  if (expected.version !== undefined && document.version !== expected.version) {
    throw mismatch('it is another version.');
  }
  return document;
}

/**
 * Decrypts, verifies and checks one configuration version; returns the
 * document (settings not yet validated). Failures carry `check` (TOpenConfigCheck).
 */
export async function openConfig({
  jwe,
  decryptionKey,
  decryptionKid,
  verifyKey,
  expected,
}: TOpenConfigInput): Promise<TConfigDocument> {
  assertDecryptionKey(decryptionKey, decryptionKid);
  assertExpected(expected);
  const signer = await resolveVerifyKey(verifyKey);
  const selected = await step('recipient', () => selectRecipient(jwe, decryptionKid));

  await step('digest', async () => {
    if (expected.digest !== undefined && (await configDigest(selected)) !== expected.digest) {
      throw mismatch('its digest is not the one the tenant state lists.');
    }
  });

  const jws = await step('decrypt', () => decryptSelected(selected, decryptionKey));
  const payload = await step('signature', () => verifySealedJws(jws, signer, CONFIG_CTY, 'Configuration signature'));
  return step('content', () => readDocument(payload, expected));
}

/** The decrypted inner JWS, verified with typ `cty`; a malformed one is damage inside the ciphertext ('decrypt_failed'). */
export async function verifySealedJws(jws: string, signer: TResolvedVerifyKey, cty: TSealedCty, what: string): Promise<Record<string, unknown>> {
  const { payload } = await verifyCompactJws(jws, signer, cty, what).catch((e: unknown) => {
    if (e instanceof CryptoError && e.code === 'invalid_input') {
      throw new CryptoError('decrypt_failed', e.message, { cause: e });
    }
    throw e;
  });
  return payload;
}
