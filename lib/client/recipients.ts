// Who a configuration is sealed to besides the tenant itself: the proxy
// deployments the tenant approved. The list of kids is what the latest
// verified tenant state says; the broker only supplies the public keys, and
// each one must hash (RFC 7638) to the kid it stands for, so a substituted key
// is refused instead of silently becoming a recipient.
import type { JWK } from 'jose';
import type { TSealRecipient } from '@/lib/crypto/seal-config';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { api, type TTenantDeployment, type TTenantDeployments } from './api';

/** The public members only, with kid/alg/use as the sealer expects them. */
function publicMembers(jwk: JWK, kid: string): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ECDH-ES+A256KW', use: 'enc' };
}

/** True when the deployment's public key on record is the key its kid names. */
export async function isKeyGenuine(deployment: Pick<TTenantDeployment, 'kid' | 'publicJwk'>): Promise<boolean> {
  if (!deployment.publicJwk || deployment.publicJwk.d !== undefined) return false;
  try {
    return (await jwkThumbprint(deployment.publicJwk)) === deployment.kid;
  } catch {
    return false;
  }
}

/**
 * The sealing recipients for the deployment kids `kids`, from `listing` (fetched
 * when not given). Throws when a key is missing or is not the key its kid names.
 */
export async function deploymentRecipients(tenantId: string, kids: readonly string[], listing?: TTenantDeployments): Promise<TSealRecipient[]> {
  if (kids.length === 0) return [];
  const known = listing ?? (await api.tenantDeployments(tenantId));
  const out: TSealRecipient[] = [];
  for (const kid of kids) {
    const deployment = known.deployments.find((d) => d.kid === kid);
    if (!deployment?.publicJwk) {
      throw new Error(
        `An approved proxy deployment (key ${kid.slice(0, 8)}…) has no public key on record, so nothing can be sealed to it. Remove it on the Deployments page first.`,
      );
    }
    if (!(await isKeyGenuine(deployment))) {
      throw new Error(`The broker sent a key for proxy deployment ${deployment.name ?? kid.slice(0, 8)} that is not the approved one. Do not continue; tell the vendor.`);
    }
    out.push({ kid, publicJwk: publicMembers(deployment.publicJwk, kid) });
  }
  return out;
}
