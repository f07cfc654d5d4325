import 'server-only';
// requireProxy: the deployment behind `Authorization: Bearer <API key>`. Keys
// are random 256-bit values, so a fast hash (SHA-256) is the right lookup; a
// disabled deployment, a revoked key or a key past its rotation window gets
// 401 on its very next request.
import { getPrisma } from '@/lib/server/db';
import { findLiveApiKey, touchApiKey } from '@/lib/server/dal/deployments';
import { AppError } from '@/lib/server/errors';
import { hashToken } from '@/lib/server/ids';

export type ProxyPrincipal = { id: string; kid: string; environmentId: string };

export const API_KEY_PATTERN = /^cmkp_[A-Za-z0-9_-]{43}$/;
/** Last-used times are written at most this often, so polling does not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

export function apiKeyFrom(headers: Headers): string | null {
  const header = headers.get('authorization') ?? '';
  const match = /^Bearer ([^\s]+)$/.exec(header);
  return match?.[1] && API_KEY_PATTERN.test(match[1]) ? match[1] : null;
}

export async function requireProxy(request: Request): Promise<ProxyPrincipal> {
  const key = apiKeyFrom(request.headers);
  if (!key) throw new AppError('unauthenticated', { message: 'Send the deployment API key as "Authorization: Bearer cmkp_…".' });
  const db = await getPrisma();
  const now = new Date();
  const found = await findLiveApiKey(db, hashToken(key), now);
  if (!found) throw new AppError('unauthenticated', { message: 'This API key is not valid: unknown, revoked, expired, or its deployment is disabled.' });
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
    await touchApiKey(db, found.id, found.deployment.id, now);
  }
  return found.deployment;
}
