// The sign-in lockout under parallel attempts, and the same lockout on the
// code that turns the second factor off, on both backends. The slow hash
// checks are counted (the real scrypt still runs): a burst of wrong
// passphrases must not get more of them than the lockout allows, which it did
// when the lock was checked first and the failure recorded after the check.
// Each test uses its own accounts and addresses.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { disableTotp } from '@/lib/server/accounts/account';
import type { CurrentUser } from '@/lib/server/authz';
import { FREE_FAILURES } from '@/lib/server/dal/rate-limits';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { sealTotpSecret } from '@/lib/server/mfa';
import { hashAuthKey } from '@/lib/server/password-hash';
import { signInLimitKeys, verifySignIn } from '@/lib/server/sign-in';
import { generateTotpSecret, totpCode } from '@/lib/server/totp';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const checks = vi.hoisted(() => ({ hashes: 0 }));
vi.mock('@/lib/server/password-hash', async (original) => {
  const real = await original<typeof import('@/lib/server/password-hash')>();
  return {
    ...real,
    verifyAuthKey: async (authKey: string, stored: string) => {
      checks.hashes++;
      return real.verifyAuthKey(authKey, stored);
    },
    verifyAgainstDummy: async (authKey: string) => {
      checks.hashes++;
      return real.verifyAgainstDummy(authKey);
    },
  };
});

Object.assign(process.env, { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

const AUTH_KEY = 'the-right-auth-key';
let testDb: TestDatabase;
let db: Database;
let n = 0;
let prefix: string;

/** An account (no tenant) signing in with AUTH_KEY, optionally with TOTP on. */
async function account(options: { totp?: boolean } = {}) {
  const id = `usr_${prefix}${++n}`;
  const email = `user${n}-${prefix}@signin.example`;
  const secret = generateTotpSecret();
  await db.prisma.user.create({
    data: {
      id,
      email,
      kdfSalt: 's',
      kdfIterations: 600_000,
      authKeyHash: await hashAuthKey(AUTH_KEY),
      adminPublicJwk: {},
      adminKeyKid: `kid${n}`,
      sealedAdminKey: 'x',
      ...(options.totp ? { totpSecretEnc: sealTotpSecret(id, secret), totpEnabledAt: new Date() } : {}),
    },
  });
  const user: CurrentUser = { id, email, isOperator: false, adminKeyKid: `kid${n}`, totpEnabled: !!options.totp, sessionId: 'ses' };
  return { id, email, secret, user };
}

const reasonOf = (r: PromiseSettledResult<unknown>) => (r.status === 'fulfilled' ? 'signed_in' : ((r.reason as { reason?: string; code?: string }).reason ?? (r.reason as AppError).code));
const counts = (list: string[]) => Object.fromEntries([...new Set(list)].map((k) => [k, list.filter((x) => x === k).length]));
const limitRow = (key: string) => db.prisma.rateLimit.findUnique({ where: { key }, select: { failures: true, lockedUntil: true } });
/** A 6-digit code that is not valid for the secret now (nor one step either side). */
function wrongCode(secret: string): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, Date.now() + d)));
  for (let i = 0; ; i++) {
    const code = String(i).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
}, 120_000);

afterAll(async () => {
  await closeDatabase();
  await testDb?.drop();
});

beforeEach(() => {
  prefix = randomBytes(4).toString('hex');
  checks.hashes = 0;
});

