// Rate limits and lockouts on a real database (PGlite and PostgreSQL): the
// fixed-window counter and the doubling lock after consecutive failures,
// recorded after the fact or claimed before the check.
// Every call passes `now`, so the clock is the test's. One database per file
// (opening PGlite and migrating takes seconds); each test uses its own keys.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/lib/server/db';
import { claimAttempt, clearFailures, FREE_FAILURES, hit, lockDurationMs, lockedFor, recordFailure, releaseAttempt, type AttemptClaim } from '@/lib/server/dal/rate-limits';
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

  describe('claimAttempt, releaseAttempt', () => {
    const fail = async (keys: string[], times: number, now: Date) => {
      for (let i = 0; i < times; i++) await recordFailure(db.prisma, keys, now);
    };
    const claimed = async (keys: string[], now: Date): Promise<AttemptClaim> => {
      const result = await claimAttempt(db.prisma, keys, now);
      if (!('claim' in result)) throw new Error(`locked for ${result.lockedFor} s`);
      return result.claim;
    };
    const row = (name: string) => db.prisma.rateLimit.findUnique({ where: { key: key(name) }, select: { failures: true, lockedUntil: true } });

    it('counts an attempt as a failure before it is checked; the attempt after the free ones is refused and counts nothing', async () => {
      for (let i = 0; i < FREE_FAILURES; i++) await claimed([key('acct')], at(0));
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES, lockedUntil: at(lockDurationMs(FREE_FAILURES)) });
      expect(await claimAttempt(db.prisma, [key('acct')], at(1_000))).toEqual({ lockedFor: 29 });
      expect((await row('acct'))?.failures).toBe(FREE_FAILURES);
      // Once the lock is over, the next attempt is let through and locks for twice as long.
      await claimed([key('acct')], at(30_000));
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES + 1, lockedUntil: at(30_000 + lockDurationMs(FREE_FAILURES + 1)) });
    });

    it('of 20 parallel attempts on a fresh key, only the free ones get through', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => claimAttempt(db.prisma, [key('burst'), key('ip')], at(0))));
      expect(results.filter((r) => 'claim' in r)).toHaveLength(FREE_FAILURES);
      expect(results.filter((r) => 'lockedFor' in r)).toHaveLength(20 - FREE_FAILURES);
      expect((await row('burst'))?.failures).toBe(FREE_FAILURES);
      expect((await row('ip'))?.failures).toBe(FREE_FAILURES);
    });

    it('a key locked elsewhere refuses the attempt without counting it on the other keys, or storing them', async () => {
      await fail([key('ip')], FREE_FAILURES, at(0));
      expect(await claimAttempt(db.prisma, [key('acct'), key('ip')], at(0))).toEqual({ lockedFor: 30 });
      expect(await row('acct')).toBeNull();
      expect((await row('ip'))?.failures).toBe(FREE_FAILURES);
    });

    it('releaseAttempt takes back exactly one attempt and the lock it started, on the keys asked for', async () => {
      for (let i = 0; i < FREE_FAILURES - 1; i++) await claimed([key('acct'), key('ip')], at(0));
      const last = await claimed([key('acct'), key('ip')], at(1_000));
      expect(await lockedFor(db.prisma, [key('ip')], at(1_000))).toBe(30);
      await releaseAttempt(db.prisma, last, [key('ip')]);
      expect(await row('ip')).toEqual({ failures: FREE_FAILURES - 1, lockedUntil: null });
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES, lockedUntil: at(1_000 + 30_000) });
      await releaseAttempt(db.prisma, last);
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES - 1, lockedUntil: null });
    });

    it('releaseAttempt keeps a longer lock a later failure set, and the lock that was there before', async () => {
      await fail([key('acct')], FREE_FAILURES, at(0));
      // The lock ran out; this attempt locks for 60 s, a concurrent failure after it for 120 s.
      const mine = await claimed([key('acct')], at(40_000));
      await recordFailure(db.prisma, [key('acct')], at(41_000));
      await releaseAttempt(db.prisma, mine);
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES + 1, lockedUntil: at(41_000 + lockDurationMs(FREE_FAILURES + 2)) });
      // Alone, a released attempt puts back the expired lock it replaced (it does not unlock or lengthen anything).
      await db.prisma.rateLimit.update({ where: { key: key('acct') }, data: { lockedUntil: at(50_000) } });
      const again = await claimed([key('acct')], at(200_000));
      await releaseAttempt(db.prisma, again);
      expect(await row('acct')).toEqual({ failures: FREE_FAILURES + 1, lockedUntil: at(50_000) });
    });
  });
});
