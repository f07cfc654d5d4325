// The Thales CipherTrust Manager driver: wraps and unwraps DEKs with
// CipherTrust's crypto API on the tenant's AES key, in GCM mode with the
// tenant id as additional authenticated data, so a ciphertext opens for its
// own tenant only; with a binding's context, the AAD is the canonical JSON of
// the tenant and the context's pairs instead (binding.ts, bindingText), so a
// tenant secret opens for its own secretPath and tenantSecretId only. CipherTrust has no Node SDK; the requests are the ones its
// public clients send: POST /api/v1/crypto/encrypt { id, plaintext, mode:
// "gcm", aad } → { ciphertext, tag, iv, version }, and POST
// /api/v1/crypto/decrypt { id, ciphertext, tag, iv, mode, aad, version } →
// { plaintext }, all base64 (Abraxas' Voting.Lib KmsCryptoProvider; `version`
// and `aad` as ksctl's crypto encrypt/decrypt take them). CipherTrust picks
// the IV. The key version that encrypted travels in the EDEK and goes back on
// decrypt, so EDEKs made before a rotation keep opening. Signs in through the
// token endpoint (thales-ciphertrust-auth.ts); every failure leaves as a KmsError.
import { type TThalesCipherTrustSettings, ZThalesCipherTrustSettings } from '@/lib/schemas/providers/thales-ciphertrust';

import { bindingText } from './binding';
import { DEFAULT_TIMEOUT_MS, withDeadline } from './deadline';
import { createCtmSession } from './thales-ciphertrust-auth';
import { mapCtmAnswer, mapCtmError } from './thales-ciphertrust-errors';
import { createCtmHttp, limiterFor, postWithRetries, type TCtmHttpAnswer } from './thales-ciphertrust-http';
import { defineKmsDriver, KmsError, type TKmsBinding, type TKmsDriver, type TKmsDriverOptions } from './types';

export const ENCRYPT_PATH = '/api/v1/crypto/encrypt';
export const DECRYPT_PATH = '/api/v1/crypto/decrypt';

/** First byte of the driver's ciphertext layout; another layout gets another number. */
const FORMAT = 0x01;
/** In the version slot: CipherTrust named no version, so none is sent back (the key's current one is used). */
const NO_VERSION = 0xffffffff;

type TSealed = { version: number | undefined; iv: Buffer; tag: Buffer; ciphertext: Buffer };

/** FORMAT ‖ version (u32 BE) ‖ ivLength (u8) ‖ iv ‖ tagLength (u8) ‖ tag ‖ ciphertext. */
export function encodeSealed({ version, iv, tag, ciphertext }: TSealed): Uint8Array {
  const head = Buffer.alloc(5);
  head[0] = FORMAT;
  head.writeUInt32BE(version ?? NO_VERSION, 1);
  return Buffer.concat([head, Buffer.from([iv.length]), iv, Buffer.from([tag.length]), tag, ciphertext]);
}

