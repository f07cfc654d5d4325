import 'server-only';
// Writing an audit event (docs/audit.md). recordAudit runs inside the
// caller's transaction, so the event commits or rolls back with the change it
// describes. It takes a transaction-scoped advisory lock, which makes the
// vendor chain linear across broker instances; call it as the LAST statement
// of the transaction: the lock is then held only until commit, and a
// transaction holding it never waits for another lock (no deadlocks).
//
// Details are for ids, kinds and counts. Anything whose key looks like a
// secret is refused with an exception rather than dropped, so a careless
// caller fails its tests instead of quietly leaking or losing information.
import type { Prisma } from '@/lib/generated/prisma/client';
import { findTenantHeads, findVendorHead, insertAuditEvents, lockAuditChain, type AuditEventRow } from '@/lib/server/dal/audit';
import { newId } from '@/lib/server/ids';
import { isAuditAction, type AuditAction } from '@/lib/schemas/audit';
import { clientIp, userAgent } from '@/lib/server/request-meta';
import { requestIdFrom } from '@/lib/server/request-id';
import { canonicalJson, eventHash, type TAuditHashedFields, type TJsonValue } from './canonical';

export type AuditActorType = 'user' | 'operator' | 'deployment' | 'system' | 'vendor_token';
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Where a request came from; functions without a request leave it out. */
export type AuditContext = { ip?: string | null; userAgent?: string | null; requestId?: string | null };

export type AuditActor = { type: AuditActorType; id?: string | null; label?: string | null };

/** What a service function that records events may be given: the request's context, and who acts when its own argument does not say. */
export type AuditOptions = { context?: AuditContext; actor?: AuditActor };

export const userActor = (user: { id: string; email: string }): AuditActor => ({ type: 'user', id: user.id, label: user.email });
export const operatorActor = (user: { id: string; email: string }): AuditActor => ({ type: 'operator', id: user.id, label: user.email });
/** The vendor API acts with a token made by an operator: the token is the actor, its maker the label. */
export const vendorTokenActor = (vendor: { tokenId: string; operator: { email: string } }): AuditActor => ({ type: 'vendor_token', id: vendor.tokenId, label: vendor.operator.email });
/** An operator's request in a route handler: the operator acts, with the request's context. */
export function operatorAudit(ctx: { user: { id: string; email: string }; request: { headers: Headers }; requestId: string }): AuditOptions {
  return { actor: operatorActor(ctx.user), context: auditContext(ctx.request, ctx.requestId) };
}

/** Who acted when a caller (a test, a script) gave no actor. */
export const SYSTEM_ACTOR: AuditActor = { type: 'system' };

export type AuditEventInput = {
  actor: AuditActor;
  action: AuditAction;
  tenantExternalId?: string | null;
  target?: { type: string; id: string } | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown>;
  context?: AuditContext;
  at?: Date;
};

export const USER_AGENT_MAX = 300;
const DETAILS_MAX_BYTES = 4096;
const ACTION = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/;

// Normalised keys (lower case, letters and digits only) that are secret on their own …
const SECRET_KEYS = new Set(['d', 'settings', 'jwe']);
// … and parts that make any key secret (clientSecret, newPassword, accessToken, apiKeyHash …).
const SECRET_PARTS = ['password', 'passphrase', 'secret', 'token', 'apikey', 'privatejwk', 'privatekey', 'authkey'];
// Values that are credentials whatever their key: proxy API keys, vendor API tokens.
const SECRET_VALUE = /^(cmkp|cmkv)_/;

export class AuditSecretError extends Error {
  constructor(path: string) {
    super(`Audit details must not carry secrets: refused "${path}".`);
    this.name = 'AuditSecretError';
  }
}

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEYS.has(k) || SECRET_PARTS.some((p) => k.includes(p));
}

