// GET /api/v1/bench-floor — the framework floor of bench/poll-throughput.ts: an
// empty Next.js route handler answering 304, with nothing of ours in it. It
// answers only in a broker started with BENCH_FLOOR_ROUTE=1 (the benchmark's
// own); everywhere else it is the same problem+json 404 as any unknown path.
import { AppError } from '@/lib/server/errors';
import { errorResponse } from '@/lib/server/problem';
import { requestIdFrom } from '@/lib/server/request-id';

export const dynamic = 'force-dynamic';

export const GET = (request: Request): Response => {
  if (process.env.BENCH_FLOOR_ROUTE !== '1') return errorResponse(new AppError('not_found', { message: 'No API route at this path.' }), requestIdFrom(request.headers));
  return new Response(null, { status: 304, headers: { etag: '"bench.1"', 'cache-control': 'private, no-cache' } });
};
