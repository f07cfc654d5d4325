import 'server-only';
// Cross-site request refusal (docs/security.md "Cross-site requests"). A
// browser sends `Origin` or `Sec-Fetch-Site` (usually both) with every
// POST/PUT/PATCH/DELETE, and a page cannot forge either. So a write that
// relies on the session cookie must carry one of them saying "our own
// origin"; a write that carries neither did not come from one of our pages
// in a browser, and the cookie it holds proves nothing about who meant it.
//
// Origin is compared with PUBLIC_URL only, never with the Host header: the
// broker has one address, and the Host header is the caller's to choose.
import { getEnv } from '@/lib/env';
import { AppError } from '@/lib/server/errors';
import { getLogger } from '@/lib/server/log';
import { errorResponse } from '@/lib/server/problem';
import { requestIdFrom } from '@/lib/server/request-id';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * - `same-origin`: a header vouches that one of our pages sent it;
 * - `cross-site`: a header says another origin did (including `Sec-Fetch-Site:
 *   same-site` — a sibling subdomain gets our SameSite=Lax cookie — and `none`,
 *   and an opaque `Origin: null` that Fetch Metadata does not vouch for);
 * - `unknown`: neither header was sent (a non-browser client).
 */
export type OriginVerdict = 'same-origin' | 'cross-site' | 'unknown';

export function originVerdict(headers: Headers, ownOrigin: string): OriginVerdict {
  const site = headers.get('sec-fetch-site');
  const origin = headers.get('origin');
  if (site !== null && site !== 'same-origin') return 'cross-site';
  // Browsers send `Origin: null` on some same-origin writes (a no-referrer policy, which ours is);
  // Fetch Metadata then still says same-origin, and only a page of ours can make it say so.
  if (origin !== null && origin !== ownOrigin && !(origin === 'null' && site === 'same-origin')) return 'cross-site';
  if (site === 'same-origin' || origin === ownOrigin) return 'same-origin';
  return 'unknown';
}

/**
 * How strictly a write is checked:
 * - `session`: authenticated by the session cookie — must be vouched same-origin;
 * - `public`: no session needed (sign-in steps, set-up, invitations) — refused when
 *   a header says cross-site (login CSRF), allowed from non-browser clients.
 */
export type OriginRule = 'session' | 'public';

/** Throws `same_origin_required` (403) when a state-changing request breaks `rule`; reads pass. */
export function checkSameOrigin(request: Request, rule: OriginRule): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const own = new URL(getEnv().PUBLIC_URL).origin;
  const verdict = originVerdict(request.headers, own);
  if (verdict === 'cross-site') {
    const origin = request.headers.get('origin');
    if (request.headers.get('sec-fetch-site') === 'same-origin' && origin !== null && origin !== 'null') {
      // The browser itself says same-origin, yet names another origin: the broker is reached at an address PUBLIC_URL does not name.
      getLogger().warn({ origin, publicUrl: own }, 'write refused: the page was served from an origin other than PUBLIC_URL; set PUBLIC_URL to the address users reach');
    }
    throw new AppError('same_origin_required', { message: "Cross-site requests are refused: send it from the broker's own pages." });
  }
  if (verdict === 'unknown' && rule === 'session') {
    throw new AppError('same_origin_required', {
      message: 'A change made with a session cookie must carry an Origin or Sec-Fetch-Site header naming the broker itself.',
    });
  }
}

/**
 * The same check in front of a handler that is not made with defineRoute —
 * next-auth's endpoints, whose writes set or end the session cookie. Their
 * own CSRF token stays; this adds what a token cannot: a sign-in another site
 * starts in the visitor's browser (login CSRF) is refused outright.
 */
export function withSameOrigin<R extends Request, A extends unknown[]>(
  handler: (request: R, ...rest: A) => Promise<Response>,
  rule: OriginRule,
): (request: R, ...rest: A) => Promise<Response> {
  return async (request, ...rest) => {
    try {
      checkSameOrigin(request, rule);
    } catch (error) {
      return errorResponse(error, requestIdFrom(request.headers), { method: request.method, path: new URL(request.url).pathname });
    }
    return handler(request, ...rest);
  };
}
