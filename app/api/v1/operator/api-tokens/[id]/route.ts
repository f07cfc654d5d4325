// Operators: revoke a vendor API token (its next request gets 401).
import { z } from 'zod';
import { ZApiTokenId } from '@/lib/schemas/api-tokens';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';
import { revokeApiToken } from '@/lib/server/vendor/tokens';

export const dynamic = 'force-dynamic';

export const DELETE = defineRoute({ auth: 'operator', params: z.object({ id: ZApiTokenId }) }, (ctx) => revokeApiToken(ctx.params.id, operatorAudit(ctx)));