/** Throws on a secret-looking key or value anywhere in the details; returns them as canonical-safe JSON. */
export function sanitizeDetails(details: Record<string, unknown> | undefined): TJsonValue {
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (SECRET_VALUE.test(value)) throw new AuditSecretError(path);
      // PostgreSQL's jsonb cannot store U+0000; refuse it rather than fail at insert.
      if (value.includes('\u0000')) throw new TypeError(`Audit details: NUL character at "${path}".`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}.${i}`));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (isSecretKey(k)) throw new AuditSecretError(path ? `${path}.${k}` : k);
        walk(v, path ? `${path}.${k}` : k);
      }
    } else if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
      throw new TypeError(`Audit details: integer beyond 2^53 at "${path}".`);
    }
  };
  const value = details ?? {};
  walk(value, '');
  const encoded = canonicalJson(value);
  if (Buffer.byteLength(encoded, 'utf8') > DETAILS_MAX_BYTES) throw new TypeError(`Audit details are larger than ${DETAILS_MAX_BYTES} bytes.`);
  return JSON.parse(encoded) as TJsonValue;
}

/** The request's client address, user agent and request id, as the custom server recorded them (route handlers pass their own request id). */
export function auditContext(request: { headers: Headers }, requestId: string = requestIdFrom(request.headers)): AuditContext {
  return { ip: clientIp(request.headers), userAgent: userAgent(request.headers) ?? null, requestId };
}

/** Appends one event to the vendor chain (and to its tenant's chain). Call it last, inside the change's transaction. */
export async function recordAudit(tx: Prisma.TransactionClient, input: AuditEventInput): Promise<{ id: string; vendorSeq: number; hash: string }> {
  const [event] = await recordAuditBatch(tx, [input]);
  return event!;
}

function checkAction(action: string): void {
  if (!ACTION.test(action) || !isAuditAction(action)) throw new TypeError(`Audit action "${action}" is not in the catalogue (lib/schemas/audit.ts).`);
}

/**
 * Appends the events in order, in one lock, three reads at most and one
 * insert, so a report touching 10 000 tenants costs about as much as one
 * event. An empty list does nothing (and takes no lock). Call it last,
 * inside the change's transaction.
 */
export async function recordAuditBatch(tx: Prisma.TransactionClient, inputs: AuditEventInput[]): Promise<{ id: string; vendorSeq: number; hash: string }[]> {
  if (!inputs.length) return [];
  for (const input of inputs) checkAction(input.action);
  const detailsList = inputs.map((input) => sanitizeDetails(input.details));
  await lockAuditChain(tx);
  const vendorHead = await findVendorHead(tx);
  const tenantIds = [...new Set(inputs.map((i) => i.tenantExternalId).filter((t): t is string => !!t))];
  const tenantHeads = new Map([...(await findTenantHeads(tx, tenantIds))].map(([ext, head]) => [ext, { seq: head.tenantSeq, hash: head.tenantHash }]));
  let vendor = { seq: vendorHead?.vendorSeq ?? 0, hash: vendorHead?.hash ?? null };
  const now = new Date();
  const rows: AuditEventRow[] = inputs.map((input, i) => {
    const tenantExternalId = input.tenantExternalId ?? null;
    const tenant = tenantExternalId ? (tenantHeads.get(tenantExternalId) ?? { seq: 0, hash: null }) : null;
    const at = new Date((input.at ?? now).getTime());
    const details = detailsList[i]!;
    const fields: TAuditHashedFields = {
      id: newId('aud'),
      vendorSeq: vendor.seq + 1,
      tenantExternalId,
      tenantSeq: tenant ? tenant.seq + 1 : null,
      actorType: input.actor.type,
      actorId: input.actor.id ?? null,
      actorLabel: input.actor.label ?? null,
      action: input.action,
      targetType: input.target?.type ?? null,
      targetId: input.target?.id ?? null,
      outcome: input.outcome ?? 'success',
      ip: input.context?.ip ?? null,
      userAgent: input.context?.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      requestId: input.context?.requestId ?? null,
      at: at.toISOString(),
      details,
    };
    const hash = eventHash(vendor.hash, fields);
    const row: AuditEventRow = { ...fields, at, details: canonicalJson(details), prevHash: vendor.hash, hash, tenantPrevHash: null, tenantHash: null };
    vendor = { seq: fields.vendorSeq, hash };
    if (tenant && tenantExternalId) {
      row.tenantPrevHash = tenant.hash;
      row.tenantHash = eventHash(tenant.hash, fields);
      tenantHeads.set(tenantExternalId, { seq: fields.tenantSeq!, hash: row.tenantHash });
    }
    return row;
  });
  await insertAuditEvents(tx, rows);
  return rows.map((r) => ({ id: r.id, vendorSeq: r.vendorSeq, hash: r.hash }));
}

type AccountSubject = { id: string; email: string; isOperator: boolean };

/**
 * An account's own action (sign-in, passphrase, MFA …), scope 'either': one
 * event in the chain of every tenant the account administers (pending or
 * confirmed), or one vendor-only event for an operator or an account without
 * a tenant.
 */
export async function accountAuditInputs(
  tx: Prisma.TransactionClient,
  account: AccountSubject,
  event: Omit<AuditEventInput, 'actor' | 'tenantExternalId'>,
): Promise<AuditEventInput[]> {
  const actor = account.isOperator ? operatorActor(account) : userActor(account);
  const base = { target: { type: 'user', id: account.id }, ...event, actor };
  if (account.isOperator) return [base];
  const memberships = await tx.tenantAdmin.findMany({ where: { userId: account.id }, select: { tenant: { select: { externalId: true } } }, orderBy: { tenant: { externalId: 'asc' } } });
  if (!memberships.length) return [base];
  return memberships.map((m) => ({ ...base, tenantExternalId: m.tenant.externalId }));
}

/** Records an account's own action (see accountAuditInputs). Call it last, inside the change's transaction. */
export async function recordAccountAudit(tx: Prisma.TransactionClient, account: AccountSubject, event: Omit<AuditEventInput, 'actor' | 'tenantExternalId'>) {
  return recordAuditBatch(tx, await accountAuditInputs(tx, account, event));
}
