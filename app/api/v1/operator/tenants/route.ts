// Operators: the tenant list (search, filters, sorting, keyset pages) and creating a tenant (with its first admin's invitation).
import { ZNewTenant } from '@/lib/schemas/operator';
import { ZTenantListQuery } from '@/lib/schemas/tenant-list';
import { createTenant } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { listTenantsPage } from '@/lib/server/tenants/list';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator', query: ZTenantListQuery }, async ({ query }) => listTenantsPage(query));

export const POST = defineRoute({ auth: 'operator', body: ZNewTenant }, async (ctx) =>
  Response.json(await createTenant(ctx.user, ctx.body, operatorAudit(ctx)), { status: 201 }),
);
