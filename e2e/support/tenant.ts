// A tenant of a spec's own with its first admin, made through the real API
// (the operator's session, then the admin's enrolment with the browser's crypto),
// for specs that need a signed-in tenant admin but not the invitation walk.
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR } from './accounts';
import { enrollFirstAdmin } from './enroll';

export async function createTenantWithAdmin(base: string, tenant: string, admin: { email: string; passphrase: string }): Promise<void> {
  const operator = new BrokerClient(base);
  const signedIn = await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  if (!signedIn.ok) throw new Error('the operator could not sign in');
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: tenant, displayName: tenant }), 201, 'environment');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: tenant, displayName: `Tenant ${tenant}`, environmentId: env.id, adminEmail: admin.email }), 201, 'tenant');
  await enrollFirstAdmin(base, tenant, admin.email, admin.passphrase);
}
