// Auth.js endpoints (CSRF token, credentials callback, session, sign-out).
// Their writes set or end the session cookie, so they get the same-origin rule
// of every session write (docs/security.md "Cross-site requests") on top of
// next-auth's own CSRF token.
import { withSameOrigin } from '@/lib/server/api/same-origin';
import { handlers } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';
export const GET = handlers.GET;
export const POST = withSameOrigin(handlers.POST, 'session');
