// Which admin public key this browser may treat as a person's own, and which
// key a confirmation wraps to. The broker hands out every admin's public JWK
// (GET /api/v1/account, the admin list); if it, or anyone who writes to its
// database, puts its own key there, whatever is wrapped to "me" or shown as
// "my fingerprint" goes to that key. The one admin key id the broker cannot
// choose is the one this browser unlocked: it is bound into the AES-GCM
// associated data of the sealed admin key (lib/crypto/admin-key.ts), which
// only the passphrase opens. So the server's JWK counts as "mine" only when
// its thumbprint, computed here, is that kid.
import type { JWK } from 'jose';
import { canonicalJwk, readPublicJwk } from '@/lib/crypto/p256-jwk';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { loadKeys } from './key-store';

export type TOwnAdminKeyProblem = 'locked' | 'mismatch';

export class OwnAdminKeyError extends Error {
  override readonly name = 'OwnAdminKeyError';
  constructor(
    readonly code: TOwnAdminKeyProblem,
    message: string,
  ) {
    super(message);
  }
}

export const LOCKED_MESSAGE = 'Your keys are locked in this browser. Unlock them with your passphrase first.';
export const MISMATCH_MESSAGE =
  'The key the broker lists as yours is not the one your passphrase unlocks in this browser. Someone may be trying to receive tenant keys meant for you: do not continue, and tell another administrator and the vendor.';

export type TOwnAdminKey =
  | { status: 'verified'; publicJwk: JWK; kid: string }
  | { status: 'locked'; message: string }
  | { status: 'mismatch'; message: string };

/** A public ECDH JWK rebuilt from its key members, kid computed here, frozen so nothing can swap it afterwards. */
async function canonicalPublicJwk(jwk: unknown): Promise<JWK> {
  const members = readPublicJwk(jwk, 'ecdh', 'invalid_input');
  return Object.freeze(await canonicalJwk(members, 'ecdh', (jwk as JWK).kid, 'invalid_input'));
}

/**
 * Checks the server's copy of this user's admin public key against the kid of
 * the admin key unlocked in this browser. Never throws: the page shows each
 * outcome (unlock form, error, fingerprint).
 */
export async function checkOwnAdminKey(userId: string, serverJwk: JWK | null | undefined): Promise<TOwnAdminKey> {
  const stored = await loadKeys(userId);
  if (!stored) return { status: 'locked', message: LOCKED_MESSAGE };
  let publicJwk: JWK;
  try {
    publicJwk = await canonicalPublicJwk(serverJwk);
  } catch {
    return { status: 'mismatch', message: MISMATCH_MESSAGE };
  }
  if (publicJwk.kid !== stored.adminKid) return { status: 'mismatch', message: MISMATCH_MESSAGE };
  return { status: 'verified', publicJwk, kid: stored.adminKid };
}

/** The key to wrap tenant keys to "myself": the server's JWK only if it is the unlocked key; otherwise throws. */
export async function ownAdminPublicJwk(userId: string, serverJwk: JWK | null | undefined): Promise<JWK> {
  const own = await checkOwnAdminKey(userId, serverJwk);
  if (own.status !== 'verified') throw new OwnAdminKeyError(own.status, own.message);
  return own.publicJwk;
}

/** react-query options for checkOwnAdminKey; under ['keys', userId] so unlocking (which invalidates that) re-checks. */
export function ownAdminKeyQuery(account: { id: string; adminPublicJwk: JWK } | undefined) {
  return {
    queryKey: ['keys', account?.id ?? '', 'own-admin-key', account?.adminPublicJwk ?? null] as const,
    queryFn: () => checkOwnAdminKey((account as { id: string }).id, account?.adminPublicJwk),
    enabled: !!account,
    retry: false,
  };
}

/** Another admin's key as the confirming admin sees it: the JWK to wrap to and its thumbprint, both fixed here. */
export type TPinnedAdminKey = { publicJwk: JWK; thumbprint: string };

/**
 * Pins the key a confirmation is about. The fingerprint on screen and the key
 * the tenant keys are wrapped to must be one and the same: this returns a
 * frozen copy (key members only, kid = the thumbprint computed here, never the
 * server's adminKeyKid) that the dialog shows and the confirmation wraps to.
 * Anything that is not a public ECDH P-256 key, or whose kid is not its
 * thumbprint, is refused.
 */
export async function pinAdminKey(serverJwk: unknown): Promise<TPinnedAdminKey> {
  let publicJwk: JWK;
  try {
    publicJwk = await canonicalPublicJwk(serverJwk);
  } catch {
    throw new Error('The key the broker shows for this administrator is not a valid public key. Do not confirm them.');
  }
  return Object.freeze({ publicJwk, thumbprint: await jwkThumbprint(publicJwk) });
}
