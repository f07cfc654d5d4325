// Vendor API: one tenant by its external id.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { getVendorTenant } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'vendor-read', params: OPS.getTenant.params, query: OPS.getTenant.query }, async ({ params }) => ({
  tenant: await getVendorTenant(params.tenant),
}));
