// People and records for the authorization matrix, made through the real API
// with the browser's own crypto (lib/testing/api-client.ts): tenants
// matrix-a and matrix-b, each with a confirmed admin; matrix-b also has a
// pending admin and an open invitation, whose ids tenant A's admin must not reach.
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from '../fixtures/test';
import { BrokerClient, expectStatus, newAccount } from '@/lib/testing/api-client';
import { AUTH_DIR, MATRIX_FILE, matrixState, OPERATOR } from '../support/accounts';
import { enrollFirstAdmin as enrollAdmin, tokenFromMail } from '../support/enroll';
import { waitForMail } from '../support/mail';


const PASSPHRASE = 'matrix fixture passphrase 4417 plum';

function storageState(client: BrokerClient) {
  const { hostname } = new URL(client.baseUrl);
  return {
    cookies: [...client.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' as const })),
    origins: [],
  };
}

const enrollFirstAdmin = (base: string, tenant: string, email: string) => enrollAdmin(base, tenant, email, PASSPHRASE);

test('create the matrix tenants and people', async ({ baseURL }) => {
  const base = baseURL as string;
  const operator = new BrokerClient(base);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'matrix', displayName: 'Matrix' }), 201, 'environment');
  for (const id of ['matrix-a', 'matrix-b']) {
    expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: id, displayName: `Tenant ${id}`, environmentId: env.id, adminEmail: `admin@${id}.example` }), 201, id);
  }
  const adminA = await enrollFirstAdmin(base, 'matrix-a', 'admin@matrix-a.example');
  const adminB = await enrollFirstAdmin(base, 'matrix-b', 'admin@matrix-b.example');

  // matrix-b: a pending admin and an open invitation.
  expectStatus(await adminB.post('/api/v1/tenants/matrix-b/invitations', { email: 'pending@matrix-b.example' }), 201, 'invite pending');
  const pending = await newAccount('pending@matrix-b.example', PASSPHRASE);
  const pendingToken = tokenFromMail((await waitForMail('pending@matrix-b.example')).text);
  const pendingClient = new BrokerClient(base);
  expectStatus(await pendingClient.post('/api/v1/invitations/accept', { token: pendingToken, account: pending.body }), 201, 'accept pending');
  await pendingClient.signIn('pending@matrix-b.example', PASSPHRASE);
  const openInvitation = expectStatus<{ id: string }>(await adminB.post('/api/v1/tenants/matrix-b/invitations', { email: 'open@matrix-b.example' }), 201, 'open invite');
  const admins = expectStatus<{ admins: { id: string; email: string }[] }>(await adminB.get('/api/v1/tenants/matrix-b/admins'), 200, 'admins');
  const pendingMembership = admins.admins.find((a) => a.email === 'pending@matrix-b.example');
  const operatorInvitation = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/operators', { email: 'matrix-op@vendor.example' }), 201, 'operator invite');

  mkdirSync(AUTH_DIR, { recursive: true });
  writeFileSync(matrixState('admin-a'), JSON.stringify(storageState(adminA)));
  writeFileSync(matrixState('operator'), JSON.stringify(storageState(operator)));
  writeFileSync(matrixState('pending-b'), JSON.stringify(storageState(pendingClient)));
  writeFileSync(
    MATRIX_FILE,
    JSON.stringify({ pendingMembershipB: pendingMembership?.id, openInvitationB: openInvitation.id, operatorInvitation: operatorInvitation.id }),
  );
});
