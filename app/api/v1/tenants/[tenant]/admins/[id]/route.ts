// DELETE — remove an admin (never the last confirmed one).
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { removeTenantAdmin } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), id: ZId }) }, async ({ access, params, request, requestId }) => {
  await removeTenantAdmin(access, params.id, auditContext(request, requestId));
  return { removed: true };
});
