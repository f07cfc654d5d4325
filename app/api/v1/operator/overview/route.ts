// GET — the operators' overview: counts, deployments' health, 24 h of lag and proxy errors.
import { defineRoute } from '@/lib/server/api/route';
import { getOverview } from '@/lib/server/deployments/overview';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => getOverview());
