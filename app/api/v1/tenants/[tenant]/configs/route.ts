// GET — the tenant's configurations (metadata + latest sealed version) and its latest signed state.
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { listConfigs } from '@/lib/server/configs/queries';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string() }) }, async ({ access }) => listConfigs(access));
