// The Azure error-mapping table, row by row, for the failures the double
// does not produce (ForbiddenByPolicy, firewall, 5xx, the SDK's own key
// checks, Entra throttling) and the retry policy's arithmetic. The double
// covers the rest end to end in azure-key-vault.test.ts.
import { describe, expect, it } from 'vitest';

import { withRetries } from './azure-key-vault-calls';
import { mapAzureError } from './azure-key-vault-errors';
import { KmsError, type TKmsErrorCode } from './types';

const rest = (statusCode: number, code?: string, inner?: string, message = 'Azure text that may name things') => ({
  name: 'RestError',
  statusCode,
  code,
  details: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
});

describe('mapAzureError', () => {
  it.each<[string, unknown, TKmsErrorCode, RegExp]>([
    ['ForbiddenByPolicy', rest(403, 'Forbidden', 'ForbiddenByPolicy'), 'kms_unauthorized', /; add wrapKey and unwrapKey to its access policy \(ForbiddenByPolicy\)\.$/],
    ['ForbiddenByFirewall', rest(403, 'Forbidden', 'ForbiddenByFirewall'), 'kms_unauthorized', /firewall/],
    ['a bare Forbidden', rest(403, 'Forbidden'), 'kms_unauthorized', /not allowed to use the key \(Forbidden\)/],
    ['a disabled key as 400', rest(400, 'BadParameter', undefined, 'Operation unwrapKey is not allowed on a disabled key.'), 'kms_unauthorized', /disabled/],
    ['the innerError spelling', { ...rest(403, 'Forbidden'), details: { error: { code: 'Forbidden', innerError: { code: 'KeyDisabled' } } } }, 'kms_unauthorized', /KeyDisabled/],
    ['a 401 after the challenge', rest(401, 'Unauthorized'), 'kms_unauthorized', /token/],
    ['KeyNotFound', rest(404, 'KeyNotFound'), 'kms_config_invalid', /KeyNotFound/],
    ['Throttled', rest(429, 'Throttled'), 'kms_throttled', /throttling/],
    ['429 without a code', rest(429), 'kms_throttled', /HTTP 429/],
    ['503', rest(503, 'ServiceUnavailable'), 'kms_unreachable', /unavailable/],
    ['500', rest(500, 'InternalServerError'), 'kms_wrap_failed', /internal error/],
    ['400 on wrap', rest(400, 'BadParameter'), 'kms_wrap_failed', /not accepted \(BadParameter\)/],
    ['an expired key (the SDK refuses before calling)', new Error('Key https://v.vault.azure.net/keys/k/1 expired at 2026-01-01T00:00:00.000Z'), 'kms_unauthorized', /expired/],
    ['a key without wrapKey', new Error('Operation wrapKey is not supported on key https://v.vault.azure.net/keys/k/1'), 'kms_config_invalid', /wrapKey/],
    ['an expired client secret', { name: 'AuthenticationRequiredError', message: 'invalid_client: AADSTS7000222: expired' }, 'kms_unauthorized', /expired \(AADSTS7000222\)/],
    ['a disabled app', { name: 'AuthenticationError', statusCode: 400, message: 'AADSTS7000112: disabled' }, 'kms_unauthorized', /disabled/],
    ['Entra throttling', { name: 'AuthenticationRequiredError', message: 'x', cause: { name: 'ServerError', status: 429 } }, 'kms_throttled', /Entra ID is throttling/],
    ['Entra 503', { name: 'AuthenticationError', statusCode: 503, message: 'x' }, 'kms_unreachable', /Entra ID is unavailable/],
    ['an unknown Entra refusal', { name: 'AuthenticationRequiredError', message: 'x', cause: { errorCode: 'invalid_grant' } }, 'kms_unauthorized', /\(invalid_grant\)/],
    ['a DNS failure', { name: 'RestError', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, 'kms_unreachable', /ENOTFOUND/],
    ['an expired server certificate', { name: 'RestError', code: 'CERT_HAS_EXPIRED' }, 'kms_unreachable', /TLS certificate is not trusted; check the CA certificate \(CERT_HAS_EXPIRED\)/],
    ['a host name mismatch, nested', { name: 'RestError', cause: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } }, 'kms_unreachable', /ERR_TLS_CERT_ALTNAME_INVALID/],
    ['something else', 'a string', 'kms_wrap_failed', /could not be made/],
  ])('%s', (_name, error, code, message) => {
    const mapped = mapAzureError(error, 'kms_wrap_failed');
    expect(mapped).toBeInstanceOf(KmsError);
    expect({ code: mapped.code, message: mapped.message }).toEqual({ code, message: expect.stringMatching(message) as string });
    expect(mapped.message).not.toContain('Azure text');
  });

  it("a 400 on unwrap is a ciphertext this key version did not make", () => {
    expect(mapAzureError(rest(400, 'BadParameter'), 'kms_unwrap_failed').message).toMatch(/not wrapped by this key version/);
  });

  it('an endpoints_resolution_error after a failed connection to Entra is unreachable, otherwise a configuration problem', () => {
    const error = { name: 'CredentialUnavailableError', message: 'endpoints_resolution_error: See https://aka.ms/msal.js.errors' };
    expect(mapAzureError(error, 'kms_wrap_failed', 'ECONNREFUSED').code).toBe('kms_unreachable');
    expect(mapAzureError(error, 'kms_wrap_failed').code).toBe('kms_config_invalid');
  });
});

describe('withRetries', () => {
  const throttled = (retryAfter?: string) => Object.assign(new Error('x'), { name: 'RestError', statusCode: 429, code: 'Throttled', response: { headers: { get: (h: string) => (h === 'retry-after' ? retryAfter : undefined) } } });
  const map = (error: unknown) => mapAzureError(error, 'kms_unwrap_failed');

  it('retries throttling with full jitter, bounded in attempts', async () => {
    let calls = 0;
    const started = Date.now();
    const error = await withRetries({ attempts: 3, baseMs: 1000, capMs: 1000, random: () => 0 }, Date.now() + 5000, new AbortController().signal, async () => {
      calls += 1;
      throw throttled();
    }, map).catch((e: unknown) => e);
    expect((error as KmsError).code).toBe('kms_throttled');
    expect(calls).toBe(3);
    // random() = 0: full jitter may wait nothing at all.
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('does not retry a refusal, and gives up when Retry-After passes the deadline', async () => {
    let calls = 0;
    await withRetries({ attempts: 3, baseMs: 10, capMs: 10 }, Date.now() + 5000, new AbortController().signal, async () => {
      calls += 1;
      throw { name: 'RestError', statusCode: 403, code: 'Forbidden' };
    }, map).catch(() => undefined);
    expect(calls).toBe(1);
    calls = 0;
    await withRetries({ attempts: 3, baseMs: 10, capMs: 10 }, Date.now() + 1000, new AbortController().signal, async () => {
      calls += 1;
      throw throttled('30');
    }, map).catch(() => undefined);
    expect(calls).toBe(1);
  });
});

