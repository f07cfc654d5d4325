// GET /api/ready — readiness: the database answers and every migration this
// version knows is applied. 503 problem+json otherwise, for load balancers.
import { defineRoute } from '@/lib/server/api/route';
import { checkReadiness } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { problemResponse, toAppError } from '@/lib/server/problem';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async ({ requestId }) => {
  let readiness;
  try {
    readiness = await checkReadiness();
  } catch (error) {
    const mapped = toAppError(error);
    const unavailable = mapped.code === 'internal' ? new AppError('database_unavailable', { cause: error }) : mapped;
    return problemResponse(unavailable, requestId, { checks: { reachable: false } });
  }
  const { migrations } = readiness;
  if ('error' in migrations || migrations.pending.length > 0) {
    const detail =
      'error' in migrations ? migrations.error : `Migrations pending: ${migrations.pending.join(', ')}. Restart the broker or run npm run db:migrate.`;
    return problemResponse(new AppError('not_ready', { message: detail, retryAfter: 5 }), requestId, { checks: readiness });
  }
  return { status: 'ready', database: readiness.database, migrations };
});
