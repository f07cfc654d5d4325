// POST — a proxy deployment's status report: applied tenant states and current errors.
import { ZProxyStatus } from '@/lib/schemas/deployments';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { recordStatus } from '@/lib/server/deployments/status';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'proxy', body: ZProxyStatus, maxBodyBytes: 16 * 1024 * 1024 }, async ({ deployment, body, request, requestId }) => {
  await recordStatus(deployment, body, auditContext(request, requestId));
  return new Response(null, { status: 204 });
});
