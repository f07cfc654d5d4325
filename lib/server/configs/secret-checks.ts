import 'server-only';
// The `secrets` of a new tenant state, checked against the state before and
// the wrapped secrets the broker holds (docs/tsp.md "Deterministic keys"):
// - the tenant's own rotation rules (checkSecretsTransition): nothing
//   dropped, nothing back from archived or rotating, no pin changed, no id reused;
// - every digest the state newly pins is the digest of a stored wrapped
//   secret of that path and id, so the tenant never pins what no proxy made.
// A pin carried unchanged from the state before was checked when it was
// first made: re-issues, key rotations and every other change carry it as it is.
import { checkSecretsTransition } from '@/lib/crypto/tenant-secrets';
import type { TTenantState } from '@/lib/crypto/tenant-state';
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';
import { secretKey, tenantSecretDigests } from '@/lib/server/dal/tenant-secrets';
import { AppError } from '@/lib/server/errors';

const refuse = (message: string) => new AppError('validation_failed', { message, fields: [{ path: 'state', message }] });

export async function checkStateSecrets(db: PrismaClient | Prisma.TransactionClient, tenantId: string, previous: TTenantState | null, state: TTenantState): Promise<void> {
  if (!previous?.secrets && !state.secrets) return;
  try {
    checkSecretsTransition(previous?.secrets, state.secrets);
  } catch (error) {
    throw refuse(`The tenant state’s secrets do not follow from the state before: ${(error as Error).message}`);
  }
  const pinnedBefore = new Map((previous?.secrets ?? []).map((s) => [secretKey(s), s.digest]));
  const newPins = (state.secrets ?? []).filter((s) => s.digest !== undefined && pinnedBefore.get(secretKey(s)) !== s.digest);
  if (!newPins.length) return;
  const stored = await tenantSecretDigests(db, tenantId, newPins);
  const unknown = newPins.find((s) => stored.get(secretKey(s)) !== s.digest);
  if (unknown) {
    throw refuse(`The tenant state pins secret ${unknown.tenantSecretId} of path "${unknown.secretPath}" to a wrapped secret the broker does not hold. Reload and try again.`);
  }
}
