import 'server-only';
// requireProxy: the deployment behind `Authorization: Bearer <API key>`. Keys
// are random 256-bit values, so a fast hash (SHA-256) is the right lookup; a
// disabled deployment, a revoked key or a key past its rotation window gets
// 401 on its very next request. Keys verified against the database are kept
// in the delivery hub while it hears every commit: a deployment's events
// (disable, delete, key revoked or given an end) are NOTIFYs that drop them,
// so a poll answered from memory is as current as one that asked the database.
import { wrongCredential } from '@/lib/server/api/bearer-failures';
import { getPrisma } from '@/lib/server/db';
import { findLiveApiKey, touchApiKey } from '@/lib/server/dal/deployments';
import { AppError } from '@/lib/server/errors';
import { hashToken } from '@/lib/server/ids';
import { getDeliveryHub } from '@/lib/server/delivery/hub';

export type ProxyPrincipal = { id: string; kid: string; environmentId: string };

export const API_KEY_PATTERN = /^cmkp_[A-Za-z0-9_-]{43}$/;
/** Last-used times are written at most this often, so polling does not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

export function apiKeyFrom(headers: Headers): string | null {
  const header = headers.get('authorization') ?? '';
  const match = /^Bearer ([^\s]+)$/.exec(header);
  return match?.[1] && API_KEY_PATTERN.test(match[1]) ? match[1] : null;
}

/** The deployment of a key this process verified and still trusts; null when the database must be asked. */
export function cachedProxy(key: string, now = Date.now()): ProxyPrincipal | null {
  const entry = getDeliveryHub().cachedPrincipal(hashToken(key), now);
  if (!entry || (entry.lastUsedAt !== null && now - entry.lastUsedAt > TOUCH_EVERY_MS)) return null;
  return entry.principal;
}

export async function requireProxy(request: Request): Promise<ProxyPrincipal> {
  const key = apiKeyFrom(request.headers);
  if (!key) throw new AppError('unauthenticated', { message: 'Send the deployment API key as "Authorization: Bearer cmkp_…".' });
  const cached = cachedProxy(key);
  if (cached) return cached;
  const hub = getDeliveryHub();
  // Taken before the database is read: a deployment event heard meanwhile makes the answer uncacheable.
  const generation = hub.generation();
  const db = await getPrisma();
  const now = new Date();
  const keyHash = hashToken(key);
  const found = await findLiveApiKey(db, keyHash, now);
  if (!found) throw wrongCredential(request, 'proxy', new AppError('unauthenticated', { message: 'This API key is not valid: unknown, revoked, expired, or its deployment is disabled.' }));
  let lastUsedAt = found.lastUsedAt?.getTime() ?? null;
  if (lastUsedAt === null || now.getTime() - lastUsedAt > TOUCH_EVERY_MS) {
    await touchApiKey(db, found.id, found.deployment.id, now);
    lastUsedAt = now.getTime();
  }
  hub.cachePrincipal(keyHash, { principal: found.deployment, apiKeyId: found.id, expiresAt: found.expiresAt?.getTime() ?? null, lastUsedAt }, generation);
  return found.deployment;
}
