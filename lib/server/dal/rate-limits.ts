import 'server-only';
// Rate limits and lockouts, stored in the database so every broker instance
// sees the same counts. Two mechanisms:
//  - `hit`: a fixed-window request counter (pre-login lookups, invitations);
//  - `recordFailure`/`clearFailures`: consecutive failures per key lock it out
//    for a time that doubles with each further failure (sign-in).
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
