// Operators: list and create environments.
import { ZNewEnvironment } from '@/lib/schemas/operator';
import { createEnvironment, listEnvironments } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ environments: await listEnvironments() }));

export const POST = defineRoute({ auth: 'operator', body: ZNewEnvironment }, async (ctx) =>
  Response.json(await createEnvironment(ctx.body, operatorAudit(ctx)), { status: 201 }),
);
