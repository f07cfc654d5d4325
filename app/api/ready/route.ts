// GET /api/ready — readiness for load balancers and probes: 200 `{ status:
// "ready" }` when the database answers and every migration this version knows
// is applied, 503 problem+json otherwise. No details: those are for operators
// (GET /api/v1/operator/readiness).
import { defineRoute } from '@/lib/server/api/route';
import { readinessAnswer } from '@/lib/server/readiness';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, ({ requestId }) => readinessAnswer(requestId, { details: false }));
