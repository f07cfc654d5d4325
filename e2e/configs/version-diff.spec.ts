// Comparing an older version with the current one, in the admin's browser: a
// webhook configuration saved, then edited (renamed, another queue policy, a
// new HMAC secret and a new Authorization header value) into version 2.
// Opening version 1 shows what changed: old and new values of ordinary
// fields, only "Changed" or "Unchanged" for secrets — and none of the secret
// values anywhere in the page, its text or its DOM. Also: hiding unchanged
// fields, the whole version one choice away, focus on open and close, axe,
// and a 390 px screen.
import { randomBytes } from 'node:crypto';
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { fillSettings, openNewForm } from './config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'diff-co';
const ADMIN = { email: 'admin@diff.example', passphrase: 'meadow copper eleven 4471 anchor' };
const LABEL = 'Audit hook';
const RENAMED = 'Audit webhook';
const webhook = findProvider('webhook') as TProvider;
const mark = () => randomBytes(8).toString('hex');

// Every secret carries its own marker, so a leak of any of them is found by name.
const SECRETS = {
  url: `https://hooks.example.com/cmk/audit?token=canaryurl${mark()}`,
  hmacOld: `canaryhmacold${mark()}${mark()}`,
  hmacNew: `canaryhmacnew${mark()}${mark()}`,
  authOld: `Bearer canaryauthold${mark()}`,
  authNew: `Bearer canaryauthnew${mark()}`,
  tenantHeader: `canarytenant${mark()}`,
};
const VERSION_1 = {
  url: SECRETS.url,
  hmacSecret: SECRETS.hmacOld,
  headers: { Authorization: SECRETS.authOld, 'X-Acme-Tenant': SECRETS.tenantHeader },
  onQueueFull: 'drop',
};

let page: Page;
const pageErrors: string[] = [];
const diff = () => page.getByTestId('version-diff-v1');
const diffRow = (key: string) => diff().getByTestId(`diff-row-${key}`);

test.beforeAll(async ({ browser, baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'diff-walk', displayName: 'Diff walk' }), 201, 'env');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Diff Co', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
});

test.afterAll(async () => {
  await page?.context().close();
  expect(pageErrors).toEqual([]);
});

/** Every secret value found in the page: its visible text, its whole DOM (attributes included) and the form controls' values. */
async function secretsInPage(): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  const html = await page.content();
  const values = await page.evaluate(() => [...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value).join('\n'));
  // The whole value, and its random marker alone (a value could be cut or re-encoded around it).
  const needles = Object.entries(SECRETS).flatMap(([name, value]) => [
    [name, value],
    [`${name} (marker)`, /canary[a-z]+[0-9a-f]{16}/.exec(value)?.[0] ?? value],
  ]);
  return needles.filter(([, needle]) => [text, html, values].some((where) => where.includes(needle as string))).map(([name]) => name as string);
}

test('an edit seals version 2: renamed, another queue policy, a new HMAC secret and Authorization value', async () => {
  test.setTimeout(120_000);
  const form = await openNewForm(page, TENANT, 'siem');
  await form.getByLabel('Name', { exact: true }).fill(LABEL);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: webhook.label });
  await fillSettings(form, webhook, VERSION_1);
  await page.getByRole('button', { name: 'Seal and save' }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });

  await page.getByRole('button', { name: `Edit ${LABEL}` }).click();
  const edit = page.getByRole('form', { name: `Edit ${LABEL}` });
  await edit.getByLabel('Name', { exact: true }).fill(RENAMED);
  await edit.locator('[name="hmacSecret"]').fill(SECRETS.hmacNew);
  await edit.getByLabel('Extra headers 1 value', { exact: true }).fill(SECRETS.authNew);
  await edit.locator('[name="onQueueFull"]').selectOption('refuse');
  await page.getByRole('button', { name: `Seal and save ${LABEL} as a new version` }).click();
  await expect(page.getByText('Sealed and saved as version 2.')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('version-row-1')).toBeVisible();
});

