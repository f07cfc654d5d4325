// Operators: resend an invitation (a new token; the old link stops working).
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { resendInvitation } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'operator', params: z.object({ id: ZId }) }, (ctx) => resendInvitation(ctx.params.id, operatorAudit(ctx)));
