// GET — every sealed version of one configuration, newest first.
import { z } from 'zod';
import { ZConfigId } from '@/lib/schemas/config-change';
import { defineRoute } from '@/lib/server/api/route';
import { listVersions } from '@/lib/server/configs/queries';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), configId: ZConfigId }) }, async ({ access, params }) => ({
  versions: await listVersions(access, params.configId),
}));
