// Rate limits and lockouts on a real database (PGlite and PostgreSQL): the
// fixed-window counter and the doubling lock after consecutive failures.
// Every call passes `now`, so the clock is the test's. One database per file
// (opening PGlite and migrating takes seconds); each test uses its own keys.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/lib/server/db';
import { clearFailures, FREE_FAILURES, hit, lockDurationMs, lockedFor, recordFailure } from '@/lib/server/dal/rate-limits';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LIMIT = { limit: 3, windowMs: 60_000 };

describe('lockDurationMs', () => {
  it('is free for the first failures, then 30 s doubling per failure, capped at one hour', () => {
    expect(FREE_FAILURES).toBe(5);
    for (let failures = 0; failures < FREE_FAILURES; failures++) expect(lockDurationMs(failures)).toBe(0);
    expect(lockDurationMs(5)).toBe(30_000);
    expect(lockDurationMs(6)).toBe(60_000);
    expect(lockDurationMs(7)).toBe(120_000);
    expect(lockDurationMs(11)).toBe(1_920_000);
    expect(lockDurationMs(12)).toBe(3_600_000);
    expect(lockDurationMs(13)).toBe(3_600_000);
    expect(lockDurationMs(10_000)).toBe(3_600_000);
  });

  it('never shrinks as failures grow', () => {
    let previous = 0;
    for (let failures = 0; failures < 50; failures++) {
      const ms = lockDurationMs(failures);
      expect(ms).toBeGreaterThanOrEqual(previous);
      previous = ms;
    }
  });
});

