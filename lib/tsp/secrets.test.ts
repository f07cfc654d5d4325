// The derived-key construction against fixed vectors (docs/tsp.md
// "Deterministic keys"), and the derivation request's bounds. How secrets are
// made, stored, checked and refused is in derive.test.ts, against the KMS doubles.
import { describe, expect, it } from 'vitest';
import { deriveKey, secretBinding } from './secrets';
import { describeIssue, ZDeriveRequest } from './wire';

const SECRET_0_TO_63 = Uint8Array.from({ length: 64 }, (_, i) => i);

describe('deriveKey: HMAC-SHA-512(key = secret, message = UTF-8 derivation path)', () => {
  it('matches RFC 4231 test case 2 (key "Jefe")', () => {
    expect(deriveKey(Buffer.from('Jefe'), 'what do ya want for nothing?').toString('hex')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  // Computed with OpenSSL: printf %s '<path>' | openssl dgst -sha512 -mac HMAC -macopt hexkey:000102…3f
  it.each([
    ['user/email', 'vk15P9a8fDoOIsyF/5MLizJtypKqDpHK7aNKQcFbh33STWaWHv9/MwLNN/FG6ppeLR9cfknNPpdpmiuX7JhHUw=='],
    ['', '0pueP4eAlobzQQn7xxjWq7sJwnjPBaIGrfIUY+EXA2ISLlgnKjFnlyCyVMvWOnxtaWv5KD+caJfn15JIO7A4jA=='],
    ['é/ü', 'QHWZgAMRgeK0gVhAjN5mSCEgewqOz6GbAewgWbsJRyqYwOEit+sZt7BZeiZRfdMFiOSwnl1pBpe7u3iLJaGvbw=='],
  ])('a 64-byte secret and the path %j give the fixed vector', (path, expected) => {
    const key = deriveKey(SECRET_0_TO_63, path);
    expect(key).toHaveLength(64);
    expect(key.toString('base64')).toBe(expected);
  });

  it('binds the tenant, the path and the id in the KMS call', () => {
    expect(secretBinding('acme', 'ssn', 7)).toEqual({ tenantId: 'acme', context: { secretPath: 'ssn', tenantSecretId: '7' } });
  });
});

describe('the derivation request', () => {
  const body = (extra: Record<string, unknown>) => ({ tenantId: 'acme', iclFields: { requestingId: 'app' }, paths: { ssn: ['person.ssn'] }, derivationType: 'sha512', secretType: 'deterministic', ...extra });
  const problem = (value: unknown) => {
    const parsed = ZDeriveRequest.safeParse(value);
    return parsed.success ? null : describeIssue(parsed.error);
  };

  it('accepts what the reference clients send', () => {
    expect(problem(body({}))).toBeNull();
    expect(problem(body({ customFields: null }))).toBeNull();
  });

  it.each([
    ['another derivation type', { derivationType: 'sha256' }, /derivationType must be "sha512"/],
    ['another secret type', { secretType: 'vector' }, /secretType must be "deterministic"/],
    ['no paths', { paths: {} }, /at least one secretPath/],
    ['a path with no derivation path', { paths: { ssn: [] } }, /at least one derivationPath/],
    ['a control character in a secret path', { paths: { 'a\u0001b': ['x'] } }, /control characters/],
    ['too many derivation paths', { paths: { a: Array.from({ length: 600 }, (_, i) => `a${i}`), b: Array.from({ length: 401 }, (_, i) => `b${i}`) } }, /at most 1000 derivationPaths/],
    ['too many secret paths', { paths: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, ['x']])) }, /at most 100 secretPaths/],
  ])('refuses %s', (_what, extra, message) => {
    expect(problem(body(extra))).toMatch(message);
  });
});
