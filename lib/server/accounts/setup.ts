import 'server-only';
// First run: while no operator exists, the broker prints a one-time setup
// token at start (stdout, not the JSON log) and /setup accepts it once to
// create the first operator — so nobody else on the network can claim the
// broker. The token is stored only as a hash; each start issues a new one.
import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import type { ZSetup } from '@/lib/schemas/account';
import { getPrisma } from '@/lib/server/db';
import { deleteSetting, getSetting, putSetting } from '@/lib/server/dal/settings';
import { countOperators, createUser, normalizeEmail } from '@/lib/server/dal/users';
import { operatorActor, recordAudit, type AuditContext } from '@/lib/server/audit/record';
import { AppError } from '@/lib/server/errors';
import { hashToken, newToken } from '@/lib/server/ids';
import { prepareAccount } from './new-account';

const SETTING = 'setup_token';

export async function isSetupNeeded(): Promise<boolean> {
  return (await countOperators(await getPrisma())) === 0;
}

/** Issues a fresh setup token if no operator exists; returns it for printing. */
export async function issueSetupToken(): Promise<string | null> {
  const db = await getPrisma();
  if ((await countOperators(db)) > 0) {
    await deleteSetting(db, SETTING);
    return null;
  }
  const token = newToken();
  await putSetting(db, SETTING, { hash: hashToken(token), issuedAt: new Date().toISOString() });
  return token;
}

export async function completeSetup(body: z.infer<typeof ZSetup>, context?: AuditContext): Promise<{ userId: string }> {
  const prepared = await prepareAccount(body.account, true);
  const db = await getPrisma();
  return db.$transaction(async (tx) => {
    if ((await countOperators(tx)) > 0) throw new AppError('not_found', { message: 'The broker is already set up.' });
    const stored = await getSetting<{ hash: string }>(tx, SETTING);
    const given = Buffer.from(hashToken(body.setupToken.trim()));
    if (!stored || !timingSafeEqual(Buffer.from(stored.hash), given)) {
      throw new AppError('validation_failed', { fields: [{ path: 'setupToken', message: 'This setup token is not valid. Copy it from the server log of the latest start.' }] });
    }
    const user = await createUser(tx, prepared);
    await deleteSetting(tx, SETTING);
    await recordAudit(tx, { actor: operatorActor({ id: user.id, email: normalizeEmail(prepared.email) }), action: 'account.setup', target: { type: 'user', id: user.id }, details: { userId: user.id }, context });
    return { userId: user.id };
  });
}
