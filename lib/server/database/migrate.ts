import 'server-only';
// The migration runner. Prisma's migrate CLI needs a native engine we cannot
// install, so migrations are plain SQL files, prisma/migrations/NNNN_name/
// migration.sql, applied here: in order, one transaction each, recorded with a
// SHA-256 checksum. It refuses to go on when an applied file was edited or
// removed, or when a new file sorts before an applied one. A session-level
// advisory lock makes concurrent starts on one PostgreSQL apply each file once,
// and lets an operator hold migrations off (docs/database.md).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One database session: the runner's statements must share it (the lock is per session). */
export type SqlSession = {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
};

export type Migration = { id: string; sql: string; checksum: string };

export type MigrationStatus = {
  applied: string[];
  pending: string[];
};

export class MigrationError extends Error {
  readonly code: 'migration_changed' | 'migration_missing' | 'migration_out_of_order' | 'migration_failed' | 'migration_invalid';
  constructor(code: MigrationError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
    this.code = code;
  }
}

export const MIGRATIONS_TABLE = '_broker_migrations';
/**
 * The migrations lock is named, as the broker's other advisory locks are: PostgreSQL
 * computes the key from the name, so every broker and an operator's psql session take
 * the same lock. (The numeric key this replaced was above 2^53: JavaScript rounded it on
 * its way to the driver, so the number in the source was not the one PostgreSQL locked.)
 * docs/database.md shows these statements verbatim; migrate.test.ts keeps them in step.
 */
export const MIGRATION_LOCK_SQL = "SELECT pg_advisory_lock(hashtext('cmk-broker:migrations'))";
export const MIGRATION_UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('cmk-broker:migrations'))";
const MIGRATION_ID = /^\d{4}_[a-z0-9_]+$/;

export function defaultMigrationsDir(): string {
  return path.join(/*turbopackIgnore: true*/ process.cwd(), 'prisma', 'migrations');
}

/** Line endings are normalised so a checkout with CRLF does not look "changed". */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Reads every migration folder in order; a malformed folder name is an error, not skipped. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  if (!existsSync(/*turbopackIgnore: true*/ dir)) throw new MigrationError('migration_invalid', `No migrations folder at ${dir}.`);
  const ids = readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return ids.map((id) => {
    if (!MIGRATION_ID.test(id)) {
      throw new MigrationError('migration_invalid', `Migration folder "${id}" must be named NNNN_lower_snake_case.`);
    }
    const file = path.join(dir, id, 'migration.sql');
    if (!existsSync(/*turbopackIgnore: true*/ file)) throw new MigrationError('migration_invalid', `Migration ${id} has no migration.sql.`);
    const sql = readFileSync(/*turbopackIgnore: true*/ file, 'utf8');
    // The runner owns the transaction; a COMMIT inside the file would split it.
    if (/^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END)\s*;/im.test(sql)) {
      throw new MigrationError('migration_invalid', `Migration ${id} must not contain BEGIN/COMMIT/ROLLBACK; the runner wraps each file in a transaction.`);
    }
    return { id, sql, checksum: checksumOf(sql) };
  });
}

async function ensureTable(db: SqlSession): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    id text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz(3) NOT NULL DEFAULT now(),
    execution_ms integer NOT NULL
  )`);
}

async function readApplied(db: SqlSession): Promise<Map<string, string>> {
  const rows = await db.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${MIGRATIONS_TABLE} ORDER BY id`);
  return new Map(rows.map((row) => [row.id, row.checksum]));
}

/** Compares what the database recorded with the files; throws on any disagreement. */
function plan(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  const known = new Map(migrations.map((m) => [m.id, m]));
  for (const [id, checksum] of applied) {
    const migration = known.get(id);
    if (!migration) {
      throw new MigrationError(
        'migration_missing',
        `The database has migration ${id}, which this version of the broker does not have. ` +
          'Is an older broker running against a newer database? Refusing to start.',
      );
    }
    if (migration.checksum !== checksum) {
      throw new MigrationError(
        'migration_changed',
        `Migration ${id} was changed after it was applied (recorded checksum ${checksum.slice(0, 12)}…, file now ${migration.checksum.slice(0, 12)}…). ` +
          'Applied migrations must never be edited: restore the file and put the change in a new migration. Refusing to start.',
      );
    }
  }
  const pending = migrations.filter((m) => !applied.has(m.id));
  const lastApplied = [...applied.keys()].sort().at(-1);
  const early = lastApplied ? pending.find((m) => m.id < lastApplied) : undefined;
  if (early) {
    throw new MigrationError(
      'migration_out_of_order',
      `Migration ${early.id} sorts before the already applied ${lastApplied}; give it a higher number. Refusing to start.`,
    );
  }
  return pending;
}

/** What is applied and what is pending, without changing anything (used by /api/ready). */
export async function getMigrationStatus(db: SqlSession, migrations: Migration[] = loadMigrations()): Promise<MigrationStatus> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('${MIGRATIONS_TABLE}') IS NOT NULL AS present`);
  const applied = exists[0]?.present ? await readApplied(db) : new Map<string, string>();
  const pending = plan(applied, migrations);
  return { applied: [...applied.keys()], pending: pending.map((m) => m.id) };
}

export type MigrateResult = { applied: string[]; alreadyApplied: number };

/** Applies every pending migration. Safe to re-run and to run from several processes at once. */
export async function migrate(
  db: SqlSession,
  migrations: Migration[] = loadMigrations(),
  log: (message: string) => void = () => {},
): Promise<MigrateResult> {
  await db.query(MIGRATION_LOCK_SQL);
  try {
    await ensureTable(db);
    const applied = await readApplied(db);
    const pending = plan(applied, migrations);
    for (const migration of pending) {
      const started = performance.now();
      await db.exec('BEGIN');
      try {
        await db.exec(migration.sql);
        await db.query(`INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, execution_ms) VALUES ($1, $2, $3)`, [
          migration.id,
          migration.checksum,
          Math.round(performance.now() - started),
        ]);
        await db.exec('COMMIT');
      } catch (error) {
        await db.exec('ROLLBACK').catch(() => {});
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError('migration_failed', `Migration ${migration.id} failed and was rolled back: ${reason}`, { cause: error });
      }
      log(`applied migration ${migration.id}`);
    }
    return { applied: pending.map((m) => m.id), alreadyApplied: applied.size };
  } finally {
    await db.query(MIGRATION_UNLOCK_SQL).catch(() => {});
  }
}
