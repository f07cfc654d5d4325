// Operators: vendor-wide rules (second factor required for operators).
import { z } from 'zod';
import { isOperatorMfaRequired, setOperatorMfaRule } from '@/lib/server/accounts/account';
import { defineRoute } from '@/lib/server/api/route';

export const dynamic = 'force-dynamic';

export const GET = defineRoute({ auth: 'operator' }, async () => ({ operatorsRequireMfa: await isOperatorMfaRequired() }));

export const PATCH = defineRoute({ auth: 'operator', body: z.object({ operatorsRequireMfa: z.boolean() }) }, async ({ user, body }) => {
  await setOperatorMfaRule(user, body.operatorsRequireMfa);
  return { operatorsRequireMfa: body.operatorsRequireMfa };
});
