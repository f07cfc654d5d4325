// POST /api/v1/invitations/lookup — what an invitation token is for (the token travels in the body, never the URL).
import { z } from 'zod';
import { ZInvitationToken } from '@/lib/schemas/account';
import { lookupInvitation } from '@/lib/server/accounts/invitations';
import { defineRoute } from '@/lib/server/api/route';
import { getCurrentUser } from '@/lib/server/authz';
import { hit } from '@/lib/server/dal/rate-limits';
import { getPrisma } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { clientIp } from '@/lib/server/request-meta';
import { seconds } from '@/lib/plural';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'public', body: z.object({ token: ZInvitationToken }) }, async ({ body, request }) => {
  const wait = await hit(await getPrisma(), `invitation:ip:${clientIp(request.headers)}`, { limit: 30, windowMs: 60_000 });
  if (wait) throw new AppError('rate_limited', { retryAfter: wait, message: `Too many attempts. Try again in ${seconds(wait)}.` });
  return lookupInvitation(body.token, await getCurrentUser());
});
