// POST — resend one of this tenant's invitations with a new token.
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { resendTenantInvitation } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), id: ZId }) }, async ({ access, params, request, requestId }) =>
  resendTenantInvitation(access, params.id, auditContext(request, requestId)),
);
