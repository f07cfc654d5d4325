// DELETE — revoke one of this tenant's invitations.
import { z } from 'zod';
import { ZId } from '@/lib/schemas/operator';
import { revokeTenantInvitation } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), id: ZId }) }, async ({ access, params }) => {
  await revokeTenantInvitation(access, params.id);
  return { revoked: true };
});
