import 'server-only';
// Refused changes of signed-in users (docs/audit.md "Refused requests"): a
// POST/PUT/PATCH/DELETE that a signed-in user was not allowed to make — a
// route of a tenant they do not administer (or not yet, or without the second
// factor the tenant requires), or an operator route as a non-operator — is
// recorded as `access.denied`. It goes in the tenant's chain when the user is
// one of its admins (confirmed or pending), so that tenant's admins see it;
// otherwise in the vendor chain only, so a stranger's probing neither reaches
// nor fills another tenant's trail. Reads, anonymous requests, bearer keys
// (proxies, vendor tokens) and cross-site requests (which the user may not
// have made) are not recorded.
//
// Recording never changes the answer: a failure to record is logged by its
// name only. Each (user, method, path, reason) is recorded at most once a
// minute per broker instance, so a loop cannot flood the trail.
import type { AuthMode } from '@/lib/server/api/route';
import { getCurrentUser, type CurrentUser } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { findMembership } from '@/lib/server/dal/tenants';
import { isAppError } from '@/lib/server/errors';
import { getLogger } from '@/lib/server/log';

import { auditContext, operatorActor, recordAudit, userActor } from './record';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SESSION_MODES: readonly AuthMode[] = ['operator', 'tenant-admin', 'tenant-member'];
/** What authorization answers a signed-in user it refuses (not_found: "not yours" reads as "does not exist"). */
const REFUSALS = new Set(['not_found', 'mfa_required']);
export const REFUSAL_REPEAT_MS = 60_000;
const MAX_REMEMBERED = 10_000;
const MAX_ID = 100;

const recent = new Map<string, number>();

/** Whether a failed authorization is one this records (before looking up anyone). */
export function isAuditedRefusal(mode: AuthMode, method: string, error: unknown): boolean {
  return SESSION_MODES.includes(mode) && MUTATING.has(method) && isAppError(error) && REFUSALS.has(error.code);
}

function firstTime(key: string, now: number): boolean {
  const last = recent.get(key);
  if (last !== undefined && now - last < REFUSAL_REPEAT_MS) return false;
  if (recent.size >= MAX_REMEMBERED) {
    for (const [k, at] of recent) if (now - at >= REFUSAL_REPEAT_MS) recent.delete(k);
    if (recent.size >= MAX_REMEMBERED) recent.clear();
  }
  recent.set(key, now);
  return true;
}

/** `currentUser`: the signed-in user of the request (injectable for tests that run without Next.js). */
export async function auditRefusal(
  input: { mode: AuthMode; params: unknown; request: Request; requestId: string; error: unknown },
  currentUser: () => Promise<CurrentUser | null> = getCurrentUser,
): Promise<void> {
  const { mode, params, request, requestId, error } = input;
  if (!isAuditedRefusal(mode, request.method, error) || !isAppError(error)) return;
  try {
    const user = await currentUser();
    if (!user) return;
    const path = new URL(request.url).pathname.slice(0, 200);
    if (!firstTime(`${user.id} ${request.method} ${path} ${error.code}`, Date.now())) return;
    const db = await getPrisma();
    const named = (params as { tenant?: unknown } | undefined)?.tenant;
    const tenant = mode !== 'operator' && typeof named === 'string' ? named.slice(0, MAX_ID) : null;
    const member = tenant ? await findMembership(db, { externalId: tenant, userId: user.id }) : null;
    await db.$transaction((tx) =>
      recordAudit(tx, {
        actor: user.isOperator ? operatorActor(user) : userActor(user),
        action: 'access.denied',
        outcome: 'denied',
        tenantExternalId: member ? member.tenant.externalId : null,
        target: tenant ? { type: 'tenant', id: tenant } : { type: 'route', id: path },
        context: auditContext(request, requestId),
        details: { reason: error.code, method: request.method, path },
      }),
    );
  } catch (cause) {
    getLogger().warn({ kind: (cause as Error)?.name ?? 'Error', requestId }, 'A refused request could not be recorded in the audit trail.');
  }
}
