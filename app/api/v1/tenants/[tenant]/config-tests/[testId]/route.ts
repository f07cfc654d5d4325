// GET — one configuration test as the admin's page polls it: each approved deployment's state and result, computed from times.
import { z } from 'zod';
import { ZConfigTestId } from '@/lib/schemas/config-tests';
import { defineRoute } from '@/lib/server/api/route';
import { getConfigTest } from '@/lib/server/config-tests/start';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'tenant-admin', params: z.object({ tenant: z.string(), testId: ZConfigTestId }) }, async ({ access, params }) => getConfigTest(access, params.testId));
