// Operators: suspend a tenant (POST) or resume it (DELETE); its proxies receive the new status in the next delta.
import { z } from 'zod';
import { ZTenantExternalId } from '@/lib/schemas/tenant-detail';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { resumeTenant, suspendTenant } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: ZTenantExternalId });

export const POST = defineRoute({ auth: 'operator', params }, async (ctx) => suspendTenant(ctx.user, ctx.params.tenant, undefined, operatorAudit(ctx)));

export const DELETE = defineRoute({ auth: 'operator', params }, async (ctx) => resumeTenant(ctx.user, ctx.params.tenant, undefined, operatorAudit(ctx)));
