// Test databases for integration tests. The backend is chosen per vitest
// project: TEST_DATABASE=pglite (a fresh temp directory per database) or
// TEST_DATABASE=postgresql (a fresh database in the cluster npm test starts,
// reached through TEST_PG_ADMIN_URL). Each test gets its own database.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type Backend = 'pglite' | 'postgresql';

export const backend: Backend = process.env.TEST_DATABASE === 'postgresql' ? 'postgresql' : 'pglite';

export type TestDatabase = {
  backend: Backend;
  /** Environment for openDatabase()/the server: DATABASE_URL or PGLITE_DIR. */
  env: { DATABASE_URL?: string; PGLITE_DIR: string; DATABASE_POOL_MAX: number };
  dir: string;
  drop(): Promise<void>;
};

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_DATABASE=postgresql needs TEST_PG_ADMIN_URL (npm test starts a cluster and sets it).');
  return url;
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cmk-test-'));
  if (backend === 'pglite') {
    return {
      backend,
      dir,
      env: { PGLITE_DIR: path.join(dir, 'pglite'), DATABASE_POOL_MAX: 5 },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    backend,
    dir,
    env: { DATABASE_URL: url.toString(), PGLITE_DIR: path.join(dir, 'unused'), DATABASE_POOL_MAX: 5 },
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
