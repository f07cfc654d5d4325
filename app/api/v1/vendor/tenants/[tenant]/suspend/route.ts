// Vendor API: suspend a tenant (proxies get the status with its next bundle).
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext, vendorTokenActor } from '@/lib/server/audit/record';
import { setTenantSuspension } from '@/lib/server/tenants/lifecycle';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'vendor-write', params: OPS.suspendTenant.params, query: OPS.suspendTenant.query }, async ({ vendor, params, request, requestId }) =>
  setTenantSuspension(vendor.operator, params.tenant, true, { actor: vendorTokenActor(vendor), context: auditContext(request, requestId) }),
);
