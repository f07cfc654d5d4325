// The Google Cloud KMS driver: wraps and unwraps DEKs with the documented REST
// API (v1 projects.locations.keyRings.cryptoKeys.encrypt and .decrypt: POST
// {endpoint}/v1/{cryptoKeyName}:encrypt|:decrypt, bytes as base64), binding
// each ciphertext to the tenant (and the binding's context pairs, if any)
// through the additional authenticated data, with CRC32C integrity checks both ways as Google recommends. Signs in with
// the configuration's service-account key (google-cloud-kms-token.ts). One
// keep-alive agent, one token cache and one concurrency limit per driver;
// every call has a deadline and bounded retries with full jitter on
// throttling and transient failures only; every failure leaves as a KmsError.

import { googleTokenUriProblem, type TGoogleCloudKmsSettings, ZGoogleCloudKmsSettings } from '@/lib/schemas/providers/google-cloud-kms';

import { bindingJson } from './binding';
import { DEFAULT_TIMEOUT_MS, withDeadline } from './deadline';
import { crc32cField } from './google-cloud-kms-crc32c';
import { GoogleAnswerError, isRetryable, mapGoogleError } from './google-cloud-kms-errors';
import { createGoogleHttp } from './google-cloud-kms-http';
import { createConcurrencyLimit, fullJitterMs, sleepUnlessAborted } from './concurrency-limit';
import { createTokenSource } from './google-cloud-kms-token';
import { defineKmsDriver, KmsError, type TKmsBinding, type TKmsDriver, type TKmsDriverOptions, type TKmsErrorCode } from './types';

const LABEL = 'Google Cloud KMS';
/** Three attempts: enough to ride out a brief quota burst or a dropped keep-alive socket within the deadline. */
const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 1000;
const DEFAULT_MAX_CONCURRENCY = 16;

type TOperation = 'encrypt' | 'decrypt';
type TJson = Record<string, unknown>;

/** An answer whose checksum or key did not match what was sent: Google advises a limited number of retries. */
class IntegrityError extends Error {}

/**
 * The binding, as additional authenticated data: the UTF-8 JSON
 * {"tenantId":…} for a tenant alone, fixed forever since every EDEK made so
 * far needs the same bytes to open; with context, its pairs follow in
 * canonical order (binding.ts), {"tenantId":…,"secretPath":…,"tenantSecretId":…}.
 * Cloud KMS refuses a decrypt whose AAD differs.
 */
export const bindingAad = (binding: TKmsBinding, failed: TKmsErrorCode): Buffer => Buffer.from(bindingJson(binding, failed), 'utf8');

/** The AAD of a tenant-only binding (the bench calls Cloud KMS with it directly). */
export const tenantAad = (tenantId: string): Buffer => Buffer.from(JSON.stringify({ tenantId }), 'utf8');

/**
 * Whether `versionName` (EncryptResponse.name) is a version of `keyName`.
 * The project is left out of the comparison: a key may be configured by
 * project number and named back by project id, or the other way round.
 */
export function isVersionOf(versionName: unknown, keyName: string): boolean {
  if (typeof versionName !== 'string') return false;
  const [base, version] = versionName.split('/cryptoKeyVersions/');
  const withoutProject = (name: string) => name.replace(/^projects\/[^/]+\//, '');
  return version !== undefined && /^\d+$/.test(version) && base !== undefined && base.startsWith('projects/') && withoutProject(base) === withoutProject(keyName);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

function fromB64(value: unknown): Buffer | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
}

function readJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function httpsUrl(value: string, what: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol === 'https:') return url;
  } catch {
    // fall through
  }
  throw new KmsError('kms_config_invalid', `The ${what} must be an https URL.`);
}

function endpointsOf(settings: TGoogleCloudKmsSettings, options: TKmsDriverOptions): { kms: URL; token: URL } {
  const file = settings.serviceAccountKey;
  const universe = typeof file.universe_domain === 'string' ? file.universe_domain : 'googleapis.com';
  const google = options.google ?? {};
  if (google.tokenUrl === undefined) {
    const problem = googleTokenUriProblem(file.token_uri, universe);
    if (problem) throw new KmsError('kms_config_invalid', problem);
  }
  return {
    kms: httpsUrl(google.endpoint ?? `https://cloudkms.${universe}`, 'Cloud KMS endpoint'),
    token: httpsUrl(google.tokenUrl ?? file.token_uri, 'token URL'),
  };
}



