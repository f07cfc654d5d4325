// POST — confirm a pending admin with the tenant keys wrapped to their key in the confirming admin's browser.
import { z } from 'zod';
import { ZCompactJwe } from '@/lib/schemas/account';
import { ZId } from '@/lib/schemas/operator';
import { confirmTenantAdmin } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const POST = defineRoute(
  {
    auth: 'tenant-admin',
    params: z.object({ tenant: z.string(), id: ZId }),
    // signingKid: the tenant signing key the wrapped keys belong to (refused if the keys were rotated since).
    // Required: without it a confirmation racing a rotation could confirm someone with the old keys.
    body: z.object({ wrappedTenantKeys: ZCompactJwe, signingKid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'The signing key id of the wrapped keys is missing or malformed.') }),
  },
  async ({ access, params, body, request, requestId }) => {
    await confirmTenantAdmin(access, params.id, body.wrappedTenantKeys, auditContext(request, requestId), body.signingKid);
    return { confirmed: true };
  },
);