export function decodeSealed(bytes: Uint8Array): TSealed | undefined {
  const buffer = Buffer.from(bytes);
  if (buffer.length < 7 || buffer[0] !== FORMAT) return undefined;
  const version = buffer.readUInt32BE(1);
  const ivLength = buffer[5] as number;
  const tagAt = 6 + ivLength;
  const tagLength = buffer[tagAt];
  if (ivLength < 8 || tagLength === undefined || tagLength < 12 || tagLength > 16) return undefined;
  const ciphertextAt = tagAt + 1 + tagLength;
  if (buffer.length <= ciphertextAt) return undefined;
  return {
    version: version === NO_VERSION ? undefined : version,
    iv: buffer.subarray(6, tagAt),
    tag: buffer.subarray(tagAt + 1, ciphertextAt),
    ciphertext: buffer.subarray(ciphertextAt),
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const fromB64 = (value: unknown) => (typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined);

function createCipherTrustDriver(settings: TThalesCipherTrustSettings, options: TKmsDriverOptions): TKmsDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const http = createCtmHttp(settings.url, settings.caCertificate);
  const limiter = limiterFor(options, new URL(settings.url).origin);
  const session = createCtmSession(settings, http, limiter, timeoutMs);
  let closed = false;

  /** A crypto call with the cached token; one sign-in again if CipherTrust no longer accepts it. */
  async function crypto(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<TCtmHttpAnswer> {
    const jwt = await session.token();
    const answer = await postWithRetries(http, limiter, { path, body, bearer: jwt }, signal);
    if (answer.status !== 401) return answer;
    session.invalidate(jwt);
    return postWithRetries(http, limiter, { path, body, bearer: await session.token() }, signal);
  }

  async function call<T>(operation: 'wrap' | 'unwrap', binding: TKmsBinding, signal: AbortSignal | undefined, run: (signal: AbortSignal, aad: string) => Promise<T>): Promise<T> {
    const failed = operation === 'wrap' ? 'kms_wrap_failed' : 'kms_unwrap_failed';
    if (closed) throw new KmsError('kms_unreachable', 'The CipherTrust Manager driver is closed.');
    const aad = b64(Buffer.from(bindingText(binding, failed), 'utf8'));
    try {
      return await withDeadline('CipherTrust Manager', timeoutMs, signal, (abort) => run(abort, aad));
    } catch (error) {
      throw mapCtmError(error, failed);
    }
  }

  return {
    provider: 'thales-ciphertrust',
    wrap(dek, binding, signal) {
      return call('wrap', binding, signal, async (abort, aad) => {
        const answer = await crypto(ENCRYPT_PATH, { id: settings.keyId, plaintext: b64(dek), mode: 'gcm', aad }, abort);
        if (answer.status !== 200) throw mapCtmAnswer(answer, 'crypto', 'kms_wrap_failed');
        const reply = (answer.body ?? {}) as { ciphertext?: unknown; tag?: unknown; iv?: unknown; version?: unknown };
        const [ciphertext, tag, iv] = [fromB64(reply.ciphertext), fromB64(reply.tag), fromB64(reply.iv)];
        const version = typeof reply.version === 'number' && Number.isInteger(reply.version) && reply.version >= 0 && reply.version < NO_VERSION ? reply.version : undefined;
        if (!ciphertext?.length || !tag || !iv) throw new KmsError('kms_wrap_failed', 'CipherTrust Manager answered encrypt without a ciphertext, tag and IV.');
        const sealed = encodeSealed({ version, iv, tag, ciphertext });
        if (!decodeSealed(sealed)) throw new KmsError('kms_wrap_failed', 'CipherTrust Manager answered encrypt with a tag or IV this driver cannot keep.');
        return sealed;
      });
    },
    unwrap(encrypted, binding, signal) {
      return call('unwrap', binding, signal, async (abort, aad) => {
        const sealed = decodeSealed(encrypted);
        if (!sealed) throw new KmsError('kms_unwrap_failed', 'The ciphertext is not one this CipherTrust Manager driver made.');
        const body = {
          id: settings.keyId,
          ciphertext: b64(sealed.ciphertext),
          tag: b64(sealed.tag),
          iv: b64(sealed.iv),
          mode: 'gcm',
          aad,
          ...(sealed.version === undefined ? {} : { version: sealed.version }),
        };
        const answer = await crypto(DECRYPT_PATH, body, abort);
        if (answer.status !== 200) throw mapCtmAnswer(answer, 'crypto', 'kms_unwrap_failed');
        const plaintext = fromB64((answer.body as { plaintext?: unknown } | undefined)?.plaintext);
        if (!plaintext?.length) throw new KmsError('kms_unwrap_failed', 'CipherTrust Manager answered decrypt without a plaintext.');
        return new Uint8Array(plaintext);
      });
    },
    close() {
      closed = true;
      http.close();
    },
  };
}

export const thalesCipherTrustDriver = defineKmsDriver({ provider: 'thales-ciphertrust', schema: ZThalesCipherTrustSettings, create: createCipherTrustDriver });
