// Vendor API: renew and resend the tenant's open admin invitation.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext, vendorTokenActor } from '@/lib/server/audit/record';
import { resendTenantInvitation } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'vendor-write', params: OPS.resendInvitation.params, query: OPS.resendInvitation.query }, async ({ vendor, params, request, requestId }) =>
  resendTenantInvitation(params.tenant, { actor: vendorTokenActor(vendor), context: auditContext(request, requestId) }),
);
