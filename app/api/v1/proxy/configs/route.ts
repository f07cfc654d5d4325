// GET — the deployment's signed bundle: a full sync (paged) without cursor, a delta with one,
// 304 on If-None-Match when nothing changed, and long-poll with wait (lib/server/delivery/poll.ts).
import { z } from 'zod';
import { defineRoute } from '@/lib/server/api/route';
import { MAX_CURSOR_LENGTH } from '@/lib/server/delivery/cursor';
import { MAX_WAIT_SECONDS, pollBundle } from '@/lib/server/delivery/poll';

export const dynamic = 'force-dynamic';

const ZQuery = z.strictObject({
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
  wait: z.coerce.number({ error: `wait is a number of seconds from 0 to ${MAX_WAIT_SECONDS}.` }).int().min(0).max(MAX_WAIT_SECONDS, { error: `wait is at most ${MAX_WAIT_SECONDS} seconds.` }).optional(),
});

export const GET = defineRoute({ auth: 'proxy', query: ZQuery }, ({ request, deployment, query }) => pollBundle(request, deployment, query));
