// GET /.well-known/jwks.json (rewritten here) — the broker's public signing keys: the active one and
// any superseded key whose bundles may not all have expired yet. Proxies pin keys from their
// credentials file and extend the pin only through rotation statements, never from this alone.
import { defineRoute } from '@/lib/server/api/route';
import { publishedJwks } from '@/lib/server/signing';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async () =>
  Response.json(await publishedJwks(), { headers: { 'cache-control': 'public, max-age=60', 'content-type': 'application/jwk-set+json' } }),
);
