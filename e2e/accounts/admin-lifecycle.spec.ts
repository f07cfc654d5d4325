// The rest of an admin's life: a pending admin recovers the tenant keys with
// the recovery code; a tenant's MFA rule; a passphrase change (which ends the
// account's other sessions); removing an admin; sign out everywhere.
import { type Browser, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { choosePassphrase, OPERATOR, signIn, tenantTab } from '../support/accounts';
import { invitationLink, waitForMail } from '../support/mail';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { APP_SCRIPTS, holdBack } from '../support/slow-requests';
import { totp } from '../support/totp';
import { expectNoSeriousAxe } from '../support/axe';

test.describe.configure({ mode: 'serial' });

const CAROL = { email: 'carol@globex.example', passphrase: 'tundra maple vortex 2024 cobalt', next: 'ocelot granite rhythm 9090 sable' };
const DAVE = { email: 'dave@globex.example', passphrase: 'pewter canyon lyric 5150 ferret' };
let carol: Page;
let dave: Page;
let recoveryCode = '';
let carolRecoveryCodes: string[] = [];

async function freshPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test('a tenant is created and its first admin keeps the recovery code', async ({ browser, baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'lifecycle', displayName: 'Lifecycle' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: 'globex', displayName: 'Globex', environmentId: env.id, adminEmail: CAROL.email }), 201, 'tenant');

  carol = await freshPage(browser);
  await carol.goto(invitationLink(await waitForMail(CAROL.email)));
  await choosePassphrase(carol, CAROL.passphrase);
  await carol.getByRole('button', { name: 'Accept the invitation' }).click();
  recoveryCode = (await carol.getByTestId('recovery-code').textContent()) ?? '';
  await carol.getByRole('checkbox', { name: 'I have stored the recovery code' }).check();
  await carol.getByRole('button', { name: 'Continue' }).click();
  await expect(carol).toHaveURL(/\/t\/globex\/configs$/);
  await tenantTab(carol, 'Admins & keys').click();
  await expect(carol.getByTestId('tenant-keys-unlocked')).toBeVisible();
});

test('a pending admin recovers the tenant keys with the recovery code, which then is used up', async ({ browser }) => {
  await carol.getByRole('region', { name: 'Invite an administrator' }).getByLabel('Email').fill(DAVE.email);
  await carol.getByRole('button', { name: 'Send invitation' }).click();
  dave = await freshPage(browser);
  // Dave's connection is slow: the recovery form is there before the page is interactive, and before his
  // account has loaded; he types the code at once.
  await holdBack(dave, APP_SCRIPTS);
  await holdBack(dave, '**/api/v1/account', 4_000);
  await dave.goto(invitationLink(await waitForMail(DAVE.email)));
  await choosePassphrase(dave, DAVE.passphrase);
  await dave.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(dave.getByRole('heading', { name: 'Waiting for confirmation' })).toBeVisible();

  await dave.getByLabel('Recovery code', { exact: true }).fill('AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA');
  await dave.getByRole('button', { name: 'Recover' }).click();
  await dave.unrouteAll({ behavior: 'wait' });
  // Each kit costs a 600 000-round PBKDF2 in the page.
  await expect(dave.getByText('This code does not open any recovery kit of this tenant.')).toBeVisible({ timeout: 30_000 });

  await dave.getByLabel('Recovery code', { exact: true }).fill(recoveryCode.toLowerCase().replaceAll('-', ' '));
  await dave.getByRole('button', { name: 'Recover' }).click();
  await expect(dave.getByTestId('tenant-keys-unlocked')).toBeVisible({ timeout: 30_000 });
  const kits = await dave.request.get('/api/v1/tenants/globex/recovery-kits');
  expect(((await kits.json()) as { kits: unknown[] }).kits).toEqual([]);
});

