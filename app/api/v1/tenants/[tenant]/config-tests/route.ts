// POST — start a configuration test: a saved configuration by id and version, or a draft sealed to the approved deployments only (docs/proxy-api.md "Configuration tests").
import { z } from 'zod';
import { ZStartConfigTest } from '@/lib/schemas/config-tests';
import { defineRoute } from '@/lib/server/api/route';
import { auditContext } from '@/lib/server/audit/record';
import { startConfigTest } from '@/lib/server/config-tests/start';

export const dynamic = 'force-dynamic';

export const POST = defineRoute(
  { auth: 'tenant-admin', params: z.object({ tenant: z.string() }), body: ZStartConfigTest, maxBodyBytes: 128 * 1024 },
  async ({ access, body, request, requestId }) => Response.json(await startConfigTest(access, body, auditContext(request, requestId)), { status: 201, headers: { 'cache-control': 'no-store' } }),
);
