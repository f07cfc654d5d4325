// SIEM delivery health, end to end: a tenant with two Splunk HEC
// configurations, made in the browser, approves a deployment; a real Tenant
// Security Proxy for that deployment (createTsp + the real proxy client,
// long-polling the e2e broker) receives the application's security events
// (our own client, lib/tsc) and delivers them to a Splunk HEC double — one
// configuration with the token the double issued, the other with a token it
// refuses. The TSP's status reports carry each configuration's delivery
// health; the tenant admin opens each configuration's page and reads it in
// words — "Delivering" with the last success and what was sent; "Failing",
// "The SIEM refused the credentials", since when, and what waits — axe-clean.
//
// The SIEM is a protocol double (lib/testing/siem/splunk-hec-double.ts): no
// Splunk is reachable here. It speaks HEC over TLS, checks the token and the
// batch format, and answers as HEC does (403 "Invalid token", code 4).
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { startSplunkHecDouble, type TSplunkHecDouble } from '@/lib/testing/siem/splunk-hec-double';
import { createTenantSecurityClient, type TTenantSecurityClient } from '@/lib/tsc';
import { enrollFirstAdmin } from '../support/accounts';
import { expectNoSeriousAxe } from '../support/axe';
import { startTsp, type TRunningTsp } from '../support/tsp';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { approveDeployment } from '../support/approve';
import { createTenantWithDeployment } from '../support/deployment';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'siemwalk';
const ADMIN = { email: 'admin@siemwalk.example', passphrase: 'amber otter 4417 willow quay' };
const DEPLOYMENT = 'siemwalk-eu-1';
const SPLUNK = findProvider('splunk-hec') as TProvider;
const TOKEN = '5c1e4b8a-2f0d-4c6e-9a7b-3d2e1f0a9b8c';
const REFUSED_TOKEN = '0badc0de-0000-4000-8000-00000000dead';
const HEALTHY = 'Security stream';
const FAILING = 'Audit stream';

let page: Page;
let splunk: TSplunkHecDouble;
let credentials: Parameters<typeof startTsp>[0];
let running: TRunningTsp | undefined;
let app: TTenantSecurityClient | undefined;
const ids: Record<string, string> = {};
const pageErrors: string[] = [];

test.beforeAll(async () => {
  splunk = await startSplunkHecDouble({ token: TOKEN, hostname: 'splunk.test' });
});

test.afterAll(async () => {
  app?.close();
  await running?.stop();
  await splunk?.close();
});

const splunkSettings = (token: string) => ({ url: splunk.url(), token, index: 'main', sourcetype: 'cmk:audit', onQueueFull: 'drop' });

test('a tenant with two SIEM configurations and an approved deployment', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  credentials = await createTenantWithDeployment(baseURL as string, {
    environment: { slug: 'siem-walk', displayName: 'SIEM walk' },
    tenant: { externalId: TENANT, displayName: 'SIEM Walk', adminEmail: ADMIN.email },
    deployment: DEPLOYMENT,
  });

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  for (const [label, token] of [
    [HEALTHY, TOKEN],
    [FAILING, REFUSED_TOKEN],
  ] as const) {
    const form = await openNewForm(page, TENANT, 'siem');
    await form.getByLabel('Name', { exact: true }).fill(label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: SPLUNK.label });
    await fillSettings(form, SPLUNK, splunkSettings(token));
    await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
    await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  }
  await approveDeployment(page, TENANT, DEPLOYMENT, 2);
  const listing = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { configs: { id: string; label: string }[] };
  for (const c of listing.configs) ids[c.label] = c.id;
  expect(Object.keys(ids).sort()).toEqual([FAILING, HEALTHY].sort());
});

test('before any report, the page says no proxy has reported yet', async () => {
  await page.goto(`/t/${TENANT}/configs/${ids[HEALTHY]}`);
  const delivery = page.getByRole('region', { name: 'Delivery' });
  await expect(delivery).toContainText('No key proxy has reported delivery for this configuration yet', { timeout: 15_000 });
});

test('the application logs security events through a real TSP, which delivers them to one SIEM and fails on the other', async () => {
  // The TSP trusts the double's CA and reaches splunk.test on 127.0.0.1 (as TSP_EXTRA_CA_FILE and TSP_RESOLVE would set).
  running = await startTsp(credentials, {}, { ca: [splunk.caPem], resolve: { 'splunk.test': '127.0.0.1' }, flushMs: 20 });
  app = createTenantSecurityClient({ url: running.url, apiKey: running.apiKey, allowInsecureHttp: true });
  for (let i = 0; i < 5; i++) await app.logSecurityEvent('USER_LOGIN', { tenantId: TENANT, requestingId: `user-${i}` });
  // Five events, each to both configurations: the healthy one's reach Splunk; the other's are refused (403, code 4).
  await expect.poll(() => splunk.events.filter((e) => e.tenantId === TENANT).length, { timeout: 15_000 }).toBe(5);
  await expect.poll(() => splunk.lastRefusalCode(), { timeout: 15_000 }).toBe(4);
});

test('the tenant admin reads each configuration’s delivery in words', async () => {
  test.setTimeout(120_000);
  // The TSP tells the broker as soon as a configuration first delivers or starts failing; the page refreshes every 10 s.
  await page.goto(`/t/${TENANT}/configs/${ids[HEALTHY]}`);
  const healthy = page.getByRole('region', { name: 'Delivery' });
  const healthyRow = healthy.getByRole('row', { name: new RegExp(DEPLOYMENT) });
  await expect(healthyRow).toContainText('Delivering', { timeout: 45_000 });
  await expect(healthyRow.locator('time')).toHaveCount(1);
  await expect(healthyRow).toContainText('None');
  // Cells after the deployment's name: state, last success, waiting, sent, retried, dropped, failure.
  await expect(healthyRow.getByRole('cell').nth(2)).toHaveText('0');
  await expect(healthyRow.getByRole('cell').nth(3)).toHaveText('5');
  await expectNoSeriousAxe(page);

  await page.goto(`/t/${TENANT}/configs/${ids[FAILING]}`);
  const failing = page.getByRole('region', { name: 'Delivery' });
  const failingRow = failing.getByRole('row', { name: new RegExp(DEPLOYMENT) });
  await expect(failingRow).toContainText('Failing', { timeout: 45_000 });
  await expect(failingRow).toContainText('The SIEM refused the credentials');
  await expect(failingRow).toContainText('Failing since');
  await expect(failingRow.locator('time')).not.toHaveCount(0);
  await expect(failingRow).toContainText('Never');
  // The five events wait in the queue (kept while the tenant fixes the token); none was sent or dropped.
  await expect(failingRow.getByRole('cell').nth(2)).toHaveText('5');
  await expect(failingRow.getByRole('cell').nth(3)).toHaveText('0');
  await expect(failingRow.getByRole('cell').nth(5)).toHaveText('0');
  await expectNoSeriousAxe(page);
  expect(pageErrors).toEqual([]);
});
