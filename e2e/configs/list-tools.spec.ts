// The configurations list's tools and a configuration's own status actions,
// in the browser: the search narrows both kinds' tables and survives a reload
// and Back; the provider filter; nothing matching is said as such (not "no
// configurations yet") and can be cleared; the Propagation column says "No
// approved deployments", then "No deployment connected yet" once one is
// approved, then "Applied by 1 of 1 deployment" after its status report, and
// "1 of 1 deployment behind" only for the configurations a later change
// touched. Make primary, Disable and Enable on the configuration's page, with
// the same confirmations as the list, and the list showing the result.
// Screenshots at 1440 and 390 px, light and dark, axe-clean; nothing wider
// than the 390 px screen.
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { planConfig } from './canaries';
import { fillSettings, openNewForm } from './config-ui';
import { approveDeployment } from '../support/approve';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'listtools';
const ADMIN = { email: 'admin@listtools.example', passphrase: 'copper meadow 7731 lantern fjord' };
const DEPLOYMENT = 'listtools-eu-1';
const provider = (id: string) => findProvider(id) as TProvider;
const PAYMENTS = planConfig(provider('aws-kms'), 'Payments key');
const BACKUP = planConfig(provider('hashicorp-vault-transit'), 'Backup vault');
const AUDIT = planConfig(provider('splunk-hec'), 'Audit stream');

let page: Page;
let environmentId: string;
const pageErrors: string[] = [];

const row = (label: string) => page.getByTestId(`config-row-${label}`);
const search = () => page.getByRole('searchbox', { name: 'Search' });
const providerFilter = () => page.getByLabel('Provider', { exact: true });
const count = () => page.getByTestId('configs-count');

/** Screenshots at 1440 and 390 px, light and dark, each axe-clean, none wider than its screen. */
async function shoot(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 900 });
      // Nothing wider than the screen: tables scroll inside their own box.
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: `${name} at ${width}` }).toBeLessThanOrEqual(width);
      await page.screenshot({ path: test.info().outputPath(`${name}-${width}${scheme === 'dark' ? '-dark' : ''}.png`), fullPage: true });
    }
    await expectNoSeriousAxe(page);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 720 });
}

test('a tenant with two KMS configurations and one SIEM configuration', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  environmentId = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'list-tools', displayName: 'List tools' }), 201, 'env').id;
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'List Tools', environmentId, adminEmail: ADMIN.email }), 201, 'tenant');

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  for (const plan of [PAYMENTS, BACKUP, AUDIT]) {
    const form = await openNewForm(page, TENANT, plan.provider.kind);
    await form.getByLabel('Name', { exact: true }).fill(plan.label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: plan.provider.label });
    await fillSettings(form, plan.provider, plan.settings);
    await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
    await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  }
});

test('without an approved deployment, the Propagation column says so', async () => {
  await page.goto(`/t/${TENANT}/configs`);
  for (const plan of [PAYMENTS, BACKUP, AUDIT]) await expect(row(plan.label).getByTestId('propagation')).toHaveText(/^No approved deployments/);
  await expect(page.getByText(/^Propagation: What the approved proxy deployments report to the broker\. The broker is not trusted/)).toBeVisible();
  await expect(count()).toHaveText('3 configurations.');
});

