// The KMS half of the AWS double: TrentService.Encrypt and Decrypt over the
// JSON 1.1 protocol, with real AES-256-GCM under a per-key random 256-bit key.
// A CiphertextBlob is self-describing (version ‖ key id ‖ IV ‖ ciphertext ‖
// tag) and its AAD is the blob header plus the canonical (sorted) encryption
// context, so a changed context, key id or byte is refused as AWS refuses it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { TSigV4Failure } from './aws-double-sigv4';
import { resolveKey, type TCaller, type TDoubleKey, type TDoubleState } from './aws-double-state';

export type TKmsAnswer = { status: number; body: Record<string, unknown>; keyId?: string };

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_PLAINTEXT = 4096;
const MAX_CIPHERTEXT = 6144;

/** How KMS answers a request whose signature did not check out (JSON protocol: all 400). */
export const KMS_AUTH_ERRORS: Record<TSigV4Failure, [number, string]> = {
  missing: [400, 'MissingAuthenticationTokenException'],
  incomplete: [400, 'IncompleteSignatureException'],
  'unknown-key': [400, 'UnrecognizedClientException'],
  'bad-token': [400, 'UnrecognizedClientException'],
  'bad-scope': [400, 'InvalidSignatureException'],
  stale: [400, 'InvalidSignatureException'],
  'bad-signature': [400, 'InvalidSignatureException'],
};

export const kmsError = (status: number, type: string, message: string, keyId?: string): TKmsAnswer => ({
  status,
  body: { __type: type, message },
  ...(keyId === undefined ? {} : { keyId }),
});

const validation = (message: string) => kmsError(400, 'ValidationException', `1 validation error detected: ${message}`);

function readContext(value: unknown): Record<string, string> | TKmsAnswer {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    return kmsError(400, 'SerializationException', 'EncryptionContext must be a map of strings to strings.');
  }
  return value as Record<string, string>;
}

function readBlob(value: unknown, field: string, max: number): Buffer | TKmsAnswer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return kmsError(400, 'SerializationException', `${field} must be base64.`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 1 || bytes.length > max) {
    return validation(`Value at '${field[0]?.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must have length between 1 and ${max}`);
  }
  return bytes;
}

function aad(header: Buffer, context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((name) => [name, context[name]]);
  return Buffer.concat([header, Buffer.from(JSON.stringify(sorted), 'utf8')]);
}

function blobHeader(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.from([VERSION, id.length]), id]);
}

function notAuthorized(caller: TCaller, action: string, key: TDoubleKey): TKmsAnswer {
  return kmsError(
    400,
    'AccessDeniedException',
    `User: ${caller.arn} is not authorized to perform: kms:${action} on resource: ${key.keyArn} because no resource-based policy allows the kms:${action} action`,
    key.keyArn,
  );
}

/** Key policy, then key state, in the order KMS reports them. */
function checkKeyUse(state: TDoubleState, caller: TCaller, action: string, key: TDoubleKey): TKmsAnswer | undefined {
  if (state.denied.has(caller.principal) || (key.allow !== undefined && !key.allow.includes(caller.principal))) return notAuthorized(caller, action, key);
  if (key.state === 'Disabled') return kmsError(400, 'DisabledException', `${key.keyArn} is disabled.`, key.keyArn);
  if (key.state === 'PendingDeletion') return kmsError(400, 'KMSInvalidStateException', `${key.keyArn} is pending deletion.`, key.keyArn);
  if (key.usage !== 'ENCRYPT_DECRYPT') {
    return kmsError(400, 'InvalidKeyUsageException', `${key.keyArn} key usage is ${key.usage} which is not valid for ${action}.`, key.keyArn);
  }
  return undefined;
}

function lookUp(state: TDoubleState, keyRef: unknown): TDoubleKey | TKmsAnswer {
  if (typeof keyRef !== 'string' || keyRef.length < 1 || keyRef.length > 2048) {
    return validation("Value at 'keyId' failed to satisfy constraint: Member must have length between 1 and 2048");
  }
  const key = resolveKey(state, keyRef);
  if (key) return key;
  const what = keyRef.includes('alias/') ? `Alias ${keyRef} is not found.` : `Key '${keyRef}' does not exist`;
  return kmsError(400, 'NotFoundException', what);
}

const isAnswer = (value: unknown): value is TKmsAnswer => typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

function encrypt(state: TDoubleState, caller: TCaller, input: Record<string, unknown>): TKmsAnswer {
  const key = lookUp(state, input.KeyId);
  if (isAnswer(key)) return key;
  const plaintext = readBlob(input.Plaintext, 'Plaintext', MAX_PLAINTEXT);
  if (isAnswer(plaintext)) return plaintext;
  const context = readContext(input.EncryptionContext);
  if (isAnswer(context)) return context;
  const refused = checkKeyUse(state, caller, 'Encrypt', key);
  if (refused) return refused;

  const header = blobHeader(key.keyId);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.material, iv).setAAD(aad(header, context));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const blob = Buffer.concat([header, iv, sealed, cipher.getAuthTag()]);
  return { status: 200, keyId: key.keyArn, body: { CiphertextBlob: blob.toString('base64'), KeyId: key.keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
}

function decrypt(state: TDoubleState, caller: TCaller, input: Record<string, unknown>): TKmsAnswer {
  const blob = readBlob(input.CiphertextBlob, 'CiphertextBlob', MAX_CIPHERTEXT);
  if (isAnswer(blob)) return blob;
  const context = readContext(input.EncryptionContext);
  if (isAnswer(context)) return context;
  const requested = input.KeyId === undefined ? undefined : lookUp(state, input.KeyId);
  if (isAnswer(requested)) return requested;

  const invalid = kmsError(400, 'InvalidCiphertextException', '', requested?.keyArn);
  const idLength = blob[1] ?? 0;
  if (blob[0] !== VERSION || blob.length < 2 + idLength + IV_BYTES + TAG_BYTES) return invalid;
  const owner = state.keys.get(blob.subarray(2, 2 + idLength).toString('ascii'));
  if (!owner) return invalid;
  const key = requested ?? owner;
  const refused = checkKeyUse(state, caller, 'Decrypt', key);
  if (refused) return refused;
  if (key !== owner) {
    return kmsError(400, 'IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.', key.keyArn);
  }

  const header = blob.subarray(0, 2 + idLength);
  const iv = blob.subarray(header.length, header.length + IV_BYTES);
  const sealed = blob.subarray(header.length + IV_BYTES, blob.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.material, iv).setAAD(aad(header, context));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(sealed), decipher.final()]);
    return { status: 200, keyId: key.keyArn, body: { KeyId: key.keyArn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' } };
  } catch {
    return invalid;
  }
}

const OPERATIONS: Record<string, (state: TDoubleState, caller: TCaller, input: Record<string, unknown>) => TKmsAnswer> = { Encrypt: encrypt, Decrypt: decrypt };

export function handleKms(state: TDoubleState, caller: TCaller, operation: string, body: Buffer): TKmsAnswer {
  const run = OPERATIONS[operation];
  if (!run) return kmsError(400, 'UnknownOperationException', '');
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return kmsError(400, 'SerializationException', 'Start of structure or map found where not expected.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return kmsError(400, 'SerializationException', 'The request must be a JSON object.');
  return run(state, caller, input as Record<string, unknown>);
}
