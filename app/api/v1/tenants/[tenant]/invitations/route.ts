// GET — the tenant's invitations; POST — invite another admin.
import { z } from 'zod';
import { ZInvite } from '@/lib/schemas/operator';
import { inviteTenantAdmin, listTenantInvitations } from '@/lib/server/accounts/tenant-admins';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: z.string() });

export const GET = defineRoute({ auth: 'tenant-admin', params }, async ({ access }) => ({ invitations: await listTenantInvitations(access) }));

export const POST = defineRoute({ auth: 'tenant-admin', params, body: ZInvite }, async ({ access, body, request, requestId }) =>
  Response.json(await inviteTenantAdmin(access, body.email, auditContext(request, requestId)), { status: 201 }),
);
