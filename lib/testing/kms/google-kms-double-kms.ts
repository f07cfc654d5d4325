// The Cloud KMS half of the Google double: cryptoKeys.encrypt and .decrypt as
// the v1 REST API has them (JSON, bytes as base64, CRC32C integrity fields,
// google.rpc.Status errors), with real AES-256-GCM under each key version's
// own 256-bit key. A ciphertext is 0x01 ‖ key tag (8) ‖ version (u32) ‖ IV ‖
// ciphertext ‖ tag; the GCM AAD is that header plus the request's AAD, so a
// changed tenant, key or byte is refused as Cloud KMS refuses it. Checks run
// in Google's order: bearer token, project, quota, IAM, key, version state.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { crc32cField } from '@/lib/kms/google-cloud-kms-crc32c';

import { keyTag, rpcError, takeFault, type TDoubleCryptoKey, type TGoogleAnswer, type TGoogleDoubleState } from './google-kms-double-state';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 8 + 4;
const MAX_DATA = 64 * 1024;

export type TKmsOutcome = TGoogleAnswer & { principal?: string; key?: string; version?: number };

const invalid = (message: string) => rpcError('INVALID_ARGUMENT', message);

function readBytes(input: Record<string, unknown>, field: string, required: boolean): Buffer | TGoogleAnswer {
  const value = input[field];
  if (value === undefined && !required) return Buffer.alloc(0);
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return invalid(`Invalid value at '${field}' (TYPE_BYTES), Base64 decoding failed`);
  const bytes = Buffer.from(value, 'base64');
  if (required && bytes.length === 0) return invalid(`${field} is required.`);
  if (bytes.length > MAX_DATA) return invalid(`The ${field} must be no larger than 64KiB.`);
  // An int64 in proto3 JSON is a decimal string; when present it must match the received bytes.
  const crc = input[`${field}Crc32c`];
  if (crc !== undefined && crc !== crc32cField(bytes)) return invalid(`The checksum in field ${field}_crc32c did not match the data in field ${field}.`);
  return bytes;
}

const isAnswer = (value: unknown): value is TGoogleAnswer => typeof value === 'object' && value !== null && 'httpStatus' in value;

function permissionDenied(permission: string, name: string): TGoogleAnswer {
  return rpcError('PERMISSION_DENIED', `Permission '${permission}' denied on resource '${name}' (or it may not exist).`, {
    reason: 'IAM_PERMISSION_DENIED',
    domain: 'iam.googleapis.com',
    metadata: { permission },
  });
}

function notEnabled(key: TDoubleCryptoKey, id: number, state: string): TGoogleAnswer {
  return rpcError('FAILED_PRECONDITION', `${key.name}/cryptoKeyVersions/${id} is not enabled, current state is: ${state}.`);
}

function gcm(material: Buffer, header: Buffer, aad: Buffer, iv: Buffer) {
  return createCipheriv('aes-256-gcm', material, iv).setAAD(Buffer.concat([header, aad]));
}

function encrypt(key: TDoubleCryptoKey, input: Record<string, unknown>): TGoogleAnswer {
  const plaintext = readBytes(input, 'plaintext', true);
  if (isAnswer(plaintext)) return plaintext;
  const aad = readBytes(input, 'additionalAuthenticatedData', false);
  if (isAnswer(aad)) return aad;
  const version = key.versions.find((v) => v.id === key.primary);
  if (!version || version.state !== 'ENABLED') return notEnabled(key, key.primary, version?.state ?? 'DESTROYED');
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = 0x01;
  keyTag(key.name).copy(header, 1);
  header.writeUInt32BE(version.id, 9);
  const iv = randomBytes(IV_BYTES);
  const cipher = gcm(version.material, header, aad, iv);
  const ciphertext = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const body = {
    name: `${key.name}/cryptoKeyVersions/${version.id}`,
    ciphertext: ciphertext.toString('base64'),
    ciphertextCrc32c: crc32cField(ciphertext),
    verifiedPlaintextCrc32c: input.plaintextCrc32c !== undefined,
    verifiedAdditionalAuthenticatedDataCrc32c: input.additionalAuthenticatedDataCrc32c !== undefined,
    protectionLevel: 'SOFTWARE',
  };
  return { httpStatus: 200, body };
}

