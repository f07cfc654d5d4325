// Invitations on a real database (PGlite and PostgreSQL): single use even
// under races, expiry and revocation, token renewal, and tokens stored only
// as SHA-256 hashes. One database per file (opening PGlite and migrating takes
// seconds); each test gets a tenant of its own.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZInvitationToken } from '@/lib/schemas/account';
import { openDatabase, type Database } from '@/lib/server/db';
import {
  consumeInvitation,
  createInvitation,
  findOpenInvitation,
  INVITATION_TTL_MS,
  listInvitations,
  renewInvitationToken,
  revokeInvitation,
} from '@/lib/server/dal/invitations';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const sha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

let testDb: TestDatabase;
let db: Database;
let tenantId: string;
let externalId: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ env: testDb.env, migrate: true });
  await db.prisma.environment.create({ data: { id: 'env_test', slug: 'prod-eu', displayName: 'Production EU' } });
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});
beforeEach(async () => {
  const suffix = randomBytes(6).toString('hex');
  externalId = `acme-${suffix}`;
  const tenant = await db.prisma.tenant.create({
    data: { id: `ten_${suffix}`, externalId, displayName: 'Acme', environmentId: 'env_test' },
    select: { id: true },
  });
  tenantId = tenant.id;
});

const inviteAdmin = (email = 'admin@acme.example') => createInvitation(db.prisma, { kind: 'tenant_admin', email, tenantId });
const inviteOperator = (email = 'op@vendor.example') => createInvitation(db.prisma, { kind: 'operator', email });
const expire = (id: string) => db.prisma.invitation.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1_000) } });

function expectAboutTtlFromNow(date: Date): void {
  const expected = Date.now() + INVITATION_TTL_MS;
  expect(Math.abs(date.getTime() - expected)).toBeLessThan(60_000);
}

