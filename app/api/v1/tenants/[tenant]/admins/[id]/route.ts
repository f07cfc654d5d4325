// DELETE — remove an admin (never the last confirmed one).
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { removeTenantAdmin } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), id: ZId }) }, async ({ access, params }) => {
  await removeTenantAdmin(access, params.id);
  return { removed: true };
});
