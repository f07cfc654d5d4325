// POST — one deployment's result for a configuration test it picked up: outcome, failing step, code and latency, never a message.
import { z } from 'zod';
import { ZConfigTestId, ZConfigTestResult } from '@/lib/schemas/config-tests';
import { defineRoute } from '@/lib/server/api/route';
import { reportConfigTestResult } from '@/lib/server/config-tests/proxy';

export const dynamic = 'force-dynamic';

export const POST = defineRoute({ auth: 'proxy', params: z.object({ testId: ZConfigTestId }), body: ZConfigTestResult, maxBodyBytes: 4096 }, async ({ deployment, params, body }) => {
  await reportConfigTestResult(deployment, params.testId, body);
  return new Response(null, { status: 204 });
});
