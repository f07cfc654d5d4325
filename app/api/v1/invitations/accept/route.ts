// POST /api/v1/invitations/accept — enrol with browser-made keys (and, for a tenant's first admin, its key pairs).
import { ZAcceptInvitation } from '@/lib/schemas/account';
import { acceptInvitation } from '@/lib/server/accounts/invitations';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { getCurrentUser } from '@/lib/server/authz';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'public', body: ZAcceptInvitation, maxBodyBytes: 64 * 1024 }, async ({ body, request, requestId }) => {
  const result = await acceptInvitation(body, await getCurrentUser(), auditContext(request, requestId));
  return Response.json(result, { status: 201 });
});
