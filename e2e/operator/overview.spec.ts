// The operators' overview: a deployment that reports through the real proxy
// API shows in the health panel and the lag and error charts (recharts, loaded
// on demand), with the numbers also in tables; the page has no serious or
// critical accessibility violations in either colour scheme, and no console
// errors (the charts work under the nonce CSP).
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures/test';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import type { TDeploymentRow } from '@/lib/schemas/deployments';
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
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = expectStatus<{ deployment: TDeploymentRow; apiKey: string }>(
    await client.post('/api/v1/operator/deployments', { name: 'overview-proxy', environmentId: env.id, publicJwk }),
    201,
    'deployment',
  );
  // The deployment syncs (empty environment) and reports two errors, as a real proxy would.
  const bundle = await page.request.get('/api/v1/proxy/configs', { headers: { authorization: `Bearer ${created.apiKey}` } });
  expect(bundle.status()).toBe(200);
  const report = await page.request.post('/api/v1/proxy/status', {
    headers: { authorization: `Bearer ${created.apiKey}`, 'content-type': 'application/json' },
    data: { cursor: null, tenants: [], errors: [{ tenantId: '*', configId: null, code: 'bundle_expired', message: 'clock skew' }, { tenantId: 'nobody', configId: null, code: 'tenant_state', message: 'bad signature' }] },
  });
  expect(report.status()).toBe(204);

  await page.goto('/operator/overview');
  await expect(page.getByRole('heading', { name: 'Overview', level: 1 })).toBeVisible();
  const health = page.getByRole('table', { name: 'Health of each proxy deployment' });
  const row = health.getByRole('row').filter({ hasText: 'overview-proxy' });
  await expect(row).toContainText('Errors');
  await expect(row).toContainText('overview-eu');
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
