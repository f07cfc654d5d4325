// GET — the deployment's pending configuration tests, claimed by this call (a draft's JWE is dropped as it is handed over); with none, held up to `wait` seconds.
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { MAX_TEST_WAIT_SECONDS, pollConfigTests } from '@/lib/server/config-tests/proxy';

export const dynamic = 'force-dynamic';

const ZQuery = z.strictObject({
  wait: z.coerce
    .number({ error: `wait is a number of seconds from 0 to ${MAX_TEST_WAIT_SECONDS}.` })
    .int()
    .min(0)
    .max(MAX_TEST_WAIT_SECONDS, { error: `wait is at most ${MAX_TEST_WAIT_SECONDS} seconds.` })
    .optional(),
});

export const GET = defineRoute({ auth: 'proxy', query: ZQuery }, ({ request, deployment, query }) => pollConfigTests(request, deployment, query));
