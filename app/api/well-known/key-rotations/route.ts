// GET /.well-known/cmk-key-rotations.json (rewritten here) — every cmk-key-rotation+jws statement,
// oldest first: each signed by the previous broker key and naming the next.
import { defineRoute } from '@/lib/server/api/route';
import { keyRotationStatements } from '@/lib/server/signing';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'public' }, async () => Response.json(await keyRotationStatements(), { headers: { 'cache-control': 'public, max-age=60' } }));
