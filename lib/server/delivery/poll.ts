import 'server-only';
// GET /api/v1/proxy/configs: answers at once when there is something to send,
// 304 when the proxy is up to date and says so with If-None-Match, and
// otherwise — with `wait` — holds the request until its environment changes
// (this process or, through LISTEN/NOTIFY, another instance), its deployment is
// disabled (→ 401), the client goes away, or the wait runs out.
import { getPrisma } from '@/lib/server/db';
import { environmentSeq } from '@/lib/server/dal/delivery';
import { requireProxy, type ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import { buildBundle, etagFor, type BuiltBundle } from './bundle';
import { decodeCursor } from './cursor';
import { getDeliveryHub } from './hub';

export const MAX_WAIT_SECONDS = 60;

/**
 * Polls of one deployment woken by one change ask for the same bundle: it is
 * built and signed once and shared for a moment (its lifetime is minutes), so
 * a thousand replicas of a proxy cost one build, not a thousand.
 */
export const SHARE_MS = 2_000;
const shared = new Map<string, { at: number; built: Promise<BuiltBundle> }>();

function sharedBundle(db: PrismaClient, deployment: ProxyPrincipal, cursor: string | undefined, envSeq: number): Promise<BuiltBundle> {
  const now = Date.now();
  const key = `${deployment.id} ${deployment.kid} ${envSeq} ${cursor ?? ''}`;
  const hit = shared.get(key);
  if (hit && now - hit.at < SHARE_MS) return hit.built;
  if (shared.size >= 1_000) for (const [k, v] of shared) if (now - v.at >= SHARE_MS) shared.delete(k);
  const built = buildBundle(db, deployment, cursor);
  shared.set(key, { at: now, built });
  built.catch(() => shared.delete(key));
  return built;
}

const notModified = (etag: string) => new Response(null, { status: 304, headers: { etag, 'cache-control': 'private, no-cache' } });

function bundleResponse(jws: string, etag: string | null): Response {
  const headers = new Headers({ 'content-type': 'application/jose', 'cache-control': 'private, no-cache' });
  if (etag) headers.set('etag', etag);
  return new Response(jws, { status: 200, headers });
}

export async function pollBundle(request: Request, deployment: ProxyPrincipal, query: { cursor?: string; wait?: number }): Promise<Response> {
  const db = await getPrisma();
  const hub = getDeliveryHub();
  const deadline = Date.now() + (query.wait ?? 0) * 1000;
  const ifNoneMatch = request.headers.get('if-none-match');

  for (;;) {
    // Register before reading, with the last seq this process knows: a change that commits between
    // the read and the wait still wakes us (at worst we look once more).
    const held = hub.register(deployment.environmentId, deployment.id, hub.knownSeq(deployment.environmentId) ?? -1);
    try {
      // While the hub hears every commit, the seq it holds is current: no database round trip.
      let envSeq = hub.liveSeq(deployment.environmentId);
      if (envSeq === undefined) {
        const generation = hub.generation();
        envSeq = await environmentSeq(db, deployment.environmentId);
        hub.observe(deployment.environmentId, envSeq, generation);
      }
      const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor, envSeq);
      const upToDate = cursor?.kind === 'delta' && cursor.seq === envSeq;
      const remaining = deadline - Date.now();
      if (!upToDate || remaining <= 0) {
        const etag = etagFor(deployment.id, envSeq);
        if (upToDate && ifNoneMatch === etag) return notModified(etag);
        const built = await sharedBundle(db, deployment, query.cursor, envSeq);
        return bundleResponse(built.jws, built.etag);
      }
      const outcome = await held.wait(remaining, request.signal, envSeq);
      if (outcome === 'aborted') return notModified(etagFor(deployment.id, envSeq));
      // The key is checked again after every wait: a deployment disabled, deleted or with its key
      // revoked meanwhile gets 401 now — at once when the wake-up was that event, and even if the
      // event was missed (another instance, a lost LISTEN connection), before anything is sent.
      await requireProxy(request);
      // 'changed', 'timeout', or a deployment event that left this key valid: look again.
    } finally {
      held.cancel();
    }
  }
}