test('a tenant can require a second factor; admins without one are sent to set it up', async () => {
  await carol.reload();
  // Wait until the page is interactive (keys unlocked by client code) before clicking controlled inputs.
  await expect(carol.getByTestId('tenant-keys-unlocked')).toBeVisible();
  const rule = carol.getByRole('checkbox', { name: /Require a second factor/ });
  await rule.click();
  await expect(carol.getByText('Turn on your own second factor first')).toBeVisible();
  await expect(rule).not.toBeChecked();

  await carol.goto('/account');
  await carol.getByRole('button', { name: 'Set up a second factor' }).click();
  const secret = (await carol.getByTestId('totp-secret').textContent()) ?? '';
  await carol.getByLabel('6-digit code').fill(totp(secret));
  await carol.getByRole('button', { name: 'Turn on' }).click();
  await expect(carol.getByTestId('mfa-recovery-codes').getByRole('listitem')).toHaveCount(10);
  carolRecoveryCodes = await carol.getByTestId('mfa-recovery-codes').getByRole('listitem').allTextContents();
  expect(carolRecoveryCodes).toHaveLength(10);
  await carol.getByRole('button', { name: 'I have stored them' }).click();
  await carol.goto('/t/globex/admins');
  await expect(carol.getByTestId('tenant-keys-unlocked')).toBeVisible();
  // A controlled box shows the change once the mutation is pending (a render later): click, then wait for it.
  await carol.getByRole('checkbox', { name: /Require a second factor/ }).click();
  await expect(carol.getByRole('checkbox', { name: /Require a second factor/ })).toBeChecked();

  await dave.goto('/t/globex');
  await expect(dave).toHaveURL(/\/account\?mfa=required/);
  await expect(dave.getByText('Required for your account')).toBeVisible();
  expect((await dave.request.get('/api/v1/tenants/globex/keys')).status()).toBe(403);
});

test('removing an admin ends their access; the last admin cannot be removed', async () => {
  await carol.goto('/t/globex/admins');
  await carol.getByRole('button', { name: `Remove ${DAVE.email}` }).click();
  await carol.getByRole('dialog', { name: `Remove ${DAVE.email}?` }).getByRole('button', { name: 'Remove' }).click();
  await expect(carol.getByTestId(`admin-row-${DAVE.email}`)).toHaveCount(0);
  expect((await dave.goto('/t/globex'))?.status()).toBe(404);

  const admins = (await (await carol.request.get('/api/v1/tenants/globex/admins')).json()) as { admins: { id: string; isMe: boolean }[] };
  const me = admins.admins.find((a) => a.isMe);
  const response = await carol.request.delete(`/api/v1/tenants/globex/admins/${me?.id}`, { headers: { origin: new URL(carol.url()).origin } });
  expect(response.status()).toBe(409);
  expect(((await response.json()) as { detail: string }).detail).toContain('The last confirmed administrator cannot be removed');
});

