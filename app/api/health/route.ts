// GET /api/health — liveness: the process answers. Touches no database.
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async () => ({
  status: 'ok',
  uptimeSeconds: Math.round(process.uptime()),
}));
