// The real start command against each backend: it migrates, serves /api/ready,
// and refuses to start on a locked PGlite directory, an edited migration or a
// bad environment. On PostgreSQL, two brokers starting at once share the work.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@/lib/server/db';
import { MIGRATIONS_TABLE } from '@/lib/server/database/migrate';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: 'integration-test-auth-secret-0123456789abcdef', BROKER_KEY_ENCRYPTION_KEY: 'C'.repeat(43) };

let testDb: TestDatabase;
const running: ServerProcess[] = [];

function brokerEnv(): Record<string, string | undefined> {
  return { ...testDb.env, DATABASE_POOL_MAX: '5', DATA_DIR: testDb.dir, DATABASE_URL: testDb.env.DATABASE_URL ?? '', ...SECRETS };
}

async function start(env = brokerEnv()): Promise<ServerProcess> {
  const result = await startBroker(env);
  if (!result.ok) throw new Error(`broker exited with ${result.code}:\n${result.output}`);
  running.push(result.server);
  return result.server;
}

beforeEach(async () => {
  testDb = await createTestDatabase();
});

afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  await testDb.drop();
});

describe(`the broker process on ${backend}`, () => {
  it('migrates at start and reports ready', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/api/ready`);
    expect(response.status).toBe(200);
    // Probes get the answer only; the database and migrations are for operators (lib/server/readiness.ts).
    expect(await response.json()).toEqual({ status: 'ready' });
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(server.output()).toContain('applied migration 0001_environments');
  });

  it('stops cleanly on SIGTERM, releasing the database', async () => {
    const server = await start();
    expect(await server.stop()).toBe(0);
    // The same database opens again at once (on PGlite: the lock was released).
    await start();
  });

  it('refuses to start when an applied migration was changed', async () => {
    const db = await openDatabase({ env: testDb.env, migrate: true });
    await db.withSession((s) => s.query(`UPDATE ${MIGRATIONS_TABLE} SET checksum = repeat('0', 64) WHERE id = '0001_environments'`));
    await db.close();
    const result = await startBroker(brokerEnv());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(1);
    expect(result.output).toContain('The broker cannot start.');
    expect(result.output).toMatch(/Migration 0001_environments was changed after it was applied/);
  });

  it('refuses to start with a bad environment, naming the variable', async () => {
    const result = await startBroker({ ...brokerEnv(), PORT: 'eighty' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(1);
    expect(result.output).toContain('PORT: expected an integer from 1 to 65535 (got "eighty")');
  });

  it.runIf(backend === 'pglite')('a second process on the same PGlite directory fails at once with a clear message', async () => {
    const first = await start();
    const started = Date.now();
    const second = await startBroker(brokerEnv());
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.code).toBe(1);
    expect(second.output).toMatch(new RegExp(`is in use by process ${first.child.pid} `));
    expect(second.output).toContain('Only one process may open a PGlite directory');
    expect(Date.now() - started).toBeLessThan(30_000);
    // The first broker is unharmed.
    expect((await fetch(`${first.url}/api/ready`)).status).toBe(200);
  });

  it.runIf(backend === 'postgresql')('two brokers starting at once on one PostgreSQL apply each migration once', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    for (const server of [a, b]) expect((await fetch(`${server.url}/api/ready`)).status).toBe(200);
    const db = await openDatabase({ env: testDb.env });
    const rows = await db.withSession((s) => s.query<{ id: string; n: number }>(`SELECT id, count(*)::int AS n FROM ${MIGRATIONS_TABLE} GROUP BY id`));
    await db.close();
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const applied = [a, b].map((s) => (s.output().match(/applied migration/g) ?? []).length);
    expect(applied.sort()).toEqual([0, rows.length]);
  });

  it.runIf(backend === 'postgresql')('requires explicit secrets in production on PostgreSQL', async () => {
    const result = await startBroker({ ...brokerEnv(), AUTH_SECRET: '', BROKER_KEY_ENCRYPTION_KEY: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.output).toContain('AUTH_SECRET: required when NODE_ENV=production with DATABASE_URL');
  });
});