describe(`rate limits on ${backend}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let prefix: string;
  /** This test's name for a key, so tests sharing the database never see each other's rows. */
  const key = (name: string) => `${prefix}:${name}`;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ env: testDb.env, migrate: true });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });
  beforeEach(() => {
    prefix = randomBytes(6).toString('hex');
  });

  describe('hit', () => {
    it('lets `limit` requests through in a window, then says how many seconds to wait', async () => {
      expect(await hit(db.prisma, key('k'), LIMIT, at(0))).toBeNull();
      expect(await hit(db.prisma, key('k'), LIMIT, at(1_000))).toBeNull();
      expect(await hit(db.prisma, key('k'), LIMIT, at(2_000))).toBeNull();
      expect(await hit(db.prisma, key('k'), LIMIT, at(10_000))).toBe(50);
      expect(await hit(db.prisma, key('k'), LIMIT, at(30_000))).toBe(30);
      expect(await hit(db.prisma, key('k'), LIMIT, at(59_400))).toBe(1);
    });

    it('starts a new window once the old one is over', async () => {
      for (let i = 0; i < 5; i++) await hit(db.prisma, key('k'), LIMIT, at(i * 1_000));
      expect(await hit(db.prisma, key('k'), LIMIT, at(61_000))).toBeNull();
      expect(await hit(db.prisma, key('k'), LIMIT, at(62_000))).toBeNull();
      expect(await hit(db.prisma, key('k'), LIMIT, at(63_000))).toBeNull();
      // The new window began at 61 s, so it ends at 121 s.
      expect(await hit(db.prisma, key('k'), LIMIT, at(71_000))).toBe(50);
      const row = await db.prisma.rateLimit.findUniqueOrThrow({ where: { key: key('k') } });
      expect(row.count).toBe(4);
      expect(row.windowStart.toISOString()).toBe(at(61_000).toISOString());
    });

    it('counts each key on its own', async () => {
      for (let i = 0; i < 3; i++) expect(await hit(db.prisma, key('a'), LIMIT, at(i))).toBeNull();
      expect(await hit(db.prisma, key('a'), LIMIT, at(10))).not.toBeNull();
      expect(await hit(db.prisma, key('b'), LIMIT, at(10))).toBeNull();
      expect(await hit(db.prisma, key('a'), { limit: 10, windowMs: 60_000 }, at(20))).toBeNull();
    });

    it('counts concurrent requests exactly: only `limit` of them get through', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => hit(db.prisma, key('burst'), { limit: 4, windowMs: 60_000 }, at(0))));
      expect(results.filter((r) => r === null)).toHaveLength(4);
      expect(results.filter((r) => r === 60)).toHaveLength(6);
      expect((await db.prisma.rateLimit.findUniqueOrThrow({ where: { key: key('burst') } })).count).toBe(10);
    });
  });

  describe('recordFailure, lockedFor, clearFailures', () => {
    const fail = async (keys: string[], times: number, now: Date) => {
      for (let i = 0; i < times; i++) await recordFailure(db.prisma, keys, now);
    };

    it('locks a key only after the free failures', async () => {
      await fail([key('acct')], FREE_FAILURES - 1, at(0));
      expect(await lockedFor(db.prisma, [key('acct')], at(0))).toBeNull();
      await fail([key('acct')], 1, at(1_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(1_000))).toBe(lockDurationMs(FREE_FAILURES) / 1000);
      expect(await lockedFor(db.prisma, [key('acct')], at(1_000 + 29_500))).toBe(1);
      expect(await lockedFor(db.prisma, [key('acct')], at(1_000 + lockDurationMs(FREE_FAILURES)))).toBeNull();
    });

    it('locks for longer with every further failure, even after the last lock ran out', async () => {
      await fail([key('acct')], FREE_FAILURES, at(0));
      expect(await lockedFor(db.prisma, [key('acct')], at(0))).toBe(30);
      // The lock ran out; the next failure locks for twice as long.
      await fail([key('acct')], 1, at(40_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(40_000))).toBe(lockDurationMs(FREE_FAILURES + 1) / 1000);
      await fail([key('acct')], 1, at(200_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(200_000))).toBe(lockDurationMs(FREE_FAILURES + 2) / 1000);
      await fail([key('acct')], 20, at(1_000_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(1_000_000))).toBe(3_600);
    });

    it('counts every key it is given and reports the longest lock among them', async () => {
      await fail([key('acct'), key('ip')], FREE_FAILURES, at(0));
      await fail([key('ip')], 2, at(0));
      expect(await lockedFor(db.prisma, [key('acct')], at(0))).toBe(30);
      expect(await lockedFor(db.prisma, [key('ip')], at(0))).toBe(120);
      expect(await lockedFor(db.prisma, [key('acct'), key('ip')], at(0))).toBe(120);
      expect(await lockedFor(db.prisma, [key('acct'), key('ip')], at(60_000))).toBe(60);
      expect(await lockedFor(db.prisma, [key('other')], at(0))).toBeNull();
      expect(await lockedFor(db.prisma, [], at(0))).toBeNull();
    });

    it('clearFailures unlocks one key and starts its count again; other keys stay locked', async () => {
      await fail([key('acct'), key('ip')], FREE_FAILURES + 1, at(0));
      await clearFailures(db.prisma, key('acct'));
      expect(await lockedFor(db.prisma, [key('acct')], at(0))).toBeNull();
      expect(await lockedFor(db.prisma, [key('ip')], at(0))).toBe(60);
      await fail([key('acct')], FREE_FAILURES - 1, at(1_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(1_000))).toBeNull();
      await fail([key('acct')], 1, at(2_000));
      expect(await lockedFor(db.prisma, [key('acct')], at(2_000))).toBe(30);
    });

    it('clearFailures of an unknown key is harmless', async () => {
      await expect(clearFailures(db.prisma, key('nobody'))).resolves.toBeUndefined();
      expect(await db.prisma.rateLimit.findUnique({ where: { key: key('nobody') } })).toBeNull();
    });

    it('a request counter on the same key does not lock it', async () => {
      for (let i = 0; i < 10; i++) await hit(db.prisma, key('shared'), LIMIT, at(0));
      expect(await lockedFor(db.prisma, [key('shared')], at(0))).toBeNull();
    });

    it('counts concurrent failures on a fresh key exactly', async () => {
      await Promise.all(Array.from({ length: FREE_FAILURES }, () => recordFailure(db.prisma, [key('fresh')], at(0))));
      expect((await db.prisma.rateLimit.findUniqueOrThrow({ where: { key: key('fresh') } })).failures).toBe(FREE_FAILURES);
      expect(await lockedFor(db.prisma, [key('fresh')], at(0))).toBe(30);
    });
  });
});
