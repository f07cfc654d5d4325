// Any /api path without a route: a problem+json 404 rather than an HTML page.
import { defineRoute } from '@/lib/server/api/route';
import { AppError } from '@/lib/server/errors';

export const dynamic = 'force-dynamic';

const notFound = defineRoute({ auth: 'public' }, async () => {
  throw new AppError('not_found', { message: 'No API route at this path.' });
});

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
