// Sessions and sign-in limits against a running broker: growing lockout per
// account and per IP with a plain message, pre-login rate limiting, and — on
// PostgreSQL, where the test can change rows while the broker runs — idle
// timeout, absolute lifetime and the session version, each ending a session
// on its very next request.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerClient, expectStatus, newAccount } from '@/lib/testing/api-client';
import { startBroker, type ServerProcess } from '@/lib/testing/server-process';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: 'sessions-test-auth-secret-0123456789abcdef', BROKER_KEY_ENCRYPTION_KEY: 'D'.repeat(43) };
const OPERATOR = { email: 'ops@sessions.example', passphrase: 'sessions test passphrase 7781' };

let testDb: TestDatabase;
let server: ServerProcess;

async function setupToken(): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const token = /one-time setup token:\s+(\S+)/.exec(server.output())?.[1];
    if (token) return token;
    if (Date.now() > deadline) throw new Error('no setup token');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function sql(text: string, params: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: testDb.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(text, params);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  // TRUST_PROXY lets each test come from its own client address (X-Forwarded-For), as behind a load balancer.
  const result = await startBroker({ ...testDb.env, DATABASE_POOL_MAX: '5', DATA_DIR: testDb.dir, DATABASE_URL: testDb.env.DATABASE_URL ?? '', SMTP_URL: '', TRUST_PROXY: 'true', ...SECRETS });
  if (!result.ok) throw new Error(result.output);
  server = result.server;
  const account = await newAccount(OPERATOR.email, OPERATOR.passphrase);
  expectStatus(await new BrokerClient(server.url).post('/api/v1/setup', { setupToken: await setupToken(), account: { email: OPERATOR.email, ...account.body } }), 201, 'setup');
});

afterAll(async () => {
  await server?.stop();
  await testDb?.drop();
});

describe(`sessions and sign-in limits on ${backend}`, () => {
  it.runIf(backend === 'postgresql')('ends a session that was idle too long, too old, or from before "sign out everywhere"', async () => {
    for (const change of [
      "UPDATE user_session SET last_seen_at = now() - interval '31 minutes' WHERE revoked_at IS NULL",
      "UPDATE user_session SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL",
      'UPDATE app_user SET session_version = session_version + 1',
    ]) {
      const client = new BrokerClient(server.url, { 'x-forwarded-for': '198.51.100.10' });
      expect((await client.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
      expect((await client.get('/api/v1/account')).status).toBe(200);
      await sql(change);
      const after = await client.get('/api/v1/account');
      expect({ change, status: after.status, code: after.problem?.code }).toEqual({ change, status: 401, code: 'unauthenticated' });
    }
  });

  it('rate-limits pre-login lookups per IP with a 429 and Retry-After', async () => {
    const client = new BrokerClient(server.url, { 'x-forwarded-for': '198.51.100.20' });
    const answers: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 32; i++) {
      const response = await client.post('/api/v1/auth/prelogin', { email: `probe${i}@sessions.example` });
      answers.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(answers.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(answers.slice(30)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('locks the account and the address after repeated failures, and says for how long', async () => {
    const client = new BrokerClient(server.url, { 'x-forwarded-for': '203.0.113.7' });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const outcome = await client.signIn(OPERATOR.email, `wrong passphrase number ${i}`);
      codes.push(outcome.ok ? 'ok' : outcome.code);
    }
    expect(codes).toEqual(Array(5).fill('invalid_credentials'));
    // Now even the right passphrase is refused for a while, with the wait in the answer.
    const locked = await client.signIn(OPERATOR.email, OPERATOR.passphrase);
    expect(locked.ok ? 'ok' : locked.code).toMatch(/^locked_(2\d|30)$/);
    // The address is locked too: another account from it is refused the same way…
    const sameAddress = await client.signIn('someone-else@sessions.example', 'whatever passphrase here');
    expect(sameAddress.ok ? 'ok' : sameAddress.code).toMatch(/^locked_\d+$/);
    // …and the account is locked from any address.
    const elsewhere = await new BrokerClient(server.url, { 'x-forwarded-for': '203.0.113.99' }).signIn(OPERATOR.email, OPERATOR.passphrase);
    expect(elsewhere.ok ? 'ok' : elsewhere.code).toMatch(/^locked_\d+$/);
  });
});
