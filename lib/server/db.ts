import 'server-only';
// The process's one database: PGlite in ./data/pglite when DATABASE_URL is
// unset (embedded mode), PostgreSQL through @prisma/adapter-pg otherwise.
// The handle lives on globalThis so the custom server and Next's route
// bundles share it — a second PGlite instance on one directory loses rows.
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { getEnv, type TEnv } from '@/lib/env';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { acquirePgliteLock, type PgliteLock } from '@/lib/server/database/pglite-lock';
import { getMigrationStatus, loadMigrations, migrate, type MigrateResult, type SqlSession } from '@/lib/server/database/migrate';
import { pgClientSession, pgliteSession, withPgSession } from '@/lib/server/database/sessions';
import { getLogger } from '@/lib/server/log';
import { registerUniqueIndexes, UNIQUE_INDEXES_SQL } from '@/lib/server/prisma-errors';

export type Database = {
  readonly kind: 'pglite' | 'postgresql';
  readonly prisma: PrismaClient;
  /** Runs `work` on one raw SQL session (for migrations and probes). */
  withSession<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** PGlite only: NOTIFYs on `channel`, delivered in this process when their transaction commits. */
  listen?(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

export type OpenOptions = {
  env?: Pick<TEnv, 'DATABASE_URL' | 'PGLITE_DIR' | 'DATABASE_POOL_MAX'> & Partial<Pick<TEnv, 'DATABASE_MIGRATION_URL'>>;
  /** Apply pending migrations before returning (the server does at start). */
  migrate?: boolean;
  migrationsDir?: string;
};

async function openPglite(dir: string): Promise<Database> {
  const lock: PgliteLock = acquirePgliteLock(dir);
  let pglite: PGlite;
  try {
    pglite = new PGlite(dir);
    await pglite.waitReady;
  } catch (error) {
    lock.release();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const session = pgliteSession(pglite);
  // PGlite is one connection; raw sessions queue behind Prisma's work on it.
  return {
    kind: 'pglite',
    prisma,
    withSession: (work) => work(session),
    listen: (channel, handler) => pglite.listen(channel, handler),
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pglite.close().catch(() => {});
      lock.release();
    },
  };
}

function openPostgres(url: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'cmk-broker' });
  // An idle client dropped by a PostgreSQL restart must not crash the process;
  // the next query reconnects and requests meanwhile get 503.
  pool.on('error', (error) => getLogger().warn({ err: error }, 'postgresql connection lost'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgresql',
    prisma,
    async withSession(work) {
      const client = await pool.connect();
      try {
        return await work(pgClientSession(client));
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect().catch(() => {});
      await pool.end().catch(() => {});
    },
  };
}

async function loadUniqueIndexes(db: Database): Promise<void> {
  const rows = await db.withSession((s) => s.query<{ name: string; columns: string[] | string }>(UNIQUE_INDEXES_SQL));
  const parse = (v: string[] | string) => (Array.isArray(v) ? v : v.replace(/^\{|\}$/g, '').split(','));
  registerUniqueIndexes(new Map(rows.map((r) => [r.name, parse(r.columns)])));
}

/** Opens a database (not the process-wide one; see initDatabase). */
export async function openDatabase(options: OpenOptions = {}): Promise<Database & { migration?: MigrateResult }> {
  if (process.env.NEXT_PHASE === 'phase-production-build') {
    // A page that touches the database at build time would be prerendered with stale data and
    // would take the PGlite lock from a running broker.
    throw new Error('The database must not be opened during `next build`; make the page dynamic.');
  }
  const env = options.env ?? getEnv();
  const migrations = options.migrate ? loadMigrations(options.migrationsDir) : undefined;
  if (env.DATABASE_URL) {
    let migration: MigrateResult | undefined;
    // Migrations hold a session-level advisory lock, so they get a connection of their own.
    // DATABASE_MIGRATION_URL lets the tables' owner migrate while the broker runs as a role that
    // owns nothing (it cannot switch off the audit trail's append-only triggers; docs/database.md).
    const migrationUrl = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
    if (migrations) migration = await withPgSession(migrationUrl, (s) => migrate(s, migrations, (m) => getLogger().info(m)));
    const db = openPostgres(env.DATABASE_URL, env.DATABASE_POOL_MAX);
    if (migrations) await loadUniqueIndexes(db);
    return { ...db, migration };
  }
  const db = await openPglite(env.PGLITE_DIR);
  if (!migrations) return db;
  try {
    const migration = await db.withSession((s) => migrate(s, migrations, (m) => getLogger().info(m)));
    await loadUniqueIndexes(db);
    return { ...db, migration };
  } catch (error) {
    await db.close();
    throw error;
  }
}

const DATABASE = Symbol.for('cmk-broker.database');
type GlobalWithDb = typeof globalThis & { [DATABASE]?: Promise<Database> };

/**
 * Opens the process-wide database once. The server calls it at start with
 * `migrate: true`; anything else reaching `getDatabase()` first opens it
 * without migrating (and /api/ready then reports what is pending).
 */
export function initDatabase(options: OpenOptions = {}): Promise<Database> {
  const g = globalThis as GlobalWithDb;
  if (!g[DATABASE]) {
    g[DATABASE] = openDatabase(options);
    g[DATABASE].catch(() => {
      delete g[DATABASE];
    });
  }
  return g[DATABASE];
}

export function getDatabase(): Promise<Database> {
  return initDatabase();
}

/** The Prisma client of the process-wide database. Use it from lib/server/dal/ only. */
export async function getPrisma(): Promise<PrismaClient> {
  return (await getDatabase()).prisma;
}

export async function closeDatabase(): Promise<void> {
  const g = globalThis as GlobalWithDb;
  const pending = g[DATABASE];
  delete g[DATABASE];
  if (pending) await (await pending.catch(() => undefined))?.close();
}

export type Readiness = {
  database: 'pglite' | 'postgresql';
  reachable: boolean;
  migrations: { applied: number; pending: string[] } | { error: string };
};

/** Database reachable and every migration this code knows applied. */
export async function checkReadiness(): Promise<Readiness> {
  const db = await getDatabase();
  return db.withSession(async (session) => {
    await session.query('SELECT 1 AS ok');
    try {
      const status = await getMigrationStatus(session);
      return { database: db.kind, reachable: true, migrations: { applied: status.applied.length, pending: status.pending } };
    } catch (error) {
      return { database: db.kind, reachable: true, migrations: { error: error instanceof Error ? error.message : 'unknown' } };
    }
  });
}

/**
 * For a transaction whose work grows with the number of tenants — a full
 * sync's status report (one row and one audit event per tenant, up to 20 000),
 * a deployment created in a large environment (one awaiting_approval event per
 * tenant): Prisma's default of 5 s expired on a busy PostgreSQL server (a CI
 * run measured 6.5 s for 10 000 tenants), and the proxy's report would then
 * fail on every retry.
 */
export const BULK_TRANSACTION = { timeout: 60_000, maxWait: 10_000 } as const;