test('the search narrows both tables, is announced, and survives a reload and Back', async () => {
  await search().fill('payments');
  await expect(row(BACKUP.label)).toHaveCount(0);
  await expect(row(AUDIT.label)).toHaveCount(0);
  await expect(row(PAYMENTS.label)).toBeVisible();
  await expect(count()).toHaveText('1 of 3 configurations match “payments”.');
  await expect(count()).toHaveAttribute('aria-live', 'polite');
  await expect(page.getByTestId('configs-no-match-siem')).toContainText('No SIEM configuration matches.');
  await expect(page.getByTestId('configs-empty-siem')).toHaveCount(0);
  await expect(page).toHaveURL(/\?q=payments$/);

  await page.reload();
  await expect(search()).toHaveValue('payments');
  await expect(row(PAYMENTS.label)).toBeVisible();
  await expect(row(BACKUP.label)).toHaveCount(0);

  // The provider label and the id match too.
  await search().fill('vault transit');
  await expect(row(BACKUP.label)).toBeVisible();
  await expect(row(PAYMENTS.label)).toHaveCount(0);
  await row(BACKUP.label).getByRole('link', { name: BACKUP.label }).click();
  await expect(page.getByRole('heading', { level: 1, name: BACKUP.label })).toBeVisible();
  const configId = new URL(page.url()).pathname.split('/').pop() as string;
  await page.goBack();
  await expect(search()).toHaveValue('vault transit');
  await expect(row(PAYMENTS.label)).toHaveCount(0);
  await search().fill(configId.slice(-8));
  await expect(row(BACKUP.label)).toBeVisible();
  await expect(count()).toHaveText(`1 of 3 configurations match “${configId.slice(-8)}”.`);
});

test('the provider filter offers the providers in use, and combines with the search', async () => {
  await search().fill('');
  await expect(count()).toHaveText('3 configurations.');
  const options = await providerFilter().locator('option').allTextContents();
  expect(options).toEqual(['All providers', ...[PAYMENTS, BACKUP, AUDIT].map((p) => p.provider.label).sort((a, b) => a.localeCompare(b))]);
  await providerFilter().selectOption({ label: AUDIT.provider.label });
  await expect(row(AUDIT.label)).toBeVisible();
  await expect(row(PAYMENTS.label)).toHaveCount(0);
  await expect(page.getByTestId('configs-no-match-kms')).toBeVisible();
  await expect(page).toHaveURL(/provider=splunk-hec/);
  await expect(count()).toHaveText(`1 of 3 configurations match provider ${AUDIT.provider.label}.`);
  await page.reload();
  await expect(providerFilter()).toHaveValue('splunk-hec');
  await expect(row(AUDIT.label)).toBeVisible();
  await shoot('configs-list-filtered');
});

