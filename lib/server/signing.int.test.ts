// Broker signing keys on each backend: created on first use with the private
// half only encrypted at rest; rotation (here and through `npm run
// keys:rotate`) publishes the new key, announces it with a statement signed by
// the old one that a proxy can follow from its pin, signs with the new key,
// and keeps the old key published only until its bundles have expired.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followKeyRotations, verifyKeyRotation } from '@/lib/crypto/key-rotation';
import { closeDatabase, initDatabase, type Database } from '@/lib/server/db';
import { listPublishedSigningKeys } from '@/lib/server/dal/signing-keys';
import { getActiveSigningKey, keyRotationStatements, publishedJwks, RETIRE_AFTER_MS, rotateSigningKey } from '@/lib/server/signing';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const SECRETS = { AUTH_SECRET: randomBytes(32).toString('base64url'), BROKER_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
Object.assign(process.env, SECRETS);

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await initDatabase({ env: testDb.env, migrate: true });
});

afterAll(async () => {
  await closeDatabase();
  await testDb.drop();
});

describe(`broker signing keys on ${backend}`, () => {
  let first: JWK;

  it('creates one key on first use and stores its private half only encrypted', async () => {
    const [a, b] = await Promise.all([getActiveSigningKey(), getActiveSigningKey()]);
    expect(a.kid).toBe(b.kid);
    const jwks = await publishedJwks();
    expect(jwks.keys).toHaveLength(1);
    first = jwks.keys[0] as JWK;
    expect(first).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: a.kid });
    expect(first.d).toBeUndefined();
    const row = await db.prisma.brokerSigningKey.findUniqueOrThrow({ where: { kid: a.kid } });
    expect(row.privateSealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toMatch(/"d"/);
  });

  it('rotates: publishes both keys, announces the new one with a statement the old key signed, signs with the new one', async () => {
    const before = await getActiveSigningKey();
    const result = await rotateSigningKey();
    expect(result.previousKid).toBe(before.kid);
    const after = await getActiveSigningKey();
    expect(after.kid).toBe(result.nextKid);
    const jwks = await publishedJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([result.nextKid, result.previousKid]);
    const { rotations } = await keyRotationStatements();
    expect(rotations).toHaveLength(1);
    const statement = await verifyKeyRotation(rotations[0] as string, first, { subject: 'broker' });
    expect(statement.next.kid).toBe(result.nextKid);
    const chain = await followKeyRotations(first, rotations, 'broker');
    expect(chain.map((k) => k.kid)).toEqual([result.previousKid, result.nextKid]);
    // Only after every bundle the old key may have signed has expired does it leave the set.
    const later = new Date(Date.now() + RETIRE_AFTER_MS + 1000);
    expect((await listPublishedSigningKeys(db.prisma, later)).map((k) => k.kid)).toEqual([result.nextKid]);
    expect(result.previousRetiresAfter.getTime() - Date.now()).toBeGreaterThan(600_000);
  });

  it('rotates from the command line (npm run keys:rotate) and the chain still follows from the first pin', async () => {
    await closeDatabase();
    const out = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/keys-rotate.ts'], {
      env: { ...process.env, ...SECRETS, DATABASE_URL: testDb.env.DATABASE_URL ?? '', PGLITE_DIR: testDb.env.PGLITE_DIR, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/Broker signing key rotated/);
    await initDatabase({ env: testDb.env });
    const { rotations } = await keyRotationStatements();
    expect(rotations).toHaveLength(2);
    const chain = await followKeyRotations(first, rotations, 'broker');
    expect(chain).toHaveLength(3);
    expect((await publishedJwks()).keys).toHaveLength(3);
  });
});
