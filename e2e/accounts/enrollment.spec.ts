// The whole account and key walk, in Chromium, with mail over real SMTP:
// operator creates a tenant → first admin enrolls from the invitation (and
// creates the tenant keys) → a second admin is invited, enrolls, and is
// confirmed after the fingerprint check → both unlock the tenant keys →
// sign-out wipes them. Every request body is recorded and searched for the
// passphrases and the keys derived from them.
import { hkdfSync, pbkdf2Sync } from 'node:crypto';
import { type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { choosePassphrase, OPERATOR_STATE, recordRequests, signIn, tenantTab, type RecordedRequest } from '../support/accounts';
import { invitationLink, waitForMail } from '../support/mail';

test.describe.configure({ mode: 'serial' });

const ALICE = { email: 'alice@acme.example', passphrase: 'velvet tundra compass 1987 ember' };
const BOB = { email: 'bob@acme.example', passphrase: 'saffron glacier piano wharf 77' };
const requests: RecordedRequest[] = [];
const contexts: BrowserContext[] = [];

async function newRecordedContext(browser: Browser, storageState?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ storageState });
  recordRequests(context, requests);
  contexts.push(context);
  return { context, page: await context.newPage() };
}

let alice: Page;
let bob: Page;
let bobFingerprint: string;

test.afterAll(async () => {
  for (const c of contexts) await c.close();
});

test('an operator creates an environment and a tenant; the invitation arrives over SMTP', async ({ browser }) => {
  const { page } = await newRecordedContext(browser, OPERATOR_STATE);
  await page.goto('/operator/environments');
  await page.getByLabel('Slug').fill('prod-eu');
  await page.getByLabel('Display name').fill('Production EU');
  await page.getByRole('button', { name: /Create environment/ }).click();
  await expect(page.getByRole('cell', { name: 'prod-eu' }).or(page.getByRole('rowheader', { name: 'prod-eu' }))).toBeVisible();

  await page.goto('/operator');
  // The form, not the tenant list's search and filters above it.
  const form = page.getByRole('form', { name: 'New tenant' });
  // Bad input is refused at the field, and nothing is created.
  await form.getByLabel('Tenant id').fill('Acme Corp!');
  await form.getByLabel('Display name').fill('Acme Corporation');
  await form.getByLabel('Environment').selectOption({ label: 'Production EU (prod-eu)' });
  await form.getByLabel('First admin’s email').fill('not-an-email');
  await form.getByRole('button', { name: 'Create tenant and send invitation' }).click();
  await expect(page.getByText('Use 1–64 lower-case letters')).toBeVisible();
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();

  await form.getByLabel('Tenant id').fill('acme');
  await form.getByLabel('First admin’s email').fill(ALICE.email);
  await form.getByRole('button', { name: 'Create tenant and send invitation' }).click();
  await expect(page.getByText(/Tenant acme created/)).toBeVisible();
  await expect(page.getByRole('rowheader', { name: 'acme' }).or(page.getByRole('cell', { name: 'acme', exact: true }))).toBeVisible();

  const mail = await waitForMail(ALICE.email);
  expect(mail.subject).toContain('Acme Corporation');
  expect(invitationLink(mail)).toContain('/invite#');
});

test('the first admin enrolls, creates the tenant keys and a recovery kit', async ({ browser }) => {
  ({ page: alice } = await newRecordedContext(browser));
  const link = invitationLink(await waitForMail(ALICE.email));
  await alice.goto(link);
  await expect(alice.getByRole('heading', { name: /You are invited as an administrator of Acme Corporation/ })).toBeVisible();
  // The token does not stay in the address bar.
  await expect(alice).toHaveURL(/\/invite$/);

  // A weak or mismatched passphrase is refused before anything is made.
  await alice.getByLabel('Passphrase', { exact: true }).fill('password1234');
  await alice.getByLabel('Repeat the passphrase').fill('password12345');
  await alice.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(alice.getByText('This passphrase is on a list of common passwords; choose another.')).toBeVisible();
  await expect(alice.getByText('The two passphrases differ.')).toBeVisible();
  await expect(alice.getByText('Confirm that you understand this.')).toBeVisible();

  await choosePassphrase(alice, ALICE.passphrase);
  await expect(alice.getByTestId('passphrase-strength')).toContainText('Strength:');
  await alice.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(alice.getByTestId('recovery-code')).toHaveText(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){5}$/);
  await alice.getByRole('checkbox', { name: 'I have stored the recovery code' }).check();
  await alice.getByRole('button', { name: 'Continue' }).click();
  // The tenant area opens on the configurations; the keys and admins are one tab away.
  await expect(alice).toHaveURL(/\/t\/acme\/configs$/);
  await tenantTab(alice, 'Admins & keys').click();
  await expect(alice).toHaveURL(/\/t\/acme\/admins$/);
  await expect(alice.getByTestId('tenant-keys-unlocked')).toBeVisible();
  await expect(alice.getByTestId('admin-row-alice@acme.example')).toContainText('Confirmed');
});

