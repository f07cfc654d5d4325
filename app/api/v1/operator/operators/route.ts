// Operators: list operators with their invitations, invite another operator.
import { ZInvite } from '@/lib/schemas/operator';
import { inviteOperator, listOperatorsAndInvitations } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => listOperatorsAndInvitations());

export const POST = defineRoute({ auth: 'operator', body: ZInvite }, async ({ user, body }) =>
  Response.json(await inviteOperator(user, body.email), { status: 201 }),
);
