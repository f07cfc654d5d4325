// GET — verifies the tenant's audit chain and its newest signed checkpoint (a read: nothing is written).
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { verifyTenantChain } from '@/lib/server/audit/views';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }) }, async ({ access }) => verifyTenantChain(access.tenant.externalId));
