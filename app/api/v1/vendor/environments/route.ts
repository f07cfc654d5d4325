// Vendor API: the environments.
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { listVendorEnvironments } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'vendor-read', query: OPS.listEnvironments.query }, async () => listVendorEnvironments());
