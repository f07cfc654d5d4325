// Vendor API: renew and resend the tenant's open admin invitation.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { resendTenantInvitation } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'vendor-write', params: OPS.resendInvitation.params, query: OPS.resendInvitation.query }, async ({ params }) =>
  resendTenantInvitation(params.tenant),
);
