// GET — how the proxy deployments deliver to one SIEM configuration: per deployment and instance, as they last reported.
import { z } from 'zod';
import { ZConfigId } from '@/lib/schemas/config-change';
import { defineRoute } from '@/lib/server/api/route';
import { getConfigDelivery } from '@/lib/server/deployments/siem-health';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), configId: ZConfigId }) }, async ({ access, params }) =>
  getConfigDelivery(access, params.configId),
);
