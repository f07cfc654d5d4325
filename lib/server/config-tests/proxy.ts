import 'server-only';
// The proxy's side of configuration tests (docs/proxy-api.md "Configuration
// tests"). GET /api/v1/proxy/tests claims the deployment's pending tests in one
// statement — picked_at set and a draft's JWE dropped in the same UPDATE, so
// the broker keeps no copy once it is handed over and no second caller gets it
// — and, with none pending, holds the request on the delivery hub until a new
// test for the deployment commits (in process, or NOTIFY from another broker
// instance), its deployment has an event (→ 401 when its key no longer holds),
// or the wait ends. POST …/result stores what the deployment reported.
import { resultDeadline } from '@/lib/config-test-view';
import type { Prisma } from '@/lib/generated/prisma/client';
import { CONFIG_TEST_RESULT_MS, type TConfigTestResult, type TProxyConfigTest } from '@/lib/schemas/config-tests';
import { getPrisma } from '@/lib/server/db';
import { requireProxy, type ProxyPrincipal } from '@/lib/server/deployments/proxy-auth';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { AppError } from '@/lib/server/errors';

export const MAX_TEST_WAIT_SECONDS = 30;
const MAX_TESTS = 100;

type ClaimedRow = { test_id: string; tenant_external_id: string; kind: string; config_id: string | null; version: number | null; draft: boolean; payload: unknown; picked_at: Date };

/** Claims the deployment's pending tests (not picked, pick-up deadline not passed, tenant not suspended). */
export async function claimConfigTests(deployment: ProxyPrincipal, now = new Date()): Promise<TProxyConfigTest[]> {
  const db = await getPrisma();
  const rows = await db.$queryRaw<ClaimedRow[]>`
    WITH pending AS (
      SELECT tt.test_id, tt.payload
        FROM config_test_target tt
        JOIN config_test t ON t.id = tt.test_id
        JOIN tenant n ON n.id = t.tenant_id
       WHERE tt.deployment_id = ${deployment.id} AND tt.picked_at IS NULL AND t.pickup_by > ${now} AND n.status <> 'suspended'
       ORDER BY t.created_at
       LIMIT ${MAX_TESTS}
         FOR UPDATE OF tt SKIP LOCKED
    )
    UPDATE config_test_target tt
       SET picked_at = ${now}, payload = NULL
      FROM pending p, config_test t, tenant n
     WHERE tt.test_id = p.test_id AND tt.deployment_id = ${deployment.id} AND t.id = tt.test_id AND n.id = t.tenant_id
    RETURNING tt.test_id, n.external_id AS tenant_external_id, t.kind, t.config_id, t.version, t.draft, p.payload, tt.picked_at`;
  return rows
    .sort((a, b) => (a.test_id < b.test_id ? -1 : 1))
    .map((row) => ({
      testId: row.test_id,
      tenantId: row.tenant_external_id,
      kind: row.kind === 'siem' ? 'siem' : 'kms',
      configId: row.config_id,
      version: row.draft ? null : row.version,
      draft: row.draft ? (row.payload as Record<string, unknown>) : null,
      resultBy: resultDeadline(new Date(row.picked_at)).toISOString(),
    }));
}

/** GET /api/v1/proxy/tests: pending tests at once, or held until one arrives or `wait` seconds pass. */
export async function pollConfigTests(request: Request, deployment: ProxyPrincipal, query: { wait?: number }): Promise<{ tests: TProxyConfigTest[] }> {
  const hub = getDeliveryHub();
  const deadline = Date.now() + (query.wait ?? 0) * 1000;
  for (;;) {
    // Registered before the claim: a test committed between the claim and the wait still wakes it.
    const held = hub.registerTests(deployment.id);
    try {
      const tests = await claimConfigTests(deployment);
      const remaining = deadline - Date.now();
      if (tests.length > 0 || remaining <= 0) return { tests };
      const outcome = await held.wait(remaining, request.signal);
      if (outcome === 'aborted') return { tests: [] };
      // As for /configs: a deployment disabled or a key revoked meanwhile gets its 401 now.
      await requireProxy(request);
    } finally {
      held.cancel();
    }
  }
}

/** POST /api/v1/proxy/tests/{testId}/result: 404 not this deployment's, 409 not picked up by it or already reported, 410 too late. */
export async function reportConfigTestResult(deployment: ProxyPrincipal, testId: string, result: TConfigTestResult, now = new Date()): Promise<void> {
  const db = await getPrisma();
  // Accepted while now < pickedAt + CONFIG_TEST_RESULT_MS (the view's `running`).
  const earliestPick = new Date(now.getTime() - CONFIG_TEST_RESULT_MS);
  const stored = await db.configTestTarget.updateMany({
    where: { testId, deploymentId: deployment.id, pickedAt: { not: null, gt: earliestPick }, resultAt: null },
    data: { result: result as Prisma.InputJsonValue, resultAt: now },
  });
  if (stored.count === 1) return;
  const target = await db.configTestTarget.findUnique({ where: { testId_deploymentId: { testId, deploymentId: deployment.id } }, select: { pickedAt: true, resultAt: true } });
  if (!target) throw new AppError('not_found', { message: 'No such configuration test for this deployment.' });
  if (!target.pickedAt) throw new AppError('conflict', { message: 'This deployment has not picked this test up.' });
  if (target.resultAt) throw new AppError('conflict', { message: 'A result for this test was already reported by this deployment.' });
  throw new AppError('config_test_expired');
}
