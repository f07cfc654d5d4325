import 'server-only';
// Readiness, told two ways. Load balancers and probes (GET /api/ready, public)
// need only the answer — 200 or 503 — so they get no more: the database kind,
// migration counts and names say which version runs and how it is deployed,
// which is nobody else's business. Vendor operators (GET
// /api/v1/operator/readiness) get the details to act on.
import { checkReadiness } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';
import { problemResponse, toAppError } from '@/lib/server/problem';

export type TReadinessDetails = {
  status: 'ready';
  database: 'pglite' | 'postgresql';
  migrations: { applied: number; pending: string[] };
};

/** 200 `{ status: 'ready' }` (plus the details for operators), or a 503 problem. */
export async function readinessAnswer(requestId: string, { details }: { details: boolean }): Promise<Response | { status: 'ready' } | TReadinessDetails> {
  let readiness;
  try {
    readiness = await checkReadiness();
  } catch (error) {
    const mapped = toAppError(error);
    const unavailable = mapped.code === 'internal' ? new AppError('database_unavailable', { cause: error }) : mapped;
    return problemResponse(unavailable, requestId, details ? { checks: { reachable: false } } : {});
  }
  const { migrations } = readiness;
  if ('error' in migrations || migrations.pending.length > 0) {
    if (!details) return problemResponse(new AppError('not_ready', { retryAfter: 5 }), requestId);
    const detail =
      'error' in migrations ? migrations.error : `Migrations pending: ${migrations.pending.join(', ')}. Restart the broker or run npm run db:migrate.`;
    return problemResponse(new AppError('not_ready', { message: detail, retryAfter: 5 }), requestId, { checks: readiness });
  }
  if (!details) return { status: 'ready' };
  return { status: 'ready', database: readiness.database, migrations };
}
