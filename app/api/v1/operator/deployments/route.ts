// GET — every proxy deployment with its propagation; POST — create one from the public key the
// operator's browser made (the API key is in the answer, once).
import { ZCreateDeployment } from '@/lib/schemas/deployments';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { createDeployment, listDeployments } from '@/lib/server/deployments/service';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ deployments: await listDeployments() }));

export const POST = defineRoute({ auth: 'operator', body: ZCreateDeployment }, async ({ user, body, request, requestId }) =>
  Response.json(await createDeployment(user, body, auditContext(request, requestId)), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
