// Operators invite operators; a second factor (TOTP) is enrolled with a code,
// then asked at sign-in, where a one-time recovery code also works (once).
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { choosePassphrase, OPERATOR_STATE } from '../support/accounts';
import { invitationLink, waitForMail } from '../support/mail';
import { totp } from '../support/totp';

test.describe.configure({ mode: 'serial' });

const SECOND = { email: 'second-operator@vendor.example', passphrase: 'harbor zenith 1234 lilac quarry' };
let page: Page;
let secret = '';
let recoveryCodes: string[] = [];

async function signInSteps(p: Page, second?: string) {
  await p.goto('/sign-in');
  await p.getByLabel('Email').fill(SECOND.email);
  await p.getByLabel('Passphrase').fill(SECOND.passphrase);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await expect(p.getByLabel('Authentication code')).toBeFocused();
  if (second !== undefined) {
    await p.getByLabel('Authentication code').fill(second);
    await p.getByRole('button', { name: 'Sign in' }).click();
  }
}

test('an operator invites another operator, who enrolls', async ({ browser }) => {
  const operator = await (await browser.newContext({ storageState: OPERATOR_STATE })).newPage();
  await operator.goto('/operator/operators');
  await operator.getByRole('form', { name: 'Invite an operator' }).getByLabel('Email').fill(SECOND.email);
  await operator.getByRole('form', { name: 'Invite an operator' }).getByRole('button').click();
  await expect(operator.getByText(SECOND.email).first()).toBeVisible();
  await operator.context().close();

  page = await (await browser.newContext()).newPage();
  await page.goto(invitationLink(await waitForMail(SECOND.email)));
  await expect(page.getByRole('heading', { name: /You are invited as a vendor operator/ })).toBeVisible();
  await choosePassphrase(page, SECOND.passphrase);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await expect(page).toHaveURL(/\/operator$/);
});

test('the operator turns on a second factor and gets ten recovery codes', async () => {
  await page.goto('/account');
  await page.getByRole('button', { name: 'Set up a second factor' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await page.getByLabel('6-digit code').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('That code is not right.')).toBeVisible();
  await page.getByLabel('6-digit code').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByTestId('mfa-recovery-codes').getByRole('listitem');
  await expect(codes).toHaveCount(10);
  recoveryCodes = await codes.allTextContents();
  await page.getByRole('button', { name: 'I have stored them' }).click();
  await expect(page.getByRole('region', { name: 'Second factor' }).getByText('On', { exact: true })).toBeVisible();
});

test('sign-in then asks for the code, and accepts it', async () => {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/sign-in/);
  // The code used to enrol cannot be replayed; the next one is accepted.
  await signInSteps(page, totp(secret, Date.now() + 30_000));
  await expect(page.getByTestId('signed-in-user')).toHaveText(SECOND.email);
});

test('a recovery code works once in place of the code', async () => {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/sign-in\?reason=signed-out/);
  await signInSteps(page, recoveryCodes[0]);
  await expect(page.getByTestId('signed-in-user')).toHaveText(SECOND.email);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/sign-in\?reason=signed-out/);
  await signInSteps(page, recoveryCodes[0]);
  await expect(page.getByText('The email or passphrase is not correct.')).toBeVisible();
});
