import 'server-only';
// SqlSession adapters over the two drivers, for the migration runner and the
// readiness probe (both need plain SQL on one session, not Prisma).
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { SqlSession } from './migrate';

export function pgliteSession(db: PGlite): SqlSession {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
  };
}

export function pgClientSession(client: pg.ClientBase): SqlSession {
  return {
    async exec(sql) {
      await client.query(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query<T>(sql, params)).rows;
    },
  };
}

/** Opens a dedicated connection, runs `work` on it, and always closes it. */
export async function withPgSession<T>(connectionString: string, work: (session: SqlSession) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, application_name: 'cmk-broker-migrate' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(pgClientSession(client));
  } finally {
    await client.end().catch(() => {});
  }
}