describe(`invitations on ${backend}`, () => {
  it('creates an open invitation that its token finds, with its tenant', async () => {
    const { id, token } = await inviteAdmin();
    expect(ZInvitationToken.safeParse(token).success).toBe(true);
    expect(await findOpenInvitation(db.prisma, token)).toEqual({
      id,
      kind: 'tenant_admin',
      email: 'admin@acme.example',
      tenant: { id: tenantId, externalId, displayName: 'Acme', encKid: null, status: 'invited' },
    });
    const row = await db.prisma.invitation.findUniqueOrThrow({ where: { id } });
    expectAboutTtlFromNow(row.expiresAt);
    expect(INVITATION_TTL_MS).toBe(7 * 24 * 3600_000);
    expect(row.sendCount).toBe(1);
  });

  it('finds an operator invitation, which has no tenant', async () => {
    const { id, token } = await inviteOperator();
    expect(await findOpenInvitation(db.prisma, token)).toEqual({ id, kind: 'operator', email: 'op@vendor.example', tenant: null });
  });

  it('finds nothing for an unknown token, or another invitation’s token', async () => {
    const a = await inviteAdmin('a@acme.example');
    const b = await inviteAdmin('b@acme.example');
    expect(a.token).not.toBe(b.token);
    expect(await findOpenInvitation(db.prisma, 'x'.repeat(43))).toBeNull();
    expect((await findOpenInvitation(db.prisma, b.token))?.id).toBe(b.id);
  });

  it('can be used once', async () => {
    const { id, token } = await inviteAdmin();
    expect(await consumeInvitation(db.prisma, id)).toBe(true);
    expect(await consumeInvitation(db.prisma, id)).toBe(false);
    expect(await findOpenInvitation(db.prisma, token)).toBeNull();
    expect((await db.prisma.invitation.findUniqueOrThrow({ where: { id } })).acceptedAt).toBeInstanceOf(Date);
  });

  it('can be used once even when two accept at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const { id } = await inviteAdmin(`race${round}@acme.example`);
      const results = await Promise.all([consumeInvitation(db.prisma, id), consumeInvitation(db.prisma, id)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('does not find or accept an expired invitation', async () => {
    const { id, token } = await inviteAdmin();
    await expire(id);
    expect(await findOpenInvitation(db.prisma, token)).toBeNull();
    expect(await consumeInvitation(db.prisma, id)).toBe(false);
  });

  it('does not find or accept a revoked invitation; revoking twice reports nothing to revoke', async () => {
    const { id, token } = await inviteAdmin();
    expect(await revokeInvitation(db.prisma, id, { tenantId })).toBe(true);
    expect(await findOpenInvitation(db.prisma, token)).toBeNull();
    expect(await consumeInvitation(db.prisma, id)).toBe(false);
    expect(await revokeInvitation(db.prisma, id, { tenantId })).toBe(false);
    expect(await renewInvitationToken(db.prisma, id, { tenantId })).toBeNull();
  });

  it('revokes only within its scope', async () => {
    const { id, token } = await inviteAdmin();
    expect(await revokeInvitation(db.prisma, id, { tenantId: 'ten_other' })).toBe(false);
    expect(await revokeInvitation(db.prisma, id, { kind: 'operator' })).toBe(false);
    expect(await findOpenInvitation(db.prisma, token)).not.toBeNull();
  });

  it('renewing issues a new token, stops the old one and restarts the expiry', async () => {
    const { id, token: oldToken } = await inviteAdmin();
    await expire(id);
    const renewed = await renewInvitationToken(db.prisma, id, { tenantId });
    expect(renewed).not.toBeNull();
    const { token, email } = renewed!;
    expect(email).toBe('admin@acme.example');
    expect(token).not.toBe(oldToken);
    expect(ZInvitationToken.safeParse(token).success).toBe(true);
    expect(await findOpenInvitation(db.prisma, oldToken)).toBeNull();
    expect((await findOpenInvitation(db.prisma, token))?.id).toBe(id);
    const row = await db.prisma.invitation.findUniqueOrThrow({ where: { id } });
    expectAboutTtlFromNow(row.expiresAt);
    expect(row.sendCount).toBe(2);
    expect(await consumeInvitation(db.prisma, id)).toBe(true);
  });

  it('renews only within its scope, and never a used invitation', async () => {
    const admin = await inviteAdmin();
    expect(await renewInvitationToken(db.prisma, admin.id, { tenantId: 'ten_other' })).toBeNull();
    expect(await renewInvitationToken(db.prisma, admin.id, { kind: 'operator' })).toBeNull();
    expect((await findOpenInvitation(db.prisma, admin.token))?.id).toBe(admin.id);

    const operator = await inviteOperator();
    expect(await renewInvitationToken(db.prisma, operator.id, { tenantId })).toBeNull();
    const renewed = await renewInvitationToken(db.prisma, operator.id, { tenantId: null, kind: 'operator' });
    expect(renewed?.email).toBe('op@vendor.example');

    await consumeInvitation(db.prisma, admin.id);
    expect(await renewInvitationToken(db.prisma, admin.id, { tenantId })).toBeNull();
    expect(await renewInvitationToken(db.prisma, 'inv_doesnotexist00', {})).toBeNull();
  });

  it('stores tokens only as SHA-256 hashes, never in clear', async () => {
    const { id, token } = await inviteAdmin();
    const renewed = await renewInvitationToken(db.prisma, id, { tenantId });
    const operator = await inviteOperator();
    const everything = JSON.stringify(await db.prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM invitation`);
    const rows = await db.prisma.$queryRaw<Record<string, unknown>[]>`SELECT * FROM invitation WHERE id IN (${id}, ${operator.id})`;
    expect(rows).toHaveLength(2);
    for (const raw of [token, renewed!.token, operator.token]) expect(everything).not.toContain(raw);
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(id)?.token_hash).toBe(sha256(renewed!.token));
    expect(byId.get(operator.id)?.token_hash).toBe(sha256(operator.token));
  });

  it('lists a tenant’s invitations, newest first, without token hashes', async () => {
    const first = await inviteAdmin('a@acme.example');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await inviteAdmin('b@acme.example');
    await inviteOperator();
    const listed = await listInvitations(db.prisma, { tenantId });
    expect(listed.map((i) => i.id)).toEqual([second.id, first.id]);
    expect(listed[0]).not.toHaveProperty('tokenHash');
  });
});
