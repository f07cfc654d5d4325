// Which signing key this browser trusts for each tenant (PROTOCOL.md "Tenant
// state", signing-key continuity), kept in localStorage beside the seq this
// browser has seen (`cmk-broker:seen-seq:<tenant>`, lib/client/configs.ts).
//
// The broker hands the tenant keys to the browser wrapped to the admin's key,
// and ECDH-ES does not authenticate the sender: anyone with the admin's public
// key — the broker, or whoever can write its database — can wrap a key set of
// their own. So the keys unwrapped here are accepted only when their signing
// key is the pinned one, or is reached from it by cmk-key-rotation+jws
// statements, each signed by the key before it (the same rule as the
// proxies'). A browser with no pin for the tenant trusts the first keys it
// opens (TOFU), unless the statements on record show that those keys were
// already replaced.
import type { JWK } from 'jose';
import { followKeyRotations } from '@/lib/crypto/key-rotation';
import { canonicalJwk, readPublicJwk } from '@/lib/crypto/p256-jwk';
import { formatFingerprint } from '@/lib/crypto/thumbprint';

const PIN_KEY = (tenantId: string) => `cmk-broker:signing-key:${tenantId}`;

/**
 * The tenant keys offered to this browser are not the ones it trusts. A
 * security failure, never retried: nothing was decrypted, signed, wrapped or
 * sent with the keys.
 */
export class UntrustedTenantKeysError extends Error {
  override readonly name = 'UntrustedTenantKeysError';
  constructor(
    message: string,
    /** The signing key this browser trusts (when it has one) and the one it was offered. */
    readonly pinnedKid?: string,
    readonly offeredKid?: string,
  ) {
    super(message);
  }
}

const fingerprint = (kid: string) => {
  try {
    return formatFingerprint(kid);
  } catch {
    return kid;
  }
};

/** The public signing key pinned for the tenant, or null. */
export async function pinnedSigningKey(tenantId: string): Promise<JWK | null> {
  if (typeof localStorage === 'undefined') return null;
  const stored = localStorage.getItem(PIN_KEY(tenantId));
  if (stored === null) return null;
  try {
    const jwk = JSON.parse(stored) as JWK;
    return await canonicalJwk(readPublicJwk(jwk, 'ecdsa', 'invalid_input'), 'ecdsa', jwk.kid, 'invalid_input');
  } catch {
    // Only script of this origin writes here, and such script could use the keys directly: an
    // unreadable value is damage, not an attack, and is read as no pin (as seenSeq reads a bad seq as 0).
    return null;
  }
}

/**
 * Checks that `signing` (the public half of a signing key this browser
 * unwrapped or made, kid = thumbprint) is the tenant's trusted key: the pinned
 * one, or the end of the rotation chain from it. With no pin, `signing` itself
 * is the start, so keys that a verified statement already replaced are refused
 * even on first use. Throws UntrustedTenantKeysError; returns the canonical
 * public JWK to pin. Moves nothing.
 */
export async function checkSigningKey(tenantId: string, signing: JWK, keyRotations: readonly string[]): Promise<JWK> {
  const offered = await canonicalJwk(readPublicJwk(signing, 'ecdsa', 'invalid_input'), 'ecdsa', signing.kid, 'invalid_input');
  const offeredKid = offered.kid as string;
  const pinned = await pinnedSigningKey(tenantId);
  const start = pinned ?? offered;
  const startKid = start.kid as string;
  let chain: JWK[];
  try {
    chain = await followKeyRotations(start, [...(keyRotations ?? [])], `tenant:${tenantId}`);
  } catch (cause) {
    throw new UntrustedTenantKeysError(
      `The key rotation statements the broker sent for tenant “${tenantId}” do not verify from the signing key this browser trusts (${fingerprint(startKid)}): ${(cause as Error).message} The tenant keys were not used.`,
      pinned ? startKid : undefined,
      offeredKid,
    );
  }
  if (chain.at(-1)?.kid !== offeredKid) {
    throw new UntrustedTenantKeysError(
      startKid !== offeredKid
        ? `The broker gave this browser tenant keys for “${tenantId}” with the signing key ${fingerprint(offeredKid)}, but this browser trusts ${fingerprint(startKid)}, and no key rotation signed by that key leads to the new one. The keys may have been substituted by the broker or by someone with access to its database; they were not used.`
        : `The broker gave this browser tenant keys for “${tenantId}” (signing key ${fingerprint(offeredKid)}) that a signed key rotation has already replaced, so they are not the tenant’s current keys. They were not used.`,
      pinned ? startKid : undefined,
      offeredKid,
    );
  }
  return offered;
}

/** Pins `signing` for the tenant: only with a key checkSigningKey returned. */
export function pinSigningKey(tenantId: string, signing: JWK): void {
  if (typeof localStorage === 'undefined') return;
  const value = JSON.stringify(signing);
  if (localStorage.getItem(PIN_KEY(tenantId)) !== value) localStorage.setItem(PIN_KEY(tenantId), value);
}

/** checkSigningKey, then the pin moves to the key (or is set, on first use). */
export async function acceptSigningKey(tenantId: string, signing: JWK, keyRotations: readonly string[]): Promise<void> {
  pinSigningKey(tenantId, await checkSigningKey(tenantId, signing, keyRotations));
}
