// Operators: suspend a tenant (POST) or resume it (DELETE); its proxies receive the new status in the next delta.
import { z } from 'zod';
import { ZTenantExternalId } from '@/lib/schemas/tenant-detail';
import { defineRoute } from '@/lib/server/api/route';
import { resumeTenant, suspendTenant } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

const params = z.object({ tenant: ZTenantExternalId });

export const POST = defineRoute({ auth: 'operator', params }, async ({ user, params }) => suspendTenant(user, params.tenant));

export const DELETE = defineRoute({ auth: 'operator', params }, async ({ user, params }) => resumeTenant(user, params.tenant));
