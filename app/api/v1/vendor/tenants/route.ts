// Vendor API: list tenants (the console's filters) and create one with its first admin's invitation.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext, vendorTokenActor } from '@/lib/server/audit/record';
import { listTenantsPage } from '@/lib/server/tenants/list';
import { createVendorTenant } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'vendor-read', query: OPS.listTenants.query }, async ({ query }) => listTenantsPage(query));

export const POST = defineRoute({ auth: 'vendor-write', query: OPS.createTenant.query, body: OPS.createTenant.body }, async ({ vendor, body, request, requestId }) =>
  Response.json(await createVendorTenant(vendor.operator, body, { actor: vendorTokenActor(vendor), context: auditContext(request, requestId) }), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
