// Operators: revoke any invitation.
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { revokeAnyInvitation } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'operator', params: z.object({ id: ZId }) }, async (ctx) => {
  await revokeAnyInvitation(ctx.params.id, operatorAudit(ctx));
  return { revoked: true };
});
