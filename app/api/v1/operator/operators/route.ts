// Operators: list operators with their invitations, invite another operator.
import { ZInvite } from '@/lib/schemas/operator';
import { inviteOperator, listOperatorsAndInvitations } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => listOperatorsAndInvitations());

export const POST = defineRoute({ auth: 'operator', body: ZInvite }, async (ctx) =>
  Response.json(await inviteOperator(ctx.user, ctx.body.email, operatorAudit(ctx)), { status: 201 }),
);
