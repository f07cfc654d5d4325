// GET — key use of one configuration as the proxy deployments reported it (24 h or 30 d), per deployment and in total.
import { z } from 'zod';
import { ZConfigId } from '@/lib/schemas/config-change';
import { ZUsageRange } from '@/lib/schemas/usage';
import { defineRoute } from '@/lib/server/api/route';
import { getConfigUsage } from '@/lib/server/deployments/usage';

export const dynamic = 'force-dynamic';

export const GET = defineRoute(
  { auth: 'tenant-admin', params: z.object({ tenant: z.string(), configId: ZConfigId }), query: z.object({ range: ZUsageRange.default('24h') }) },
  async ({ access, params, query }) => getConfigUsage(access, params.configId, query.range),
);
