// The migration runner against a real database (PGlite or PostgreSQL, per
// vitest project): re-runs are no-ops, edited or unknown applied migrations
// stop start-up, a failing migration leaves nothing behind, and concurrent
// runners on one PostgreSQL apply each migration exactly once, and an operator
// holding the lock docs/database.md names holds off a starting broker.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/lib/server/db';
import { loadMigrations, migrate, MigrationError, MIGRATIONS_TABLE } from '@/lib/server/database/migrate';
import { withPgSession } from '@/lib/server/database/sessions';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

let testDb: TestDatabase;
let migrationsDir: string;
let db: Database | undefined;

function writeMigration(id: string, sql: string) {
  mkdirSync(path.join(migrationsDir, id), { recursive: true });
  writeFileSync(path.join(migrationsDir, id, 'migration.sql'), sql);
}

async function open(): Promise<Database> {
  db = await openDatabase({ env: testDb.env, migrate: false });
  return db;
}

async function appliedIds(database: Database): Promise<string[]> {
  return database.withSession(async (s) => (await s.query<{ id: string }>(`SELECT id FROM ${MIGRATIONS_TABLE} ORDER BY id`)).map((r) => r.id));
}

async function tableExists(database: Database, name: string): Promise<boolean> {
  return database.withSession(async (s) => (await s.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]))[0]?.t !== null);
}

/** The statements docs/database.md gives operators, read literally (the unit test ties them to the code). */
function documentedLockStatements(): { lock: string; unlock: string } {
  const docs = readFileSync(path.join(process.cwd(), 'docs', 'database.md'), 'utf8');
  const lock = /^SELECT pg_advisory_lock\(.+\);$/m.exec(docs)?.[0];
  const unlock = /^SELECT pg_advisory_unlock\(.+\);$/m.exec(docs)?.[0];
  if (!lock || !unlock) throw new Error('docs/database.md no longer shows the statements that hold off migrations');
  return { lock, unlock };
}

beforeEach(async () => {
  testDb = await createTestDatabase();
  migrationsDir = mkdtempSync(path.join(os.tmpdir(), 'cmk-migrations-'));
  writeMigration('0001_first', 'CREATE TABLE widget (id integer PRIMARY KEY);\nINSERT INTO widget VALUES (1);');
  writeMigration('0002_second', 'ALTER TABLE widget ADD COLUMN label text;');
});

afterEach(async () => {
  await db?.close();
  db = undefined;
  await testDb.drop();
});

