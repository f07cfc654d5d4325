import 'server-only';
// Rate limits and lockouts, stored in the database so every broker instance
// sees the same counts. Three mechanisms:
//  - `hit`: a fixed-window request counter (pre-login lookups, invitations);
//  - `recordFailure`/`clearFailures`: consecutive failures per key lock it out
//    for a time that doubles with each further failure (sign-in);
//  - `claimAttempt`/`releaseAttempt`: the same lockout, with the attempt
//    counted as a failure before its slow check, so parallel attempts cannot
//    all pass the lock check before any failure is recorded.
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

type Db = PrismaClient | Prisma.TransactionClient;

export type Limit = { limit: number; windowMs: number };

/** Counts one request; returns the seconds to wait if over the limit. */
export async function hit(db: PrismaClient, key: string, { limit, windowMs }: Limit, now = new Date()): Promise<number | null> {
  const windowFloor = new Date(now.getTime() - windowMs);
  const rows = await db.$queryRaw<{ count: number; window_start: Date }[]>`
    INSERT INTO rate_limit (key, count, window_start) VALUES (${key}, 1, ${now})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit.window_start < ${windowFloor} THEN 1 ELSE rate_limit.count + 1 END,
      window_start = CASE WHEN rate_limit.window_start < ${windowFloor} THEN ${now} ELSE rate_limit.window_start END
    RETURNING count, window_start`;
  const row = rows[0];
  if (!row || row.count <= limit) return null;
  return Math.max(1, Math.ceil((new Date(row.window_start).getTime() + windowMs - now.getTime()) / 1000));
}

export const FREE_FAILURES = 5;
const BASE_LOCK_MS = 30_000;
const MAX_LOCK_MS = 60 * 60_000;

/** Seconds until every one of `keys` is unlocked again (the latest lock wins), or null. */
export async function lockedFor(db: PrismaClient, keys: string[], now = new Date()): Promise<number | null> {
  const rows = await db.rateLimit.findMany({ where: { key: { in: keys }, lockedUntil: { gt: now } }, select: { lockedUntil: true } });
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : null;
}

/** Lock duration after `failures` consecutive failures: none for the first few, then doubling. */
export function lockDurationMs(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(MAX_LOCK_MS, BASE_LOCK_MS * 2 ** (failures - FREE_FAILURES));
}

export async function recordFailure(db: Db, keys: string[], now = new Date()): Promise<void> {
  for (const key of keys) {
    const row = await db.rateLimit.upsert({
      where: { key },
      create: { key, count: 0, windowStart: now, failures: 1 },
      update: { failures: { increment: 1 } },
      select: { failures: true },
    });
    const ms = lockDurationMs(row.failures);
    // GREATEST: a slower concurrent failure with a shorter lock must not shorten a longer one.
    if (ms > 0) {
      const until = new Date(now.getTime() + ms);
      await db.$executeRaw`UPDATE rate_limit SET locked_until = GREATEST(COALESCE(locked_until, ${until}), ${until}) WHERE key = ${key}`;
    }
  }
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.rateLimit.updateMany({ where: { key }, data: { failures: 0, lockedUntil: null } });
}

/** What `claimAttempt` counted on each key, so that `releaseAttempt` can take it back exactly. */
export type AttemptClaim = readonly { key: string; lockedUntil: Date | null; previousLockedUntil: Date | null }[];

class Locked extends Error {
  readonly seconds: number;
  constructor(seconds: number) {
    super('locked');
    this.seconds = seconds;
  }
}

/**
 * Counts one attempt on every key, as a failure, before it is checked — or,
 * if any key is locked, counts nothing and returns the seconds to wait. The
 * count and the lock it may start commit before the caller does its slow
 * check, so of N parallel attempts on a fresh key only FREE_FAILURES get past
 * the lock (checking first and recording after let them all through). The
 * rows are locked in key order for this short transaction only.
 */
export async function claimAttempt(db: PrismaClient, keys: readonly string[], now = new Date()): Promise<{ claim: AttemptClaim } | { lockedFor: number }> {
  const sorted = [...new Set(keys)].sort();
  try {
    const claim = await db.$transaction(async (tx) => {
      const rows: { key: string; failures: number; lockedUntil: Date | null }[] = [];
      for (const key of sorted) {
        // ON CONFLICT DO UPDATE locks the row and returns its latest committed values.
        const [row] = await tx.$queryRaw<{ failures: number; locked_until: Date | null }[]>`
          INSERT INTO rate_limit (key, count, window_start, failures) VALUES (${key}, 0, ${now}, 0)
          ON CONFLICT (key) DO UPDATE SET failures = rate_limit.failures
          RETURNING failures, locked_until`;
        rows.push({ key, failures: row?.failures ?? 0, lockedUntil: row?.locked_until ? new Date(row.locked_until) : null });
      }
      const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
      // Thrown, so that nothing (not even a new row) is written for a refused attempt.
      if (until > now.getTime()) throw new Locked(Math.ceil((until - now.getTime()) / 1000));
      const counted = [];
      for (const row of rows) {
        const ms = lockDurationMs(row.failures + 1);
        const lock = ms > 0 ? new Date(now.getTime() + ms) : null;
        const lockedUntil = lock && (!row.lockedUntil || lock > row.lockedUntil) ? lock : row.lockedUntil;
        await tx.rateLimit.update({ where: { key: row.key }, data: { failures: row.failures + 1, lockedUntil } });
        counted.push({ key: row.key, lockedUntil, previousLockedUntil: row.lockedUntil });
      }
      return counted;
    });
    return { claim };
  } catch (error) {
    if (error instanceof Locked) return { lockedFor: error.seconds };
    throw error;
  }
}

/**
 * Takes back the attempt `claimAttempt` counted on `keys` (default: all of
 * them), for an attempt that turned out not to be a failure: one failure
 * less, and the lock it started, if it is still the latest, back to what it
 * was. A later failure's longer lock stays.
 */
export async function releaseAttempt(db: Db, claim: AttemptClaim, keys?: readonly string[]): Promise<void> {
  for (const entry of [...claim].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    if (keys && !keys.includes(entry.key)) continue;
    if (entry.lockedUntil?.getTime() === entry.previousLockedUntil?.getTime()) {
      await db.$executeRaw`UPDATE rate_limit SET failures = GREATEST(failures - 1, 0) WHERE key = ${entry.key}`;
    } else {
      await db.$executeRaw`UPDATE rate_limit SET failures = GREATEST(failures - 1, 0),
        locked_until = CASE WHEN locked_until = ${entry.lockedUntil} THEN ${entry.previousLockedUntil}::timestamptz ELSE locked_until END
        WHERE key = ${entry.key}`;
    }
  }
}