function decrypt(key: TDoubleCryptoKey, input: Record<string, unknown>): TGoogleAnswer & { version?: number } {
  const ciphertext = readBytes(input, 'ciphertext', true);
  if (isAnswer(ciphertext)) return ciphertext;
  const aad = readBytes(input, 'additionalAuthenticatedData', false);
  if (isAnswer(aad)) return aad;
  if (ciphertext.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || ciphertext[0] !== 0x01) return invalid('Decryption failed: the ciphertext is invalid.');
  if (!ciphertext.subarray(1, 9).equals(keyTag(key.name))) return invalid("Decryption failed: verify that 'name' refers to the correct CryptoKey.");
  const id = ciphertext.readUInt32BE(9);
  const version = key.versions.find((v) => v.id === id);
  if (!version) return invalid('Decryption failed: the ciphertext is invalid.');
  if (version.state !== 'ENABLED') return notEnabled(key, id, version.state);
  const header = ciphertext.subarray(0, HEADER_BYTES);
  const iv = ciphertext.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', version.material, iv).setAAD(Buffer.concat([header, aad]));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(ciphertext.subarray(HEADER_BYTES + IV_BYTES, ciphertext.length - TAG_BYTES)), decipher.final()]);
    const body = { plaintext: plaintext.toString('base64'), plaintextCrc32c: crc32cField(plaintext), usedPrimary: id === key.primary, protectionLevel: 'SOFTWARE' };
    return { httpStatus: 200, body, version: id };
  } catch {
    return invalid('Decryption failed: the ciphertext is invalid.');
  }
}

function bearer(state: TGoogleDoubleState, authorization: string | undefined): { email: string } | TGoogleAnswer {
  const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
  const issued = token === undefined ? undefined : state.tokens.get(token);
  const unauthenticated = (reason: string) =>
    rpcError(
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      { reason },
    );
  if (!issued) return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED');
  if (issued.expiresAt <= Date.now()) return unauthenticated('ACCESS_TOKEN_EXPIRED');
  return { email: issued.email };
}

export function handleKms(state: TGoogleDoubleState, name: string, operation: string, authorization: string | undefined, body: Buffer): TKmsOutcome {
  const caller = bearer(state, authorization);
  if (isAnswer(caller)) return caller;
  const principal = caller.email;
  const service = { service: 'cloudkms.googleapis.com', consumer: `projects/${state.projectNumber}` };
  if (state.accountIssue === 'SERVICE_DISABLED') {
    const message = `Cloud Key Management Service (KMS) API has not been used in project ${state.projectNumber} before or it is disabled.`;
    return { ...rpcError('PERMISSION_DENIED', message, { reason: 'SERVICE_DISABLED', metadata: service }), principal };
  }
  if (state.accountIssue === 'BILLING_DISABLED') {
    const message = `This API method requires billing to be enabled. Please enable billing on project #${state.projectNumber} by visiting the console, then retry.`;
    return { ...rpcError('PERMISSION_DENIED', message, { reason: 'BILLING_DISABLED', metadata: service }), principal };
  }
  const fault = takeFault(state, 'kms');
  if (fault) {
    const info = fault.reason ? { reason: fault.reason, metadata: service } : undefined;
    return { ...rpcError(fault.status ?? 'INTERNAL', fault.message ?? 'Injected by the test.', info, fault.httpStatus), principal, key: name };
  }
  if (state.throttle > 0) {
    state.throttle -= 1;
    const message = "Quota exceeded for quota metric 'Cryptographic requests' and limit 'Cryptographic requests per minute' of service 'cloudkms.googleapis.com'.";
    return { ...rpcError('RESOURCE_EXHAUSTED', message, { reason: 'RATE_LIMIT_EXCEEDED', metadata: { ...service, quota_metric: 'cloudkms.googleapis.com/crypto_requests' } }), principal, key: name };
  }
  if (operation !== 'encrypt' && operation !== 'decrypt') return { ...rpcError('UNIMPLEMENTED', `Method ${operation} is not implemented by this double.`), principal };
  const permission = operation === 'encrypt' ? 'cloudkms.cryptoKeyVersions.useToEncrypt' : 'cloudkms.cryptoKeyVersions.useToDecrypt';
  const key = state.keys.get(name);
  if (!key) {
    // Google answers NOT_FOUND only to callers who may see the key ring; this double treats every known ring as visible.
    const ring = name.replace(/\/cryptoKeys\/[^/]*$/, '');
    return { ...(state.rings.has(ring) ? rpcError('NOT_FOUND', `CryptoKey ${name} not found.`) : permissionDenied(permission, name)), principal, key: name };
  }
  if (state.denied.has(principal) || !key.members.has(principal)) return { ...permissionDenied(permission, name), principal, key: name };
  if (key.purpose !== 'ENCRYPT_DECRYPT') return { ...rpcError('FAILED_PRECONDITION', `${name} has purpose ${key.purpose}, not ENCRYPT_DECRYPT.`), principal, key: name };
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return { ...invalid('Invalid JSON payload received.'), principal, key: name };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ...invalid('Invalid JSON payload received.'), principal, key: name };
  const answer = operation === 'encrypt' ? encrypt(key, input as Record<string, unknown>) : decrypt(key, input as Record<string, unknown>);
  if (answer.httpStatus === 200 && state.tamper > 0) {
    state.tamper -= 1;
    const body = answer.body as Record<string, string>;
    const field = operation === 'encrypt' ? 'ciphertext' : 'plaintext';
    const bytes = Buffer.from(body[field] ?? '', 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    body[field] = bytes.toString('base64');
  }
  const version = operation === 'encrypt' ? key.primary : (answer as { version?: number }).version;
  return { httpStatus: answer.httpStatus, body: answer.body, principal, key: name, ...(version === undefined ? {} : { version }) };
}