test('nothing matching is said as such, not as "no configurations yet", and can be cleared', async () => {
  await search().fill('payments');
  const none = page.getByTestId('configs-no-match');
  await expect(none).toContainText(`No configuration matches “payments” with provider ${AUDIT.provider.label}.`);
  await expect(count()).toHaveText(`0 of 3 configurations match “payments” with provider ${AUDIT.provider.label}.`);
  await expect(page.getByTestId('configs-empty-kms')).toHaveCount(0);
  await expect(page.getByTestId('configs-empty-siem')).toHaveCount(0);
  await shoot('configs-list-no-match');
  await none.getByRole('button', { name: 'Clear search and filter' }).click();
  await expect(search()).toHaveValue('');
  await expect(providerFilter()).toHaveValue('');
  for (const plan of [PAYMENTS, BACKUP, AUDIT]) await expect(row(plan.label)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/t/${TENANT}/configs$`));
});

test('the configuration page makes a configuration primary, with the same confirmation as the list', async () => {
  await row(BACKUP.label).getByRole('link', { name: BACKUP.label }).click();
  await expect(page.getByRole('heading', { level: 1, name: BACKUP.label })).toBeVisible();
  const status = page.getByRole('group', { name: `Status of ${BACKUP.label}` });
  await expect(status.getByRole('button')).toHaveText(['Make primary', 'Disable']);
  await status.getByRole('button', { name: 'Make primary' }).click();
  const dialog = page.getByRole('dialog', { name: `Make ${BACKUP.label} the primary KMS configuration?` });
  await expect(dialog).toContainText(`${PAYMENTS.label} stays active but is no longer primary.`);
  await dialog.getByRole('button', { name: 'Make primary' }).click();
  await expect(page.getByText(`${BACKUP.label} is now primary.`)).toBeVisible();
  await expect(status.getByRole('button')).toHaveText(['Disable']);
  await shoot('config-page');
  await page.goto(`/t/${TENANT}/configs`);
  await expect(row(BACKUP.label)).toContainText('Primary');
  await expect(row(PAYMENTS.label)).not.toContainText('Primary');
});

test('the configuration page disables (asking for a successor) and enables again', async () => {
  await row(BACKUP.label).getByRole('link', { name: BACKUP.label }).click();
  const status = page.getByRole('group', { name: `Status of ${BACKUP.label}` });
  await status.getByRole('button', { name: 'Disable' }).click();
  const dialog = page.getByRole('dialog', { name: `Disable ${BACKUP.label}?` });
  await dialog.getByRole('radio', { name: PAYMENTS.label, exact: true }).check();
  await dialog.getByRole('button', { name: 'Disable' }).click();
  await expect(page.getByText(`${BACKUP.label} is disabled.`)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: BACKUP.label }).locator('..')).toContainText('Disabled');
  await expect(status.getByRole('button')).toHaveText(['Enable']);
  await page.goto(`/t/${TENANT}/configs`);
  await expect(row(BACKUP.label)).toContainText('Disabled');
  await expect(row(PAYMENTS.label)).toContainText('Primary');

  await row(BACKUP.label).getByRole('link', { name: BACKUP.label }).click();
  await status.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByText(`${BACKUP.label} is enabled again.`)).toBeVisible();
  await expect(status.getByRole('button')).toHaveText(['Make primary', 'Disable']);
  await page.goto(`/t/${TENANT}/configs`);
  await expect(row(BACKUP.label)).toContainText('Active');
  await expect(row(BACKUP.label)).not.toContainText('Primary');
});

test('with an approved deployment: not connected yet, then applied, then behind only where a later change was made', async ({ baseURL }) => {
  test.setTimeout(120_000);
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const { publicJwk } = await generateJwkPair('ecdh');
  const { apiKey } = expectStatus<{ apiKey: string }>(await operator.post('/api/v1/operator/deployments', { name: DEPLOYMENT, environmentId, publicJwk }), 201, 'deployment');

  await approveDeployment(page, TENANT, DEPLOYMENT, 3);

  await page.goto(`/t/${TENANT}/configs`);
  for (const plan of [PAYMENTS, BACKUP, AUDIT]) await expect(row(plan.label).getByTestId('propagation')).toHaveText(/^No deployment connected yet/);

  // The deployment's proxy reports the state it applied: the one the approval signed.
  const { seq } = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { seq: number };
  const report = await page.request.post('/api/v1/proxy/status', {
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    data: { cursor: null, tenants: [{ tenantId: TENANT, seq }], errors: [] },
  });
  expect(report.status()).toBe(204);
  await page.reload();
  for (const plan of [PAYMENTS, BACKUP, AUDIT]) await expect(row(plan.label).getByTestId('propagation')).toHaveText(/^Applied by 1 of 1 deployment/);

  // A later change to the KMS primary touches the two KMS configurations only.
  await page.getByRole('button', { name: `Set primary: ${BACKUP.label}`, exact: true }).click();
  await page.getByRole('dialog', { name: `Make ${BACKUP.label} the primary KMS configuration?` }).getByRole('button', { name: 'Make primary' }).click();
  await expect(page.getByText(`${BACKUP.label} is now primary.`)).toBeVisible();
  await expect(row(BACKUP.label).getByTestId('propagation')).toHaveText(/^1 of 1 deployment behind/);
  await expect(row(PAYMENTS.label).getByTestId('propagation')).toHaveText(/^1 of 1 deployment behind/);
  await expect(row(AUDIT.label).getByTestId('propagation')).toHaveText(/^Applied by 1 of 1 deployment/);
  await expect(row(BACKUP.label).getByTestId('propagation').locator('[data-propagation]')).toHaveAttribute('title', new RegExp(`not yet reported applying change ${seq + 1}`));
  await shoot('configs-list-propagation');
  expect(pageErrors).toEqual([]);
});