function createGoogleCloudKmsDriver(settings: TGoogleCloudKmsSettings, options: TKmsDriverOptions): TKmsDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoints = endpointsOf(settings, options);
  const maxConcurrency = Math.max(1, options.google?.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY);
  const http = createGoogleHttp({ ...(options.google?.ca ? { ca: options.google.ca } : {}), maxSockets: maxConcurrency });
  const tokens = createTokenSource(settings.serviceAccountKey, endpoints.token, http, timeoutMs);
  // The endpoint is shared by every tenant, so the limit is per configuration: one tenant's slow key or spent quota cannot hold up another's.
  const limit = createConcurrencyLimit(LABEL, maxConcurrency);
  let closed = false;

  async function attempt(operation: TOperation, payload: TJson, signal: AbortSignal): Promise<TJson> {
    const token = await tokens.get();
    const url = new URL(`/v1/${settings.cryptoKeyName}:${operation}`, endpoints.kms);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
    const answer = await http.post(url, headers, JSON.stringify(payload), signal);
    const body = readJson(answer.body);
    if (answer.status === 200 && typeof body === 'object' && body !== null) return body as TJson;
    // A token KMS no longer accepts (revoked, expired early) is dropped, so the retry signs in again.
    if (answer.status === 401) tokens.invalidate(token);
    throw new GoogleAnswerError('kms', answer.status, body);
  }

  async function withRetries(operation: TOperation, payload: TJson, check: (answer: TJson) => Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    let signedInAgain = false;
    for (let tries = 1; ; tries += 1) {
      try {
        return check(await attempt(operation, payload, signal));
      } catch (error) {
        const expiredToken: boolean = error instanceof GoogleAnswerError && error.source === 'kms' && error.status === 401 && !signedInAgain;
        if (tries >= MAX_ATTEMPTS || !(expiredToken || isRetryable(error) || error instanceof IntegrityError)) throw error;
        signedInAgain ||= expiredToken;
        if (!expiredToken) await sleepUnlessAborted(fullJitterMs(tries - 1, BACKOFF_BASE_MS, BACKOFF_CAP_MS), signal);
      }
    }
  }

  async function call(operation: TOperation, binding: TKmsBinding, signal: AbortSignal | undefined, toPayload: (aad: Buffer) => TJson, check: (answer: TJson) => Uint8Array): Promise<Uint8Array> {
    const failed: TKmsErrorCode = operation === 'encrypt' ? 'kms_wrap_failed' : 'kms_unwrap_failed';
    if (closed) throw new KmsError('kms_unreachable', 'The Google Cloud KMS driver is closed.');
    const payload = toPayload(bindingAad(binding, failed));
    try {
      return await withDeadline(LABEL, timeoutMs, signal, (deadline) => limit.run(() => withRetries(operation, payload, check, deadline), deadline));
    } catch (error) {
      if (error instanceof IntegrityError) throw new KmsError(failed, `Google Cloud KMS answered, but ${error.message}.`);
      throw mapGoogleError(error, failed);
    }
  }

  return {
    provider: 'google-cloud-kms',
    async wrap(dek, binding, signal) {
      const payload = (aad: Buffer) => ({ plaintext: b64(dek), additionalAuthenticatedData: b64(aad), plaintextCrc32c: crc32cField(dek), additionalAuthenticatedDataCrc32c: crc32cField(aad) });
      return call('encrypt', binding, signal, payload, (answer) => {
        // Google: check `name` to verify that the intended key was used; a version of it, since we name the key.
        if (!isVersionOf(answer.name, settings.cryptoKeyName)) throw new IntegrityError('with another key than the configured one');
        if (answer.verifiedPlaintextCrc32c !== true || answer.verifiedAdditionalAuthenticatedDataCrc32c !== true) throw new IntegrityError('without verifying the checksums of what it received');
        const ciphertext = fromB64(answer.ciphertext);
        if (!ciphertext?.length || answer.ciphertextCrc32c !== crc32cField(ciphertext)) throw new IntegrityError('the ciphertext does not match its checksum');
        return new Uint8Array(ciphertext);
      });
    },
    async unwrap(encrypted, binding, signal) {
      const payload = (aad: Buffer) => ({
        ciphertext: b64(encrypted),
        additionalAuthenticatedData: b64(aad),
        ciphertextCrc32c: crc32cField(encrypted),
        additionalAuthenticatedDataCrc32c: crc32cField(aad),
      });
      return call('decrypt', binding, signal, payload, (answer) => {
        const plaintext = fromB64(answer.plaintext);
        if (!plaintext?.length || answer.plaintextCrc32c !== crc32cField(plaintext)) throw new IntegrityError('the plaintext does not match its checksum');
        // A plain copy: the DEK leaves the driver as the interface says, not as a view of a pooled Buffer.
        const copy = new Uint8Array(plaintext);
        plaintext.fill(0);
        return copy;
      });
    },
    close() {
      closed = true;
      http.close();
    },
  };
}

export const googleCloudKmsDriver = defineKmsDriver({ provider: 'google-cloud-kms', schema: ZGoogleCloudKmsSettings, create: createGoogleCloudKmsDriver });
