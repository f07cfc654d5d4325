// GET /api/v1/setup — whether first-run set-up is open; POST — create the first operator with the setup token.
import { ZSetup } from '@/lib/schemas/account';
import { completeSetup, isSetupNeeded } from '@/lib/server/accounts/setup';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { hit } from '@/lib/server/dal/rate-limits';
import { getPrisma } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { clientIp } from '@/lib/server/request-meta';
import { seconds } from '@/lib/plural';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async () => ({ needed: await isSetupNeeded() }));

export const POST = defineRoute({ auth: 'public', body: ZSetup }, async ({ body, request, requestId }) => {
  const wait = await hit(await getPrisma(), `setup:ip:${clientIp(request.headers)}`, { limit: 10, windowMs: 15 * 60_000 });
  if (wait) throw new AppError('rate_limited', { retryAfter: wait, message: `Too many attempts. Try again in ${seconds(wait)}.` });
  const { userId } = await completeSetup(body, auditContext(request, requestId));
  return Response.json({ userId }, { status: 201 });
});