describe(`migration runner on ${backend}`, () => {
  it('applies pending migrations in order and records them', async () => {
    const database = await open();
    const result = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    expect(result).toEqual({ applied: ['0001_first', '0002_second'], alreadyApplied: 0 });
    expect(await appliedIds(database)).toEqual(['0001_first', '0002_second']);
  });

  it('is a no-op when re-run', async () => {
    const database = await open();
    await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    const again = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    expect(again).toEqual({ applied: [], alreadyApplied: 2 });
    const rows = await database.withSession((s) => s.query<{ n: number }>('SELECT count(*)::int AS n FROM widget'));
    expect(rows[0]?.n).toBe(1);
  });

  it('refuses to go on when an applied migration was edited', async () => {
    const database = await open();
    await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    writeMigration('0002_second', 'ALTER TABLE widget ADD COLUMN label varchar(10);');
    writeMigration('0003_third', 'CREATE TABLE never_created (id integer);');
    const error = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('migration_changed');
    expect((error as Error).message).toMatch(/0002_second was changed after it was applied/);
    expect(await tableExists(database, 'never_created')).toBe(false);
  });

  it('refuses a database that has a migration this code does not know', async () => {
    const database = await open();
    await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    const fewer = loadMigrations(migrationsDir).filter((m) => m.id !== '0002_second');
    const error = await database.withSession((s) => migrate(s, fewer)).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('migration_missing');
  });

  it('refuses a new migration that sorts before an applied one', async () => {
    const database = await open();
    await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    writeMigration('0001_aaa_late', 'CREATE TABLE late (id integer);');
    const error = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir))).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('migration_out_of_order');
  });

  it('rolls a failing migration back completely and does not record it', async () => {
    writeMigration('0003_broken', 'CREATE TABLE half_done (id integer);\nINSERT INTO widget VALUES (2);\nSELECT * FROM no_such_table;');
    const database = await open();
    const error = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir))).catch((e: unknown) => e);
    expect((error as MigrationError).code).toBe('migration_failed');
    expect((error as Error).message).toMatch(/0003_broken failed and was rolled back: .*no_such_table/);
    expect(await appliedIds(database)).toEqual(['0001_first', '0002_second']);
    expect(await tableExists(database, 'half_done')).toBe(false);
    const rows = await database.withSession((s) => s.query<{ n: number }>('SELECT count(*)::int AS n FROM widget'));
    expect(rows[0]?.n).toBe(1);
    // Fixed, it applies on the next start.
    writeMigration('0003_broken', 'CREATE TABLE half_done (id integer);');
    const retry = await database.withSession((s) => migrate(s, loadMigrations(migrationsDir)));
    expect(retry.applied).toEqual(['0003_broken']);
  });

  it('rejects a malformed migration folder name instead of skipping it', () => {
    writeMigration('3_bad-name', 'SELECT 1;');
    expect(() => loadMigrations(migrationsDir)).toThrow(/must be named NNNN_lower_snake_case/);
  });

  it.runIf(backend === 'postgresql')('applies each migration once when several runners start at the same moment', async () => {
    // Each runner holds its own connection, as separate broker processes would; the
    // slow migration makes them overlap, and the counter proves it ran once.
    writeMigration('0003_slow', "CREATE TABLE runs (n integer);\nSELECT pg_sleep(0.4);\nINSERT INTO runs VALUES (1);");
    const url = testDb.env.DATABASE_URL as string;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => withPgSession(url, (s) => migrate(s, loadMigrations(migrationsDir)))),
    );
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_first', '0002_second', '0003_slow']);
    const database = await open();
    const runs = await database.withSession((s) => s.query<{ n: number }>('SELECT count(*)::int AS n FROM runs'));
    expect(runs[0]?.n).toBe(1);
    expect(await appliedIds(database)).toEqual(['0001_first', '0002_second', '0003_slow']);
  });

  // PGlite is one connection inside one process: no second session can hold the lock there.
  it.runIf(backend === 'postgresql')('holds a starting broker before it migrates while an operator holds the documented lock', async () => {
    const { lock, unlock } = documentedLockStatements();
    const operator = new pg.Client({ connectionString: testDb.env.DATABASE_URL });
    await operator.connect();
    try {
      await operator.query(lock);
      const events: string[] = [];
      // The start-up path: openDatabase migrates on a connection of its own before it returns.
      const starting = openDatabase({ env: testDb.env, migrate: true, migrationsDir }).then(
        (opened) => {
          events.push('migrated');
          db = opened;
          return opened;
        },
        (error: unknown) => {
          events.push('failed');
          throw error;
        },
      );
      // Until the broker's migration connection waits behind the operator, or the start is over
      // (which, before the key was exact, it was: the documented lock did not hold it).
      for (;;) {
        const { rows } = await operator.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'cmk-broker-migrate' AND wait_event = 'advisory' AND pg_backend_pid() = ANY(pg_blocking_pids(pid))",
        );
        if ((rows[0]?.n ?? 0) > 0 || events.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const { rows } = await operator.query<{ t: string | null }>(`SELECT to_regclass('${MIGRATIONS_TABLE}')::text AS t`);
      expect(rows[0]?.t ?? null).toBeNull();
      events.push('operator released');
      await operator.query(unlock);
      const database = await starting;
      expect(events).toEqual(['operator released', 'migrated']);
      expect(database.migration).toEqual({ applied: ['0001_first', '0002_second'], alreadyApplied: 0 });
    } finally {
      await operator.end();
    }
  });
});