test('after the removal the tenant keys are rotated: the configuration is sealed again and opens with the new keys', async () => {
  test.setTimeout(120_000);
  // A configuration to carry across the rotation.
  const provider = findProvider('aws-kms') as TProvider;
  const settings = provider.example as Record<string, unknown>;
  const form = await openNewForm(carol, 'globex', 'kms');
  await form.getByLabel('Name', { exact: true }).fill('Globex KMS');
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: provider.label });
  await fillSettings(form, provider, settings);
  await carol.getByRole('button', { name: 'Seal and save' }).click();
  await expect(carol.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });

  const keysOnRecord = async () => (await (await carol.request.get('/api/v1/tenants/globex/keys')).json()) as { encKid: string; sigKid: string; keyRotationDueAt: string | null };
  const before = await keysOnRecord();
  expect(before.keyRotationDueAt).not.toBeNull();
  // The warning is at the top of every tenant page, the configurations where the tenant area opens included.
  const warning = carol.getByRole('status').filter({ hasText: 'An administrator who held the tenant keys was removed.' });
  await carol.goto('/t/globex');
  await expect(carol).toHaveURL(/\/t\/globex\/configs$/);
  await expect(warning).toBeVisible();
  await warning.getByRole('link', { name: 'Rotate the keys' }).click();
  await expect(carol).toHaveURL(/\/t\/globex\/admins#rotate-keys$/);
  await expect(warning).toBeVisible();
  const card = carol.getByRole('region', { name: 'Rotate the tenant keys' });
  await expect(card.getByText('Rotation due')).toBeVisible();
  await expectNoSeriousAxe(carol);
  await card.getByRole('button', { name: 'Rotate the tenant keys' }).click();
  const dialog = carol.getByRole('dialog', { name: 'Rotate the tenant keys?' });
  await expect(dialog.getByText('You are the only confirmed administrator.')).toBeVisible();
  await expectNoSeriousAxe(carol);
  await dialog.getByRole('button', { name: 'Rotate the keys' }).click();

  // The new recovery code is shown once; the old kit (Carol's first code) is gone.
  const code = (await carol.getByTestId('recovery-code').textContent()) ?? '';
  expect(code).toMatch(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){5}$/);
  expect(code).not.toBe(recoveryCode);
  await carol.getByRole('checkbox', { name: 'I have stored the recovery code' }).check();
  await carol.getByRole('button', { name: 'Continue' }).click();
  await expect(card.getByText('The tenant keys were rotated. Every configuration is sealed to the new keys.')).toBeVisible();
  await expect(card.getByText('Rotation due')).toHaveCount(0);
  const after = await keysOnRecord();
  expect(after.keyRotationDueAt).toBeNull();
  expect(after.encKid).not.toBe(before.encKid);
  expect(after.sigKid).not.toBe(before.sigKid);
  const kits = (await (await carol.request.get('/api/v1/tenants/globex/recovery-kits')).json()) as { kits: unknown[] };
  expect(kits.kits).toHaveLength(1);

  // Read back after a reload: this browser opens version 2 with the new keys (unwrapped again from the new copy).
  await carol.reload();
  await expect(carol.getByTestId('tenant-keys-unlocked')).toBeVisible();
  await carol.goto('/t/globex/configs');
  await carol.getByRole('link', { name: 'Globex KMS' }).click();
  await expect(carol.getByTestId('config-values-v2').getByText(String(settings.keyArn))).toBeVisible({ timeout: 15_000 });
  // Version 1 was sealed to the old keys: the history says so instead of raising a tampering alarm, and offers no rollback to it.
  await carol.getByRole('button', { name: 'View version 1 of Globex KMS' }).click();
  await expect(carol.getByText('Version 1 was sealed to the tenant keys before a rotation')).toBeVisible();
  await expect(carol.getByText('could not be decrypted and verified')).toHaveCount(0);
  await expect(carol.getByRole('button', { name: 'Roll back Globex KMS to version 1' })).toBeDisabled();
});

test('changing the passphrase re-seals the key and ends the other sessions', async ({ browser }) => {
  const elsewhere = await freshPage(browser);
  await signIn(elsewhere, CAROL.email, CAROL.passphrase, carolRecoveryCodes[0]);

  await carol.goto('/account');
  const section = carol.getByRole('region', { name: 'Passphrase' });
  await section.getByLabel('Current passphrase').fill('not my passphrase at all');
  await section.getByLabel('New passphrase', { exact: true }).fill(CAROL.next);
  await section.getByLabel('Repeat the new passphrase').fill(CAROL.next);
  await section.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(section.getByText('Your current passphrase is not correct.')).toBeVisible();
  await section.getByLabel('Current passphrase').fill(CAROL.passphrase);
  await section.getByRole('button', { name: 'Change passphrase' }).click();
  await expect(section.getByText('Your passphrase was changed.')).toBeVisible();

  expect((await elsewhere.request.get('/api/v1/account')).status()).toBe(401);
  expect((await carol.request.get('/api/v1/account')).status()).toBe(200);
  await elsewhere.context().close();

  await carol.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(carol).toHaveURL(/sign-in\?reason=signed-out/);
  await carol.getByLabel('Email').fill(CAROL.email);
  await carol.getByLabel('Passphrase').fill(CAROL.passphrase);
  await carol.getByRole('button', { name: 'Sign in' }).click();
  await expect(carol.getByText('The email or passphrase is not correct.')).toBeVisible();
  await signIn(carol, CAROL.email, CAROL.next, carolRecoveryCodes[1]);
  await carol.goto('/t/globex/admins');
  await expect(carol.getByTestId('tenant-keys-unlocked')).toBeVisible();
});

test('sign out everywhere ends every session of the account', async ({ browser }) => {
  const other = await freshPage(browser);
  await signIn(other, CAROL.email, CAROL.next, carolRecoveryCodes[2]);
  await carol.goto('/account');
  await carol.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(carol).toHaveURL(/sign-in\?reason=everywhere/);
  expect((await other.request.get('/api/v1/account')).status()).toBe(401);
  await other.reload();
  await expect(other.getByTestId('signed-in-user')).toHaveCount(0);
  await other.context().close();
});
