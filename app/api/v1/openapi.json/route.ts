// The vendor API's OpenAPI 3.1 description. Public, like most API
// descriptions: it holds no data, only the shape of the API.
import { getEnv } from '@/lib/env';
import { defineRoute } from '@/lib/server/api/route';
import { buildOpenApiDocument } from '@/lib/server/vendor/openapi';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async () =>
  Response.json(buildOpenApiDocument(getEnv().PUBLIC_URL), { headers: { 'cache-control': 'public, max-age=300' } }),
);
