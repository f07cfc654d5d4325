// The operator's side of a new proxy deployment: its ECDH P-256 key pair is
// made here, in the browser; only the public half is sent to the broker. The
// private half goes into the credentials file the operator downloads once
// (PROTOCOL.md "Keys" 2) and is never sent anywhere.
import type { JWK } from 'jose';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { ZProxyCredentials, type TProxyCredentials } from '@/lib/schemas/deployments';
import type { TCreatedDeployment } from './api';
import { downloadText } from './download';

export type TDeploymentKeyPair = { kid: string; publicJwk: JWK; privateJwk: JWK };

/** A fresh extractable ECDH P-256 pair as JWKs; kid = RFC 7638 thumbprint, alg ECDH-ES+A256KW, use enc. */
export async function newDeploymentKeyPair(): Promise<TDeploymentKeyPair> {
  const { publicJwk, privateJwk } = await generateJwkPair('ecdh');
  if (!publicJwk.kid || publicJwk.d !== undefined) throw new Error('The deployment key could not be made.');
  return { kid: publicJwk.kid, publicJwk, privateJwk };
}

/**
 * The credentials file's content: the broker's answer plus the private key.
 * The broker must have registered exactly the key made here, for the
 * deployment it names; anything else is refused before a file is offered.
 * Both the kid and the public JWK it echoes are checked: tenant admins later
 * compare fingerprints computed from the stored JWK, so a JWK that is not the
 * one made here must never pass, whatever kid comes with it. (The operator's
 * panel shows the fingerprint of `pair.publicJwk`, never the echo.)
 */
export async function buildCredentials(created: TCreatedDeployment, pair: TDeploymentKeyPair): Promise<TProxyCredentials> {
  const registered = await jwkThumbprint(created.deployment.publicJwk as JWK).catch(() => null);
  if (created.deployment.kid !== pair.kid || registered !== pair.kid) {
    throw new Error('The broker registered another key than the one made in this browser. Do not use this deployment.');
  }
  if (created.credentials.deploymentId !== created.deployment.id || created.credentials.apiKey !== created.apiKey) {
    throw new Error('The broker’s answer does not describe one deployment consistently.');
  }
  return ZProxyCredentials.parse({
    brokerUrl: created.credentials.brokerUrl,
    deploymentId: created.credentials.deploymentId,
    apiKey: created.apiKey,
    privateJwk: pair.privateJwk,
    brokerJwks: created.credentials.brokerJwks,
  });
}

/** "prod-eu" → "cmk-proxy-prod-eu.credentials.json". */
export function credentialsFileName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'deployment';
  return `cmk-proxy-${slug}.credentials.json`;
}

/** Offers `credentials` as a JSON download. */
export function downloadCredentials(credentials: TProxyCredentials, fileName: string): void {
  downloadText(`${JSON.stringify(credentials, null, 2)}\n`, fileName, 'application/json');
}
