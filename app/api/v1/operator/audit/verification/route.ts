// GET — verifies the whole stored audit trail (every chain, every checkpoint) and names the first broken link of each chain. A read: nothing is written.
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { verifyTrailSummary } from '@/lib/server/audit/views';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator', query: z.strictObject({}) }, async () => verifyTrailSummary());
