// Operators: request a tenant's deletion (POST; starts the 36-hour wait, refused while it has configurations) or cancel it (DELETE).
import { z } from 'zod';
import { ZTenantExternalId } from '@/lib/schemas/tenant-detail';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { cancelTenantDeletion, requestTenantDeletion } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: ZTenantExternalId });

export const POST = defineRoute({ auth: 'operator', params }, async (ctx) => requestTenantDeletion(ctx.user, ctx.params.tenant, undefined, operatorAudit(ctx)));

export const DELETE = defineRoute({ auth: 'operator', params }, async (ctx) => cancelTenantDeletion(ctx.user, ctx.params.tenant, operatorAudit(ctx)));
