// Auth.js endpoints (CSRF token, credentials callback, session, sign-out).
import { handlers } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';
export const { GET, POST } = handlers;
