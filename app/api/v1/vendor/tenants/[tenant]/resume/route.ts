// Vendor API: resume a suspended tenant.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext, vendorTokenActor } from '@/lib/server/audit/record';
import { setTenantSuspension } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'vendor-write', params: OPS.resumeTenant.params, query: OPS.resumeTenant.query }, async ({ vendor, params, request, requestId }) =>
  setTenantSuspension(vendor.operator, params.tenant, false, { actor: vendorTokenActor(vendor), context: auditContext(request, requestId) }),
);
