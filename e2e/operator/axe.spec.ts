// axe-core on every operator page, in light and dark schemes: no serious or
// critical violations. Pages are checked once their data has loaded.
import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { generateJwkPair } from '@/lib/crypto/p256-jwk';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, OPERATOR_STATE } from '../support/accounts';

test.use({ storageState: OPERATOR_STATE });
// One worker, in order (the set-up runs once); a failing page does not skip the others.
test.describe.configure({ mode: 'default' });

const ENV = { slug: 'axe-walk', displayName: 'Axe walk' };
let deploymentId = '';

test.beforeAll(async ({ baseURL }) => {
  const client = new BrokerClient(baseURL as string);
  expect((await client.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const env = expectStatus<{ id: string }>(await client.post('/api/v1/operator/environments', ENV), 201, 'env');
  expectStatus(await client.post('/api/v1/operator/tenants', { externalId: 'axe-tenant', displayName: 'Axe Tenant', environmentId: env.id, adminEmail: 'admin@axe.example' }), 201, 'tenant');
  const { publicJwk } = await generateJwkPair('ecdh');
  const created = expectStatus<{ deployment: { id: string } }>(await client.post('/api/v1/operator/deployments', { name: 'axe-proxy', environmentId: env.id, publicJwk }), 201, 'deployment');
  deploymentId = created.deployment.id;
});

const PAGES: { name: string; path: () => string; ready: (page: Page) => Promise<void> }[] = [
  { name: '/operator', path: () => '/operator', ready: (page) => expect(page.getByRole('table', { name: /^Tenants/ })).toBeVisible() },
  { name: '/operator/environments', path: () => '/operator/environments', ready: (page) => expect(page.getByText(ENV.slug).first()).toBeVisible() },
  { name: '/operator/operators', path: () => '/operator/operators', ready: (page) => expect(page.getByText(OPERATOR.email).first()).toBeVisible() },
  { name: '/operator/outbox', path: () => '/operator/outbox', ready: (page) => expect(page.getByRole('heading', { level: 1 })).toBeVisible() },
  { name: '/operator/deployments', path: () => '/operator/deployments', ready: (page) => expect(page.getByText('axe-proxy').first()).toBeVisible() },
  { name: '/operator/deployments/[id]', path: () => `/operator/deployments/${deploymentId}`, ready: (page) => expect(page.getByText('axe-proxy').first()).toBeVisible() },
  { name: '/operator/tenants/axe-tenant', path: () => '/operator/tenants/axe-tenant', ready: (page) => expect(page.getByRole('region', { name: 'Invitations', exact: true })).toContainText('admin@axe.example') },
];

for (const entry of PAGES) {
  test(`no serious or critical accessibility violations on ${entry.name}`, async ({ page }) => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(entry.path());
      await entry.ready(page);
      await expect(page.getByText(/^Loading/)).toHaveCount(0);
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    }
  });
}
