// The operators' overview: a deployment that reports through the real proxy
// API shows in the health panel and the lag and error charts (recharts, loaded
// on demand), with the numbers also in tables — the lag chart ending on the lag
// the health table shows; every provider bar is named, the data tables fit
// their cards or say they scroll, at 1440 and 390 px; the page has no serious
// or critical accessibility violations in either colour scheme, and no console
// errors (the charts work under the nonce CSP).
import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { providerLabel } from '@/lib/client/console-text';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TDeploymentRow } from '@/lib/schemas/deployments';
import type { TOverview } from '@/lib/schemas/overview';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, OPERATOR_STATE } from '../support/accounts';

test.use({ storageState: OPERATOR_STATE });

test('the overview shows the deployments health and 24 hours of lag and errors', async ({ page, baseURL }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });

  const client = new BrokerClient(baseURL as string);
  await client.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await client.post('/api/v1/operator/environments', { slug: 'overview-eu', displayName: 'Overview EU' }), 201, 'env');
  expectStatus(await client.post('/api/v1/operator/tenants', { externalId: 'overview-co', displayName: 'Overview Co', environmentId: env.id, adminEmail: 'admin@overview.example' }), 201, 'tenant');
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = expectStatus<{ deployment: TDeploymentRow; apiKey: string }>(
    await client.post('/api/v1/operator/deployments', { name: 'overview-proxy', environmentId: env.id, publicJwk }),
    201,
    'deployment',
  );
  // The deployment syncs and reports the cursor it reached with two errors, as a real proxy would: its lag is 0 then.
  const bundle = await page.request.get('/api/v1/proxy/configs', { headers: { authorization: `Bearer ${created.apiKey}` } });
  expect(bundle.status()).toBe(200);
  const { next } = JSON.parse(Buffer.from((await bundle.text()).split('.')[1] as string, 'base64url').toString()) as { next: string };
  const report = await page.request.post('/api/v1/proxy/status', {
    headers: { authorization: `Bearer ${created.apiKey}`, 'content-type': 'application/json' },
    data: { cursor: next, tenants: [], errors: [{ tenantId: '*', configId: null, code: 'bundle_expired', message: 'clock skew' }, { tenantId: 'nobody', configId: null, code: 'tenant_state', message: 'bad signature' }] },
  });
  expect(report.status()).toBe(204);
  // A change after the report: the deployment is one behind, which no report has said.
  expectStatus(await client.post('/api/v1/operator/tenants/overview-co/suspension'), 200, 'suspend');

  await page.goto('/operator/overview');
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  const health = page.getByRole('table', { name: 'Health of each proxy deployment' });
  const row = health.getByRole('row').filter({ hasText: 'overview-proxy' });
  await expect(row).toContainText('Errors');
  await expect(row).toContainText('overview-eu');
  const lagColumn = (await health.getByRole('columnheader').allTextContents()).indexOf('Lag (changes)');
  await expect(row.getByRole('cell').nth(lagColumn)).toHaveText('1');
  // The lag chart ends where the health table stands, with a dot for a series of one point.
  await expect(page.locator('#lag-chart .recharts-line-dots').first()).toBeAttached();
  await page.getByText('Lag as a table').click();
  const lagTable = page.getByRole('table', { name: 'Highest lag per deployment and half hour' });
  const proxyColumn = (await lagTable.getByRole('columnheader').allTextContents()).indexOf('overview-proxy');
  expect(proxyColumn).toBeGreaterThan(0);
  await expect(lagTable.getByRole('row').last().getByRole('cell').nth(proxyColumn)).toHaveText('1');
  await expect(page.getByRole('img', { name: /proxy errors per half hour/ })).toBeVisible();
  await expect(page.locator('#errors-chart .recharts-surface')).toBeVisible();
  await page.getByText('Errors as a table').click();
  await expect(page.getByRole('table', { name: 'Proxy errors per half hour' }).getByRole('row')).toHaveCount(2);
  await expect(page.getByRole('table', { name: 'Proxy errors per half hour' })).toContainText('2');
  await expect(page.getByRole('table', { name: 'Tenants by environment and status' })).toBeVisible();

  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
  expect(errors).toEqual([]);
});

/** The real overview, with one configuration count per provider the broker knows: what the suite's own data holds depends on which specs ran first. */
async function withEveryProvider(page: Page): Promise<string[]> {
  const configs: TOverview['configs'] = PROVIDERS.map((p, i) => ({ kind: p.kind, provider: p.id, active: PROVIDERS.length - i, disabled: i % 3 }));
  await page.route('**/api/v1/operator/overview', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...((await response.json()) as TOverview), configs } });
  });
  return configs.map((c) => providerLabel(c.provider));
}

/** A table's scroll box: no wider than it is shown, or it says that it scrolls. */
async function expectFitsOrSaysItScrolls(page: Page, card: string) {
  const box = page.locator(`${card} [role=region]`).first();
  const { scrollWidth, clientWidth } = await box.evaluate((e) => ({ scrollWidth: e.scrollWidth, clientWidth: e.clientWidth }));
  if (scrollWidth > clientWidth) await expect(page.locator(`${card} [data-testid=scroll-hint]`)).toBeVisible();
  return scrollWidth <= clientWidth;
}

for (const width of [1440, 390]) {
  test(`at ${width} px every provider bar is named and the data tables are not cut off`, async ({ page, baseURL }) => {
    // A deployment of its own, so the health table is there whichever test ran first.
    const { publicJwk } = await generateJwkPair('ecdh');
    const env = await page.request.post('/api/v1/operator/environments', { headers: { origin: baseURL as string }, data: { slug: `overview-${width}`, displayName: `Overview ${width}` } });
    expect(env.status()).toBe(201);
    const environmentId = ((await env.json()) as { id: string }).id;
    const deployment = await page.request.post('/api/v1/operator/deployments', { headers: { origin: baseURL as string }, data: { name: `overview-${width}`, environmentId, publicJwk } });
    expect(deployment.status()).toBe(201);
    await page.setViewportSize({ width, height: 900 });
    const labels = await withEveryProvider(page);
    await page.goto('/operator/overview');
    const ticks = page.locator('#configs-chart .recharts-yAxis-tick-labels text');
    await expect(ticks).toHaveCount(labels.length);
    // A long name wraps onto two lines (tspans): read it as one.
    const tickTexts = await ticks.evaluateAll((texts) => texts.map((t) => [...t.querySelectorAll('tspan')].map((s) => s.textContent).join(' ')));
    expect(tickTexts).toEqual(labels);

    const configs = page.getByRole('table', { name: 'Configurations by provider' });
    await expect(configs.getByRole('row').nth(1)).toContainText(labels[0] as string);
    await expect(configs).not.toContainText(PROVIDERS[0]?.id as string);
    await expect(page.getByRole('table', { name: 'Tenants by environment and status' })).toContainText('Active');
    // No data table is cut off; at 1440 px the overview's two fit their cards outright.
    for (const card of ['#tenants-data', '#configs-data']) {
      const fits = await expectFitsOrSaysItScrolls(page, card);
      if (width === 1440) expect(fits, card).toBe(true);
    }
    // The health table is wider than a phone: it scrolls in its card and says so, and the page itself does not scroll sideways.
    await expect(page.getByRole('table', { name: 'Health of each proxy deployment' })).toBeVisible();
    if (width === 390) expect(await expectFitsOrSaysItScrolls(page, '#deployments-health')).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  });
}