test('a second admin is invited, enrolls and waits for confirmation with their fingerprint', async ({ browser }) => {
  await alice.getByRole('region', { name: 'Invite an administrator' }).getByLabel('Email').fill(BOB.email);
  await alice.getByRole('button', { name: 'Send invitation' }).click();
  await expect(alice.getByText(`Invitation sent to ${BOB.email}.`)).toBeVisible();

  ({ page: bob } = await newRecordedContext(browser));
  await bob.goto(invitationLink(await waitForMail(BOB.email)));
  await expect(bob.getByText(/an existing administrator confirms you/)).toBeVisible();
  await choosePassphrase(bob, BOB.passphrase);
  await bob.getByRole('button', { name: 'Accept the invitation' }).click();
  // A pending admin cannot open the configurations yet: they land where their fingerprint is.
  await expect(bob).toHaveURL(/\/t\/acme\/admins$/);
  await expect(bob.getByRole('heading', { name: 'Waiting for confirmation' })).toBeVisible();
  bobFingerprint = (await bob.getByTestId('fingerprint-groups').textContent()) ?? '';
  expect(bobFingerprint).toMatch(/^(\S{4} ){7}\S{4}$/);
  // A pending admin cannot read the admin list.
  expect((await bob.request.get('/api/v1/tenants/acme/admins')).status()).toBe(404);
});

test('the first admin compares the fingerprint and confirms; both unlock the tenant keys', async () => {
  await alice.reload();
  const row = alice.getByTestId(`admin-row-${BOB.email}`);
  await expect(row).toContainText('Awaiting confirmation');
  await row.getByRole('button', { name: `Verify and confirm ${BOB.email}` }).click();
  const dialog = alice.getByRole('dialog', { name: `Confirm ${BOB.email}` });
  await expect(dialog.getByTestId('fingerprint-groups')).toHaveText(bobFingerprint);
  // Without ticking the comparison box nothing happens.
  await dialog.getByRole('button', { name: 'Confirm and share the tenant keys' }).click();
  await expect(row).toContainText('Awaiting confirmation');
  await dialog.getByRole('checkbox').check();
  await dialog.getByRole('button', { name: 'Confirm and share the tenant keys' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('Confirmed');

  await bob.reload();
  await expect(bob.getByTestId('tenant-keys-unlocked')).toBeVisible();
  // Both see the same tenant key fingerprints.
  const aliceKeys = await alice.getByRole('region', { name: 'Tenant keys' }).getByTestId('fingerprint-groups').allTextContents();
  const bobKeys = await bob.getByRole('region', { name: 'Tenant keys' }).getByTestId('fingerprint-groups').allTextContents();
  expect(bobKeys).toEqual(aliceKeys);
  expect(aliceKeys).toHaveLength(2);
});

test('signing out wipes the keys from the browser', async () => {
  const hasKeys = () =>
    bob.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'cmk-broker-keys'));
  expect(await hasKeys()).toBe(true);
  await bob.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(bob).toHaveURL(/\/sign-in\?reason=signed-out/);
  expect(await hasKeys()).toBe(false);
  // The session is gone on the server too.
  expect((await bob.request.get('/api/v1/account')).status()).toBe(401);
  // Signing in again unlocks the keys again.
  await signIn(bob, BOB.email, BOB.passphrase);
  await bob.goto('/t/acme/admins');
  await expect(bob.getByTestId('tenant-keys-unlocked')).toBeVisible();
});

test('no passphrase, masterKey or wrapKey ever left the browser', async () => {
  expect(requests.length).toBeGreaterThan(20);
  for (const person of [ALICE, BOB]) {
    // The salt each browser chose travels at enrollment; derive what the browser derived.
    const enrollment = requests.find((r) => r.url.endsWith('/api/v1/invitations/accept') && r.body.includes('"kdfSalt"') && requests.some((q) => q.body.includes(person.email)));
    expect(enrollment).toBeTruthy();
    const accepts = requests.filter((r) => r.url.endsWith('/api/v1/invitations/accept'));
    const salts = accepts.map((r) => (JSON.parse(r.body) as { account?: { kdfSalt: string; authKey: string } }).account).filter(Boolean);
    const derived = salts.map((account) => {
      const master = pbkdf2Sync(person.passphrase.normalize('NFKC'), Buffer.from(account!.kdfSalt, 'base64url'), 600_000, 32, 'sha256');
      const authKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'cmk-broker/v1/auth-key', 32));
      const wrapKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'cmk-broker/v1/wrap-key', 32));
      return { master, authKey, wrapKey, sentAuthKey: account!.authKey };
    });
    // Our derivation matches the browser's (the authKey it sent), so the search below is meaningful.
    const mine = derived.find((d) => d.authKey.toString('base64url') === d.sentAuthKey);
    expect(mine, `derived authKey of ${person.email} matches what the browser sent`).toBeTruthy();
    const forbidden = [
      person.passphrase,
      encodeURIComponent(person.passphrase),
      ...[mine!.master, mine!.wrapKey].flatMap((k) => [k.toString('base64url'), k.toString('base64'), k.toString('hex')]),
    ];
    for (const r of requests) {
      const haystack = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
      for (const secret of forbidden) expect(haystack.includes(secret), `${secret.slice(0, 6)}… in ${r.method} ${r.url}`).toBe(false);
    }
  }
});
