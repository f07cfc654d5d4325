// POST — a new API key for the deployment (shown once); the old one keeps working until the chosen time.
import { z } from 'zod';
import { ZDeploymentId, ZRotateApiKey } from '@/lib/schemas/deployments';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { rotateApiKey } from '@/lib/server/deployments/service';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'operator', params: z.object({ id: ZDeploymentId }), body: ZRotateApiKey }, async (ctx) =>
  Response.json(await rotateApiKey(ctx.params.id, new Date(ctx.body.oldKeyExpiresAt), operatorAudit(ctx)), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
