// POST — a pending admin who opened a recovery kit with its code confirms themselves.
import { z } from 'zod';
import { ZCompactJwe } from '@/lib/schemas/account';
import { ZId } from '@/lib/schemas/operator';
import { recoverWithKit } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute(
  { auth: 'tenant-member', params: z.object({ tenant: z.string() }), body: z.object({ kitId: ZId, wrappedTenantKeys: ZCompactJwe }) },
  async ({ access, body, request, requestId }) => {
    await recoverWithKit(access, body.kitId, body.wrappedTenantKeys, auditContext(request, requestId));
    return { confirmed: true };
  },
);
