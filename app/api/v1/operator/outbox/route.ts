// Operators: mail the broker sent or kept (embedded mode without SMTP).
import { z } from 'zod';
import { readOutbox } from '@/lib/server/accounts/operator';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator', query: z.object({ cursor: z.string().max(100).optional() }) }, async ({ query }) => readOutbox(query.cursor));
