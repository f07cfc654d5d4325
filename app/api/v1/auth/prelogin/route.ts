// POST /api/v1/auth/prelogin — the PBKDF2 salt for an email (a stable fake one for unknown emails).
import { ZPrelogin } from '@/lib/schemas/account';
import { prelogin } from '@/lib/server/accounts/prelogin';
import { defineRoute } from '@/lib/server/api/route';
import { clientIp } from '@/lib/server/request-meta';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'public', body: ZPrelogin }, async ({ body, request }) => prelogin(body.email, clientIp(request.headers)));
