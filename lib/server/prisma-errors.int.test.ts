// Real database errors from Prisma, through the driver adapter of each
// backend, map to the broker's errors: 409 naming the field, 404, 503.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/lib/server/db';
import { mapDatabaseError } from '@/lib/server/prisma-errors';
import { problemResponse } from '@/lib/server/problem';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let db: Database;

beforeEach(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ env: testDb.env, migrate: true });
});
afterEach(async () => {
  await db.close();
  await testDb.drop();
});

describe(`database errors on ${backend}`, () => {
  it('a unique violation becomes 409 unique_violation naming the field, never the value', async () => {
    await db.prisma.environment.create({ data: { id: 'env_1', slug: 'prod-eu', displayName: 'Production EU' } });
    const error = await db.prisma.environment
      .create({ data: { id: 'env_2', slug: 'prod-eu', displayName: 'Duplicate canary-name' } })
      .catch((e: unknown) => e);
    const mapped = mapDatabaseError(error);
    expect(mapped).toMatchObject({ code: 'unique_violation', status: 409, fields: [{ path: 'slug', message: 'This value is already taken.' }] });
    const body = await problemResponse(mapped!, 'req-1').text();
    expect(body).not.toContain('canary');
    expect(body).not.toContain('prod-eu');
  });

  it('a NUL character the database cannot store becomes 400 validation_failed, in text and in a search', async () => {
    const stored = await db.prisma.environment.create({ data: { id: 'env_1', slug: 'nul', displayName: 'Canary\u0000name' } }).catch((e: unknown) => e);
    expect(mapDatabaseError(stored)).toMatchObject({ code: 'validation_failed', status: 400 });
    const searched = await db.prisma.environment.findMany({ where: { displayName: { contains: '\u0000' } } }).catch((e: unknown) => e);
    expect(mapDatabaseError(searched)).toMatchObject({ code: 'validation_failed', status: 400 });
    const body = await problemResponse(mapDatabaseError(stored)!, 'req-1').text();
    expect(body).not.toContain('Canary');
  });

  it('a missing record becomes 404 not_found', async () => {
    const error = await db.prisma.environment.update({ where: { id: 'nope' }, data: { displayName: 'x' } }).catch((e: unknown) => e);
    expect(mapDatabaseError(error)).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('a failed transaction leaves nothing behind', async () => {
    const error = await db.prisma
      .$transaction(async (tx) => {
        await tx.environment.create({ data: { id: 'env_a', slug: 'staging', displayName: 'Staging' } });
        await tx.environment.create({ data: { id: 'env_b', slug: 'staging', displayName: 'Staging again' } });
      })
      .catch((e: unknown) => e);
    expect(mapDatabaseError(error)?.code).toBe('unique_violation');
    expect(await db.prisma.environment.count()).toBe(0);
  });

  // Two transactions taking the same rows in opposite orders: PostgreSQL aborts one of them.
  it.runIf(backend === 'postgresql')('the victim of a deadlock becomes 503 database_unavailable (retry), not 500', async () => {
    await db.prisma.environment.createMany({ data: [{ id: 'env_x', slug: 'x', displayName: 'X' }, { id: 'env_y', slug: 'y', displayName: 'Y' }] });
    let ready = 0;
    const bothHoldOne = () =>
      new Promise<void>((resolve) => {
        ready += 1;
        const check = () => (ready >= 2 ? resolve() : setTimeout(check, 10));
        check();
      });
    const take = (first: string, second: string) =>
      db.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`UPDATE environment SET display_name = display_name WHERE id = $1`, first);
        await bothHoldOne();
        await tx.$executeRawUnsafe(`UPDATE environment SET display_name = display_name WHERE id = $1`, second);
      }, { timeout: 20_000 });
    const outcomes = await Promise.allSettled([take('env_x', 'env_y'), take('env_y', 'env_x')]);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(mapDatabaseError(failed[0]?.reason)).toMatchObject({ code: 'database_unavailable', status: 503 });
  });

  it.runIf(backend === 'postgresql')('an unreachable PostgreSQL becomes 503 database_unavailable', async () => {
    const dead = await openDatabase({ env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nothing', PGLITE_DIR: '/nonexistent', DATABASE_POOL_MAX: 1 } });
    try {
      const error = await dead.prisma.environment.count().catch((e: unknown) => e);
      expect(mapDatabaseError(error)).toMatchObject({ code: 'database_unavailable', status: 503 });
    } finally {
      await dead.close();
    }
  });
});