test('version 1 opens on its changes: old and new values of ordinary fields, only the word for secrets', async () => {
  // The current version is not compared with itself.
  await expect(page.getByTestId('version-row-2')).toContainText('Current');
  await expect(page.getByRole('button', { name: /^View version 2 / })).toHaveCount(0);

  await page.getByRole('button', { name: `View version 1 of ${RENAMED}` }).click();
  const panel = page.getByTestId('older-version-panel');
  // Focus moves to the opened version, whose heading names it and its date.
  await expect(panel.getByRole('heading', { level: 3, name: /^Version 1, saved / })).toBeFocused();
  await expect(panel.getByRole('radio', { name: 'Changes against the current version (2)' })).toBeChecked();
  await expect(diff().getByRole('heading', { level: 4 })).toHaveText(/^Changes from version 1 \(.+\) to version 2, the current version \(.+\)$/);
  await expect(diff().getByRole('status')).toHaveText('4 differences, 3 unchanged.');

  await expect(diffRow('name')).toContainText('Changed');
  await expect(diffRow('name').getByTestId('diff-before')).toHaveText(LABEL);
  await expect(diffRow('name').getByTestId('diff-after')).toHaveText(RENAMED);
  await expect(diffRow('onQueueFull')).toContainText('Changed');
  await expect(diffRow('onQueueFull').getByTestId('diff-before')).toHaveText('Drop the oldest events and count them (key use continues)');
  await expect(diffRow('onQueueFull').getByTestId('diff-after')).toHaveText('Refuse key use until the SIEM catches up');
  await expect(diffRow('hmacSecret')).toContainText('Changed');
  await expect(diffRow('hmacSecret')).toContainText('Secret: the value is different. Values are not shown here.');
  await expect(diffRow('headers:Authorization')).toContainText('Changed');
  await expect(diffRow('url')).toContainText('Unchanged');
  await expect(diffRow('url')).toContainText('Secret: the same value in both.');
  await expect(diffRow('headers:X-Acme-Tenant')).toContainText('Unchanged');
  await expect(diffRow('provider')).toContainText('Unchanged');
  // Secret rows have no value cells at all.
  await expect(diffRow('hmacSecret').getByTestId('diff-before')).toHaveCount(0);
  await expect(diffRow('url').getByTestId('diff-before')).toHaveCount(0);

  expect(await secretsInPage()).toEqual([]);
  await expectNoSeriousAxe(page);
});

test('unchanged fields can be hidden', async () => {
  const hide = diff().getByRole('checkbox', { name: 'Hide unchanged fields' });
  await hide.focus();
  await page.keyboard.press('Space');
  await expect(hide).toBeChecked();
  await expect(diff().getByRole('status')).toHaveText('4 differences, 3 unchanged (hidden).');
  await expect(diffRow('url')).toHaveCount(0);
  await expect(diffRow('headers:X-Acme-Tenant')).toHaveCount(0);
  await expect(diffRow('hmacSecret')).toBeVisible();
  await expect(diffRow('onQueueFull')).toBeVisible();
});

test('at 390 px the comparison fits the screen; dark mode passes axe', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await diff().getByRole('checkbox', { name: 'Hide unchanged fields' }).uncheck();
  await expect(diffRow('url')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await diff().scrollIntoViewIfNeeded();
  await page.screenshot({ path: test.info().outputPath('version-diff-390.png'), fullPage: true });
  await page.getByTestId('older-version-panel').screenshot({ path: test.info().outputPath('version-diff-390-panel.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: test.info().outputPath('version-diff-1440.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectNoSeriousAxe(page);
  await page.screenshot({ path: test.info().outputPath('version-diff-1440-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
});

test('the whole version is one choice away, its secrets masked; Close returns to the version’s button', async () => {
  const panel = page.getByTestId('older-version-panel');
  await panel.getByRole('radio', { name: 'The whole of version 1' }).check();
  await expect(page.getByTestId('config-values-v1')).toBeVisible();
  await expect(diff()).toHaveCount(0);
  expect(await secretsInPage()).toEqual([]);
  await panel.getByRole('radio', { name: /^Changes against/ }).check();
  await expect(diffRow('hmacSecret')).toContainText('Changed');

  await panel.getByRole('button', { name: 'Close version 1' }).click();
  await expect(panel).toHaveCount(0);
  await expect(page.getByRole('button', { name: `View version 1 of ${RENAMED}` })).toBeFocused();
});
