// Operators: list vendor API tokens and make one (the token is in this answer only).
import { ZCreateApiToken } from '@/lib/schemas/api-tokens';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { createApiToken, listApiTokens } from '@/lib/server/vendor/tokens';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ apiTokens: await listApiTokens() }));

export const POST = defineRoute({ auth: 'operator', body: ZCreateApiToken }, async (ctx) =>
  Response.json(await createApiToken(ctx.user, ctx.body, operatorAudit(ctx)), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
