// Setting up the second factor, with the tools to keep its secrets: the manual
// key and the recovery codes are copied (with a visible, announced confirmation
// and the clipboard read back), the codes downloaded as a .txt made in the
// browser, and printed alone; a set-up can be cancelled, which leaves the
// factor off and makes the server forget the key it had shown.
import { readFile } from 'node:fs/promises';
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { signIn } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { createTenantWithAdmin } from '../support/tenant';
import { totp } from '../support/totp';

const TENANT = 'mfa-tools';
const ADMIN = { email: 'admin@mfa-tools.example', passphrase: 'mfa tools passphrase 7731 heron' };

test.describe.configure({ mode: 'serial' });

let page: Page;
let firstSecret = '';

test.beforeAll(async ({ browser, baseURL }) => {
  await createTenantWithAdmin(baseURL as string, TENANT, ADMIN);
  page = await (await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] })).newPage();
  await signIn(page, ADMIN.email, ADMIN.passphrase);
});

test.afterAll(async () => {
  await page.context().close();
});

const card = () => page.getByRole('region', { name: 'Second factor' });
const clipboard = () => page.evaluate(() => navigator.clipboard.readText());

test('the manual key is copied with a confirmation; cancelling leaves the factor off and the key useless', async () => {
  await page.goto('/account');
  await card().getByRole('button', { name: 'Set up a second factor' }).click();
  firstSecret = (await card().getByTestId('totp-secret').textContent()) ?? '';
  expect(firstSecret).toMatch(/^[A-Z2-7]{32}$/);

  await card().getByRole('button', { name: 'Copy the key' }).click();
  await expect(card().getByRole('status').filter({ hasText: 'Key copied to the clipboard.' })).toBeVisible();
  await expect(card().getByText('Key copied to the clipboard.')).toHaveAttribute('aria-live', 'polite');
  expect(await clipboard()).toBe(firstSecret);

  await card().getByRole('button', { name: 'Cancel set-up' }).click();
  await expect(card().getByRole('button', { name: 'Set up a second factor' })).toBeFocused();
  await expect(card().getByText('Set-up cancelled.')).toBeVisible();
  await expect(card().getByText('Off', { exact: true })).toBeVisible();
  await expect(card().getByTestId('totp-secret')).toHaveCount(0);

  // The server forgot the key: a right code for it cannot turn the factor on.
  // Said to come from the broker's own page, as the browser's write would (a cookie write without Origin or Sec-Fetch-Site is refused first).
  const late = await page.request.put('/api/v1/account/totp', { data: { code: totp(firstSecret) }, headers: { 'sec-fetch-site': 'same-origin' } });
  expect(late.status()).toBe(409);
  expect(((await late.json()) as { detail: string }).detail).toBe('Start the set-up again.');
  const account = (await (await page.request.get('/api/v1/account')).json()) as { mfaEnabled: boolean };
  expect(account.mfaEnabled).toBe(false);
  await page.reload();
  await expect(card().getByText('Off', { exact: true })).toBeVisible();
});

test('after turning it on, the recovery codes are copied, downloaded and printed on their own', async () => {
  await card().getByRole('button', { name: 'Set up a second factor' }).click();
  const secret = (await card().getByTestId('totp-secret').textContent()) ?? '';
  expect(secret).not.toBe(firstSecret);
  await card().getByLabel('6-digit code').fill(totp(secret));
  await card().getByRole('button', { name: 'Turn on' }).click();
  const items = card().getByTestId('mfa-recovery-codes').getByRole('listitem');
  await expect(items).toHaveCount(10);
  const codes = await items.allTextContents();

  await card().getByRole('button', { name: 'Copy the codes' }).click();
  await expect(card().getByRole('status').filter({ hasText: 'The 10 codes were copied to the clipboard.' })).toBeVisible();
  expect(await clipboard()).toBe(`${codes.join('\n')}\n`);

  const downloading = page.waitForEvent('download');
  await card().getByRole('button', { name: 'Download as a text file' }).click();
  const download = await downloading;
  const today = new Date().toISOString().slice(0, 10);
  expect(download.suggestedFilename()).toBe(`cmk-broker-recovery-codes-${today}.txt`);
  expect(download.url()).toMatch(/^blob:/);
  const text = await readFile(await download.path(), 'utf8');
  const lines = text.split('\n');
  expect(lines[0]).toBe('CMK configuration broker: recovery codes for your second factor');
  expect(lines).toContain(`Account: ${ADMIN.email}`);
  expect(lines.find((l) => l.startsWith('Created: '))).toMatch(new RegExp(`^Created: ${today} \\d{2}:\\d{2} UTC$`));
  expect(lines.slice(-11, -1)).toEqual(codes);
  await expect(card().getByText(`Download started: cmk-broker-recovery-codes-${today}.txt.`)).toBeVisible();

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await expectNoSeriousAxe(page);
  }

  // Print: the dialog opens (print() is replaced to count calls), and the print rules show only the codes.
  await page.evaluate(() => {
    const w = window as unknown as { printed: number };
    w.printed = 0;
    window.print = () => void w.printed++;
  });
  await card().getByRole('button', { name: 'Print the codes' }).click();
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
  await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
  const printed = page.getByTestId('mfa-recovery-codes-print').getByRole('listitem');
  await expect(page.getByRole('heading', { name: `CMK configuration broker: recovery codes for ${ADMIN.email}` })).toBeVisible();
  await expect(printed).toHaveText(codes);
  for (const item of await printed.all()) await expect(item).toBeVisible();
  // Black on white, even when the screen is dark.
  await expect(printed.first()).toHaveCSS('color', 'rgb(0, 0, 0)');
  for (const hidden of [page.locator('header'), page.locator('main'), page.locator('footer')]) await expect(hidden).toBeHidden();
  // Nothing else is laid out, so the printout is one short page, not blank pages after it.
  expect(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight)).toBe(true);
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await expect(page.locator('html')).not.toHaveClass(/print-codes/);
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByRole('banner')).toBeVisible();
  await expect(page.getByTestId('mfa-recovery-codes-print')).toBeHidden();

  await card().getByRole('button', { name: 'I have stored them' }).click();
  await expect(card().getByText('On', { exact: true })).toBeVisible();
});

test('a tenant recovery kit code is copied with a confirmation too', async () => {
  await page.goto(`/t/${TENANT}/admins`);
  await expect(page.getByTestId('tenant-keys-unlocked')).toBeVisible();
  await page.getByRole('button', { name: 'Create a recovery kit' }).click();
  const code = (await page.getByTestId('recovery-code').textContent()) ?? '';
  expect(code.length).toBeGreaterThan(20);
  await page.getByRole('button', { name: 'Copy the code' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Recovery code copied to the clipboard.' })).toBeVisible();
  expect(await clipboard()).toBe(code);
});
