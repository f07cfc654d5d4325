// GET — the vendor audit chain for operators, newest first, filtered and paged: tenants' events show their metadata only.
import { ZVendorAuditQuery } from '@/lib/schemas/audit-views';
import { defineRoute } from '@/lib/server/api/route';
import { listVendorAudit } from '@/lib/server/audit/views';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator', query: ZVendorAuditQuery }, async ({ query }) => listVendorAudit(query));
