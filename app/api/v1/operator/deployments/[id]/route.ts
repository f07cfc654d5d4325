// GET one deployment; PATCH its name or status (disabling takes effect at once); DELETE it.
import { z } from 'zod';
import { ZDeploymentId, ZUpdateDeployment } from '@/lib/schemas/deployments';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { deleteDeployment, getDeployment, updateDeployment } from '@/lib/server/deployments/service';

export const dynamic = 'force-dynamic';

const params = z.object({ id: ZDeploymentId });

export const GET = defineRoute({ auth: 'operator', params }, async ({ params }) => ({ deployment: await getDeployment(params.id) }));

export const PATCH = defineRoute({ auth: 'operator', params, body: ZUpdateDeployment }, async (ctx) => ({
  deployment: await updateDeployment(ctx.params.id, ctx.body, operatorAudit(ctx)),
}));

export const DELETE = defineRoute({ auth: 'operator', params }, async (ctx) => deleteDeployment(ctx.params.id, operatorAudit(ctx)));
