// Operators: vendor-wide rules (second factor required for operators).
import { z } from 'zod';
import { isOperatorMfaRequired, setOperatorMfaRule } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';
import { operatorAudit } from '@/lib/server/audit/record';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ operatorsRequireMfa: await isOperatorMfaRequired() }));

export const PATCH = defineRoute({ auth: 'operator', body: z.object({ operatorsRequireMfa: z.boolean() }) }, async (ctx) => {
  await setOperatorMfaRule(ctx.user, ctx.body.operatorsRequireMfa, operatorAudit(ctx));
  return { operatorsRequireMfa: ctx.body.operatorsRequireMfa };
});
