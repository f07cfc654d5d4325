// A tenant's first admin, enrolled through the real API with the browser's own
// crypto from the invitation mail the broker sent: for specs that need an
// admin of a tenant of their own.
import { BrokerClient, expectStatus, newAccount, newTenantKeys } from '@/lib/testing/api-client';
import { waitForMail } from './mail';

export function tokenFromMail(text: string): string {
  const token = /\/invite#([A-Za-z0-9_-]{43})/.exec(text)?.[1];
  if (!token) throw new Error('no invitation token in mail');
  return token;
}

export async function enrollFirstAdmin(base: string, tenant: string, email: string, passphrase: string): Promise<BrokerClient> {
  const account = await newAccount(email, passphrase);
  const keys = await newTenantKeys(tenant, account.adminPublicJwk, false);
  const client = new BrokerClient(base);
  const token = tokenFromMail((await waitForMail(email)).text);
  expectStatus(await client.post('/api/v1/invitations/accept', { token, account: account.body, tenantKeys: keys.body }), 201, `accept ${email}`);
  await client.signIn(email, passphrase);
  return client;
}
