// SIEM delivery health, end to end in the browser: a tenant with two SIEM
// configurations approves a deployment; the deployment reports one of them
// delivering and the other failing ('auth'); the tenant admin opens each
// configuration's page and reads it in words — "Delivering" with the last
// success; "Failing", "The SIEM refused the credentials", since when and what
// waits — axe-clean. The report is made by one helper (reportSiemHealth), so
// the final walk can swap it for a real TSP delivering to the doubles.
import { type APIRequestContext, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { planConfig } from '../configs/canaries';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'siemwalk';
const ADMIN = { email: 'admin@siemwalk.example', passphrase: 'amber otter 4417 willow quay' };
const DEPLOYMENT = 'siemwalk-eu-1';
const HEALTHY = planConfig(findProvider('splunk-hec') as TProvider, 'Security stream');
const FAILING = planConfig(findProvider('splunk-hec') as TProvider, 'Audit stream');

let page: Page;
let apiKey: string;
const ids: Record<string, string> = {};
const pageErrors: string[] = [];
const FAILING_SINCE = new Date(Date.now() - 5 * 60_000).toISOString();

/**
 * The deployment's status report with SIEM health: one configuration delivering, the other failing on its
 * credentials. The one step the final walk replaces with a real TSP delivering to the SIEM doubles.
 */
async function reportSiemHealth(request: APIRequestContext, healthy: string, failing: string): Promise<void> {
  const now = new Date().toISOString();
  const base = { tenantId: TENANT, version: 1, retried: 0, dropped: 0, onFull: 'drop' } as const;
  const siem: TSiemHealth[] = [
    { ...base, configId: healthy, sent: 1200, backlog: 0, lastSuccessAt: now, lastErrorCode: null, failingSince: null },
    { ...base, configId: failing, sent: 0, retried: 30, backlog: 42, lastSuccessAt: null, lastErrorCode: 'auth', failingSince: FAILING_SINCE },
  ];
  const report = await request.post('/api/v1/proxy/status', {
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    data: { cursor: null, tenants: [], errors: [], instanceId: 'e2e-1', siemFull: true, siem },
  });
  expect(report.status()).toBe(204);
}

test('a tenant with two SIEM configurations and an approved deployment', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const operator = new BrokerClient(baseURL as string);
  await operator.signIn(OPERATOR.email, OPERATOR.passphrase);
  const environmentId = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'siem-walk', displayName: 'SIEM walk' }), 201, 'env').id;
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'SIEM Walk', environmentId, adminEmail: ADMIN.email }), 201, 'tenant');
  const { publicJwk } = await generateJwkPair('ecdh');
  apiKey = expectStatus<{ apiKey: string }>(await operator.post('/api/v1/operator/deployments', { name: DEPLOYMENT, environmentId, publicJwk }), 201, 'deployment').apiKey;

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  for (const plan of [HEALTHY, FAILING]) {
    const form = await openNewForm(page, TENANT, plan.provider.kind);
    await form.getByLabel('Name', { exact: true }).fill(plan.label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: plan.provider.label });
    await fillSettings(form, plan.provider, plan.settings);
    await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
    await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  }
  await page.goto(`/t/${TENANT}/deployments`);
  const card = page.getByTestId(`tenant-deployment-${DEPLOYMENT}`);
  await card.getByRole('button', { name: `Approve ${DEPLOYMENT}` }).click();
  const dialog = page.getByRole('dialog', { name: `Approve ${DEPLOYMENT}?` });
  await dialog.getByRole('checkbox', { name: /I compared the fingerprint/ }).check();
  await dialog.getByRole('button', { name: 'Approve and re-seal' }).click();
  await expect(page.getByText(`${DEPLOYMENT} is approved; 2 configurations re-sealed.`)).toBeVisible({ timeout: 30_000 });
  const listing = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { configs: { id: string; label: string }[] };
  for (const c of listing.configs) ids[c.label] = c.id;
  expect(Object.keys(ids).sort()).toEqual([FAILING.label, HEALTHY.label].sort());
});

test('before any report, the page says no proxy has reported yet', async () => {
  await page.goto(`/t/${TENANT}/configs/${ids[HEALTHY.label]}`);
  const delivery = page.getByRole('region', { name: 'Delivery' });
  await expect(delivery).toContainText('No key proxy has reported delivery for this configuration yet', { timeout: 15_000 });
});

test('the tenant admin reads each configuration’s delivery in words', async () => {
  await reportSiemHealth(page.request, ids[HEALTHY.label] as string, ids[FAILING.label] as string);

  await page.goto(`/t/${TENANT}/configs/${ids[HEALTHY.label]}`);
  const healthy = page.getByRole('region', { name: 'Delivery' });
  const healthyRow = healthy.getByRole('row', { name: new RegExp(DEPLOYMENT) });
  await expect(healthyRow).toContainText('Delivering', { timeout: 15_000 });
  await expect(healthyRow.locator('time')).toHaveCount(1);
  await expect(healthyRow).toContainText('1,200');
  await expect(healthyRow).toContainText('None');
  await expectNoSeriousAxe(page);

  await page.goto(`/t/${TENANT}/configs/${ids[FAILING.label]}`);
  const failing = page.getByRole('region', { name: 'Delivery' });
  const failingRow = failing.getByRole('row', { name: new RegExp(DEPLOYMENT) });
  await expect(failingRow).toContainText('Failing', { timeout: 15_000 });
  await expect(failingRow).toContainText('The SIEM refused the credentials');
  await expect(failingRow).toContainText('Failing since');
  await expect(failingRow.locator(`time[datetime="${FAILING_SINCE}"]`)).toHaveCount(1);
  await expect(failingRow).toContainText('42');
  await expect(failingRow).toContainText('Never');
  await expectNoSeriousAxe(page);
  expect(pageErrors).toEqual([]);
});
