// Next.js hook: errors thrown while rendering or in route handlers reach our
// structured logger with the request id and Next's digest (the reference the
// error page shows), instead of only Next's console output.
import type { Instrumentation } from 'next';

export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getLogger } = await import('@/lib/server/log');
  const headers = request.headers as Record<string, string | string[] | undefined>;
  getLogger().error(
    {
      requestId: headers['x-request-id'],
      digest: (error as { digest?: string }).digest,
      method: request.method,
      path: request.path.split('?')[0],
      routePath: context.routePath,
      routeType: context.routeType,
      err: error,
    },
    'unhandled error while rendering',
  );
};
