// GET /api/v1/operator/readiness — readiness with its details for vendor
// operators: database kind, migrations applied and pending (by name when not
// ready). The home page shows them to a signed-in operator.
import { defineRoute } from '@/lib/server/api/route';
import { readinessAnswer } from '@/lib/server/readiness';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, ({ requestId }) => readinessAnswer(requestId, { details: true }));
