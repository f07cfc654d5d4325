// Operators: one tenant's metadata (GET); deleting it (DELETE, typed confirmation, 36 h after the request, no configurations left).
import { z } from 'zod';
import { ZDeleteTenant, ZTenantExternalId } from '@/lib/schemas/tenant-detail';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { deleteTenant, getTenantDetail } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: ZTenantExternalId });

export const GET = defineRoute({ auth: 'operator', params }, async ({ params }) => getTenantDetail(params.tenant));

export const DELETE = defineRoute({ auth: 'operator', params, body: ZDeleteTenant }, async (ctx) =>
  deleteTenant(ctx.user, ctx.params.tenant, ctx.body, undefined, operatorAudit(ctx)),
);
