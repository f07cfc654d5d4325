import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { ZProxyCredentials } from '@/lib/schemas/deployments';
import type { TCreatedDeployment } from './api';
import { buildCredentials, credentialsFileName, newDeploymentKeyPair } from './deployment-credentials';
import { nextRecipients } from './deployments';
import { isKeyGenuine } from './recipients';

const API_KEY = `cmkp_${'A'.repeat(43)}`;

/** The broker's answer registering `registered` (kid and public JWK, unless `publicJwk` says otherwise). */
async function created(registered: { kid: string; publicJwk: JWK }, publicJwk: JWK = registered.publicJwk): Promise<TCreatedDeployment> {
  const broker = await newDeploymentKeyPair();
  return {
    deployment: { id: 'dep_AAAAAAAAAAAAAAAA', kid: registered.kid, publicJwk } as TCreatedDeployment['deployment'],
    apiKey: API_KEY,
    credentials: { brokerUrl: 'http://localhost:3000', deploymentId: 'dep_AAAAAAAAAAAAAAAA', apiKey: API_KEY, brokerJwks: { keys: [broker.publicJwk] } },
  };
}

describe('deployment credentials', () => {
  it('makes a key pair whose kid is the thumbprint and whose public half has no d', async () => {
    const pair = await newDeploymentKeyPair();
    expect(pair.publicJwk.d).toBeUndefined();
    expect(pair.privateJwk.d).toBeTypeOf('string');
    expect(await jwkThumbprint(pair.publicJwk)).toBe(pair.kid);
    expect(pair.privateJwk).toMatchObject({ kid: pair.kid, alg: 'ECDH-ES+A256KW', use: 'enc' });
  });

  it('builds a file that passes ZProxyCredentials and holds the private key', async () => {
    const pair = await newDeploymentKeyPair();
    const file = await buildCredentials(await created(pair), pair);
    expect(ZProxyCredentials.parse(file).privateJwk.d).toBe(pair.privateJwk.d);
    expect(file.apiKey).toBe(API_KEY);
  });

  it('refuses an answer that registered another key', async () => {
    const pair = await newDeploymentKeyPair();
    const other = await newDeploymentKeyPair();
    const answer = await created(other);
    await expect(buildCredentials(answer, pair)).rejects.toThrow(/another key/);
  });

  // A simulated malicious broker: it echoes the kid of the key made here (so a
  // kid-only check passes) but stores and returns its own public JWK, whose
  // fingerprint tenant admins would then compare and approve.
  it('refuses an answer whose public JWK is another key, even with the right kid', async () => {
    const pair = await newDeploymentKeyPair();
    const broker = await newDeploymentKeyPair();
    await expect(buildCredentials(await created(pair, broker.publicJwk), pair)).rejects.toThrow(/another key/);
    await expect(buildCredentials(await created(pair, { kty: 'EC', crv: 'P-256' }), pair)).rejects.toThrow(/another key/);
  });

  it('names the file after the deployment', () => {
    expect(credentialsFileName('Prod EU / 1')).toBe('cmk-proxy-prod-eu-1.credentials.json');
  });
});

describe('approvals', () => {
  it('adds and removes kids without duplicates', () => {
    expect(nextRecipients(['a'], { approve: 'b' })).toEqual(['a', 'b']);
    expect(nextRecipients(['a', 'b'], { approve: 'b' })).toEqual(['a', 'b']);
    expect(nextRecipients(['a', 'b'], { remove: 'a' })).toEqual(['b']);
  });

  it('accepts a public key only when it hashes to its kid', async () => {
    const pair = await newDeploymentKeyPair();
    const other = await newDeploymentKeyPair();
    expect(await isKeyGenuine({ kid: pair.kid, publicJwk: pair.publicJwk })).toBe(true);
    expect(await isKeyGenuine({ kid: pair.kid, publicJwk: other.publicJwk })).toBe(false);
    expect(await isKeyGenuine({ kid: pair.kid, publicJwk: pair.privateJwk })).toBe(false);
    expect(await isKeyGenuine({ kid: pair.kid, publicJwk: null })).toBe(false);
  });
});
