// The pre-login answer for unknown emails: a fake salt that looks like a real
// one and is stable per email (and per broker secret), so the answer does not
// tell whether an account exists.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { ZKdfSalt } from '@/lib/schemas/account';
import { fakeSalt } from '@/lib/server/accounts/prelogin';

const SECRETS = Symbol.for('cmk-broker.server-secrets');
const NAMES = ['AUTH_SECRET', 'BROKER_KEY_ENCRYPTION_KEY'] as const;
const saved: Partial<Record<(typeof NAMES)[number], string>> = {};

function useSecrets(authSecret: string): void {
  process.env.AUTH_SECRET = authSecret;
  process.env.BROKER_KEY_ENCRYPTION_KEY = 'K'.repeat(43);
  resetEnvForTests();
  delete (globalThis as Record<symbol, unknown>)[SECRETS];
}

beforeEach(() => {
  for (const name of NAMES) saved[name] = process.env[name];
  useSecrets('a-test-auth-secret-that-is-long-enough-0001');
});

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetEnvForTests();
  delete (globalThis as Record<symbol, unknown>)[SECRETS];
});

describe('fakeSalt', () => {
  it('is 16 bytes, base64url, shaped like a real salt', () => {
    const salt = fakeSalt('nobody@example.com');
    expect(salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(ZKdfSalt.safeParse(salt).success).toBe(true);
  });

  it('is the same for the same email every time, ignoring case and surrounding space', () => {
    const salt = fakeSalt('nobody@example.com');
    expect(fakeSalt('nobody@example.com')).toBe(salt);
    expect(fakeSalt('NoBody@Example.COM')).toBe(salt);
    expect(fakeSalt('  nobody@example.com\n')).toBe(salt);
  });

  it('differs between emails', () => {
    const emails = ['a@example.com', 'b@example.com', 'a@example.org', 'a.b@example.com', 'ab@example.com', 'nobody@example.com'];
    const salts = new Set(emails.map(fakeSalt));
    expect(salts.size).toBe(emails.length);
  });

  it('is stable across a restart with the same secret, and unpredictable without it', () => {
    const before = fakeSalt('nobody@example.com');
    useSecrets('a-test-auth-secret-that-is-long-enough-0001');
    expect(fakeSalt('nobody@example.com')).toBe(before);
    useSecrets('another-auth-secret-that-is-long-enough-0002');
    expect(fakeSalt('nobody@example.com')).not.toBe(before);
  });
});
