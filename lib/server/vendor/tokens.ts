import 'server-only';
// Vendor API tokens: operators make them (shown once, stored as SHA-256),
// list and revoke them; requireVendorToken is the bearer check behind the
// 'vendor-read' and 'vendor-write' auth modes of defineRoute. A session
// cookie is no credential for the vendor API: only the token is.
import { randomBytes } from 'node:crypto';
import { API_TOKEN_PATTERN, MAX_TOKEN_DAYS, type TApiTokenRow, type TApiTokenScope, type TCreateApiToken, type TCreatedApiToken } from '@/lib/schemas/api-tokens';
import { wrongCredential } from '@/lib/server/api/bearer-failures';
import type { CurrentUser } from '@/lib/server/authz';
import { operatorActor, recordAudit, SYSTEM_ACTOR, type AuditOptions } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import { apiTokenExists, findLiveApiToken, insertApiToken, listApiTokenRecords, revokeApiTokenRecord, touchApiToken, type ApiTokenRecord } from '@/lib/server/dal/api-tokens';
import { AppError } from '@/lib/server/errors';
import { hashToken, newId } from '@/lib/server/ids';

/** Last-used times are written at most this often, so a busy integration does not turn every call into a write. */
const TOUCH_EVERY_MS = 60_000;
const DAY_MS = 86_400_000;

export type VendorPrincipal = {
  tokenId: string;
  scope: TApiTokenScope;
  /** The operator who made the token: the vendor API acts in their name (invitations, audit). */
  operator: CurrentUser;
};

const newApiToken = () => `cmkv_${randomBytes(32).toString('base64url')}`;

function toRow(t: ApiTokenRecord, now = new Date()): TApiTokenRow {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope === 'write' ? 'write' : 'read',
    createdAt: t.createdAt.toISOString(),
    createdBy: t.createdBy?.email ?? null,
    expiresAt: t.expiresAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    state: t.revokedAt ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active',
  };
}

export async function createApiToken(operator: CurrentUser, input: TCreateApiToken, audit?: AuditOptions): Promise<TCreatedApiToken> {
  const now = Date.now();
  const expiresAt = new Date(input.expiresAt);
  if (expiresAt.getTime() <= now) throw new AppError('validation_failed', { fields: [{ path: 'body.expiresAt', message: 'Choose an expiry in the future.' }] });
  // A day of slack, so "one year" picked in any time zone is accepted.
  if (expiresAt.getTime() > now + (MAX_TOKEN_DAYS + 1) * DAY_MS) {
    throw new AppError('validation_failed', { fields: [{ path: 'body.expiresAt', message: `A token may live at most ${MAX_TOKEN_DAYS} days.` }] });
  }
  const token = newApiToken();
  const record = await (await getPrisma()).$transaction(async (tx) => {
    const created = await insertApiToken(tx, { id: newId('vat'), name: input.name, scope: input.scope, tokenHash: hashToken(token), createdById: operator.id, expiresAt });
    await recordAudit(tx, { actor: audit?.actor ?? operatorActor(operator), action: 'api_token.create', ...tokenEvent(created), context: audit?.context });
    return created;
  });
  return { apiToken: toRow(record), token };
}

export async function listApiTokens(): Promise<TApiTokenRow[]> {
  const now = new Date();
  return (await listApiTokenRecords(await getPrisma())).map((t) => toRow(t, now));
}

/** Revocation takes effect on the token's very next request. Revoking twice is a no-op. */
export async function revokeApiToken(id: string, audit?: AuditOptions): Promise<{ revoked: true }> {
  await (await getPrisma()).$transaction(async (tx) => {
    if (await revokeApiTokenRecord(tx, id, new Date())) {
      const revoked = await tx.vendorApiToken.findUniqueOrThrow({ where: { id }, select: { id: true, scope: true, expiresAt: true } });
      await recordAudit(tx, { actor: audit?.actor ?? SYSTEM_ACTOR, action: 'api_token.revoke', ...tokenEvent(revoked), context: audit?.context });
    } else if (!(await apiTokenExists(tx, id))) throw new AppError('not_found');
  });
  return { revoked: true };
}

/** Which token, its scope and expiry — never the token or its hash. */
function tokenEvent(t: { id: string; scope: string; expiresAt: Date }) {
  return { target: { type: 'api_token', id: t.id }, details: { id: t.id, scope: t.scope, expiresAt: t.expiresAt.toISOString() } };
}

export function vendorTokenFrom(headers: Headers): string | null {
  const match = /^Bearer ([^\s]+)$/.exec(headers.get('authorization') ?? '');
  return match?.[1] && API_TOKEN_PATTERN.test(match[1]) ? match[1] : null;
}

/**
 * The token behind `Authorization: Bearer cmkv_…`: 401 when missing, unknown,
 * expired or revoked (one answer for all four), 403 when a read token calls a
 * write route.
 */
export async function requireVendorToken(request: Request, needed: TApiTokenScope): Promise<VendorPrincipal> {
  const token = vendorTokenFrom(request.headers);
  if (!token) throw new AppError('unauthenticated', { message: 'Send a vendor API token as "Authorization: Bearer cmkv_…".' });
  const db = await getPrisma();
  const now = new Date();
  const found = await findLiveApiToken(db, hashToken(token), now);
  if (!found) throw wrongCredential(request, 'vendor', new AppError('unauthenticated', { message: 'This API token is not valid: unknown, expired or revoked.' }));
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_EVERY_MS) await touchApiToken(db, found.id, now);
  const scope: TApiTokenScope = found.scope === 'write' ? 'write' : 'read';
  if (needed === 'write' && scope !== 'write') throw new AppError('forbidden', { message: 'This API token may only read; this call needs a token with the write scope.' });
  const user = found.createdBy;
  return {
    tokenId: found.id,
    scope,
    operator: { id: user.id, email: user.email, isOperator: true, adminKeyKid: user.adminKeyKid, totpEnabled: user.totpEnabledAt !== null, sessionId: `token:${found.id}` },
  };
}
