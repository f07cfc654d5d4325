import 'server-only';
// The proxy's most frequent request — "anything new since my cursor?" with
// If-None-Match, when nothing is — answered in the node:http layer before
// Next.js, from memory: the deployment's key was verified against the
// database and is still trusted by the delivery hub, and the hub hears every
// commit, so its environment seq is current (listener.ts). Everything else —
// a change to send, a long-poll, a key not cached, a query or header out of
// the ordinary — falls through to the route handler, which gives the same
// answer the slow way (docs/performance.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cachedProxy, API_KEY_PATTERN } from '@/lib/server/deployments/proxy-auth';
import { etagFor } from './bundle';
import { decodeCursor, MAX_CURSOR_LENGTH } from './cursor';
import { getDeliveryHub } from './hub';

export const PROXY_CONFIGS_PATH = '/api/v1/proxy/configs';

/** The cursor of a query made only of `cursor` (and `wait=0`), or null. */
function plainCursor(search: string): string | null {
  let cursor: string | null = null;
  for (const [name, value] of new URLSearchParams(search)) {
    if (name === 'cursor' && cursor === null && value.length > 0 && value.length <= MAX_CURSOR_LENGTH) cursor = value;
    else if (!(name === 'wait' && value === '0')) return null;
  }
  return cursor;
}

function bearerKey(header: string | undefined): string | null {
  if (!header?.startsWith('Bearer ')) return null;
  const key = header.slice(7);
  return API_KEY_PATTERN.test(key) ? key : null;
}

/** Answers 304 and returns true when it can do so without the database; otherwise leaves the request untouched. */
export function answerNotModifiedFromMemory(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (q === -1 || url.slice(0, q) !== PROXY_CONFIGS_PATH) return false;
  const ifNoneMatch = req.headers['if-none-match'];
  if (typeof ifNoneMatch !== 'string') return false;
  const cursorText = plainCursor(url.slice(q + 1));
  const key = bearerKey(req.headers.authorization);
  if (cursorText === null || key === null) return false;
  const deployment = cachedProxy(key);
  if (!deployment) return false;
  const envSeq = getDeliveryHub().liveSeq(deployment.environmentId);
  if (envSeq === undefined) return false;
  let cursor;
  try {
    cursor = decodeCursor(cursorText, envSeq);
  } catch {
    return false;
  }
  if (cursor.kind !== 'delta' || cursor.seq !== envSeq) return false;
  const etag = etagFor(deployment.id, envSeq);
  if (ifNoneMatch !== etag) return false;
  res.writeHead(304, { etag, 'cache-control': 'private, no-cache' });
  res.end();
  return true;
}
