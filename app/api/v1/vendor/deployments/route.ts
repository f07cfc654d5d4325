// Vendor API: every proxy deployment's status (never a key or secret).
import { VENDOR_OPERATIONS as OPS } from '@/lib/schemas/vendor-api';
import { defineRoute } from '@/lib/server/api/route';
import { listVendorDeployments } from '@/lib/server/vendor/service';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'vendor-read', query: OPS.listDeployments.query }, async () => listVendorDeployments());
