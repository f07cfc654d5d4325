// A walk's starting point made through the operator API: an environment, a
// tenant with its first admin invited, and a proxy deployment whose
// credentials file is assembled here (the broker's part and a private key
// made in this process), as the operator's browser would.
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TProxyCredentials } from '@/lib/schemas/deployments';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR } from './accounts';

export async function createTenantWithDeployment(
  baseURL: string,
  o: { environment: { slug: string; displayName: string }; tenant: { externalId: string; displayName: string; adminEmail: string }; deployment: string },
): Promise<TProxyCredentials> {
  const operator = new BrokerClient(baseURL);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const environmentId = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', o.environment), 201, 'env').id;
  expectStatus(await operator.post('/api/v1/operator/tenants', { ...o.tenant, environmentId }), 201, 'tenant');
  return createDeploymentCredentials(operator, o.deployment, environmentId);
}

/** A proxy deployment made by the signed-in operator, with the credentials file its browser would assemble. */
export async function createDeploymentCredentials(operator: BrokerClient, name: string, environmentId: string): Promise<TProxyCredentials> {
  const pair = await generateJwkPair('ecdh');
  const created = expectStatus<{ credentials: Omit<TProxyCredentials, 'privateJwk'> }>(
    await operator.post('/api/v1/operator/deployments', { name, environmentId, publicJwk: pair.publicJwk }),
    201,
    `deployment ${name}`,
  );
  return { ...created.credentials, privateJwk: { ...pair.privateJwk, alg: 'ECDH-ES+A256KW', use: 'enc' } as never };
}