describe(`sign-in lockout under parallel attempts on ${backend}`, () => {
  it(`20 parallel wrong passphrases for one account (from 20 addresses): ${FREE_FAILURES} hash checks, the rest refused as locked`, async () => {
    const { email, id } = await account();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => verifySignIn({ email, authKey: 'wrong', ip: `198.51.100.${i}` })));
    expect(counts(results.map(reasonOf))).toEqual({ invalid_credentials: FREE_FAILURES, locked: 20 - FREE_FAILURES });
    expect(checks.hashes).toBe(FREE_FAILURES);
    // The audit trail is as before: one failure per checked attempt, one denial per refused one.
    const events = await db.prisma.auditEvent.findMany({ where: { action: 'auth.sign_in', actorId: id }, select: { outcome: true, details: true } });
    expect(counts(events.map((e) => `${e.outcome}:${(e.details as { reason: string }).reason}`))).toEqual({ 'failure:bad_credentials': FREE_FAILURES, 'denied:locked': 20 - FREE_FAILURES });
  });

  it(`20 parallel sign-ins for unknown emails from one address: ${FREE_FAILURES} hash checks; the emails are in no audit event`, async () => {
    const ip = `203.0.113.${n % 250}`;
    const emails = Array.from({ length: 20 }, (_, i) => `nobody${i}-${prefix}@signin.example`);
    const results = await Promise.allSettled(emails.map((email) => verifySignIn({ email, authKey: 'wrong', ip })));
    expect(counts(results.map(reasonOf))).toEqual({ invalid_credentials: FREE_FAILURES, locked: 20 - FREE_FAILURES });
    expect(checks.hashes).toBe(FREE_FAILURES);
    const events = await db.prisma.auditEvent.findMany({ where: { action: 'auth.sign_in', actorId: null } });
    expect(JSON.stringify(events)).not.toContain(prefix);
  });

  it('the right passphrase below the limit signs in; the account starts again from zero, the address keeps only the others’ failures', async () => {
    const { email } = await account();
    const ip = `192.0.2.${n % 250}`;
    const [accountKey, ipKey] = signInLimitKeys(email, ip) as [string, string];
    for (let i = 0; i < FREE_FAILURES - 1; i++) await expect(verifySignIn({ email, authKey: 'wrong', ip })).rejects.toMatchObject({ reason: 'invalid_credentials' });
    await expect(verifySignIn({ email, authKey: AUTH_KEY, ip })).resolves.toMatchObject({ sessionId: expect.any(String) });
    expect(await limitRow(accountKey)).toEqual({ failures: 0, lockedUntil: null });
    // The successful attempt was counted up front (the 5th, which locks) and taken back.
    expect(await limitRow(ipKey)).toEqual({ failures: FREE_FAILURES - 1, lockedUntil: null });
    const other = await account();
    await expect(verifySignIn({ email: other.email, authKey: AUTH_KEY, ip })).resolves.toMatchObject({ sessionId: expect.any(String) });
  });

  it('the right passphrase asked for its second factor is not counted; a wrong code is', async () => {
    const { email, secret } = await account({ totp: true });
    const ip = `192.0.2.${n % 250}`;
    const [accountKey] = signInLimitKeys(email, ip) as [string];
    for (let i = 0; i < FREE_FAILURES + 2; i++) await expect(verifySignIn({ email, authKey: AUTH_KEY, ip })).rejects.toMatchObject({ reason: 'mfa_required' });
    expect(await limitRow(accountKey)).toEqual({ failures: 0, lockedUntil: null });
    await expect(verifySignIn({ email, authKey: AUTH_KEY, otp: wrongCode(secret), ip })).rejects.toMatchObject({ reason: 'invalid_credentials' });
    expect((await limitRow(accountKey))?.failures).toBe(1);
    await expect(verifySignIn({ email, authKey: AUTH_KEY, otp: totpCode(secret, Date.now()), ip })).resolves.toMatchObject({ sessionId: expect.any(String) });
    expect(await limitRow(accountKey)).toEqual({ failures: 0, lockedUntil: null });
  });
});

describe(`turning the second factor off is limited like the sign-in's second step, on ${backend}`, () => {
  it(`20 parallel wrong codes: ${FREE_FAILURES} are checked, the rest refused (429); then even the right code waits, and so does sign-in`, async () => {
    const { email, secret, user, id } = await account({ totp: true });
    const ip = `198.18.0.${n % 250}`;
    const code = wrongCode(secret);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => disableTotp(user, code, { ip })));
    expect(counts(results.map(reasonOf))).toEqual({ validation_failed: FREE_FAILURES, rate_limited: 20 - FREE_FAILURES });
    const limited = results.find((r) => r.status === 'rejected' && (r.reason as AppError).code === 'rate_limited') as PromiseRejectedResult;
    expect(limited.reason).toMatchObject({ status: 429, retryAfter: expect.any(Number) });

    await expect(disableTotp(user, totpCode(secret, Date.now()), { ip })).rejects.toMatchObject({ code: 'rate_limited' });
    // One counter for the account's second factor, wherever it is typed.
    await expect(verifySignIn({ email, authKey: AUTH_KEY, otp: totpCode(secret, Date.now()), ip: '198.18.1.1' })).rejects.toMatchObject({ reason: 'locked' });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id } })).totpEnabledAt).not.toBeNull();

    // Once the lock is over, the right code turns it off and is not counted as a failure.
    const [accountKey, ipKey] = signInLimitKeys(email, ip) as [string, string];
    await db.prisma.rateLimit.updateMany({ where: { key: { in: [accountKey, ipKey] } }, data: { lockedUntil: new Date(Date.now() - 1_000) } });
    await disableTotp(user, totpCode(secret, Date.now()), { ip });
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id } })).totpEnabledAt).toBeNull();
    expect((await limitRow(accountKey))?.failures).toBe(FREE_FAILURES);
  });
});
