// The audit pages in the browser: a tenant admin opens the tenant's audit
// trail from the tenant page, sees it verified, filters it (the URL keeps the
// filters), downloads JSON Lines and the verify command checks the download
// offline with the broker's published keys; an operator opens the audit trail
// from the console navigation and verifies the whole stored trail. Both pages
// have no serious accessibility violations in light and dark schemes.
// (Tampering needs the database while the broker runs: the integration tests
// lib/server/audit/views.int.test.ts cover the broken-link views.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, OPERATOR_STATE, signIn, tenantTab } from '../support/accounts';
import { enrollFirstAdmin } from '../support/enroll';

const TENANT = 'audit-walk';
const ADMIN = { email: 'admin@audit-walk.example', passphrase: 'audit walk passphrase 2291 fern' };
const OUT = path.resolve('.cache/e2e/audit');

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ baseURL }) => {
  const operator = new BrokerClient(baseURL as string);
  expect((await operator.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const env = expectStatus<{ id: string }>(await operator.post('/api/v1/operator/environments', { slug: 'audit-walk', displayName: 'Audit walk' }), 201, 'environment');
  expectStatus(await operator.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Audit Walk', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');
  await enrollFirstAdmin(baseURL as string, TENANT, ADMIN.email, ADMIN.passphrase);
  // Two audited actions in the tenant's chain.
  expectStatus(await operator.post(`/api/v1/operator/tenants/${TENANT}/suspension`), 200, 'suspend');
  expectStatus(await operator.send('DELETE', `/api/v1/operator/tenants/${TENANT}/suspension`), 200, 'resume');
});

async function expectNoSeriousViolations(page: Page, ready: () => Promise<void>) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.reload();
    await ready();
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  }
}

test('a tenant admin filters the audit trail, downloads it, and the download verifies offline', async ({ page, baseURL }) => {
  await signIn(page, ADMIN.email, ADMIN.passphrase);
  await page.goto(`/t/${TENANT}`);
  await tenantTab(page, 'Audit').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  await expect(page.getByTestId('tenant-audit-verification')).toContainText('The chain is intact');
  const table = page.getByRole('table', { name: /Audit events of Audit Walk/ });
  await expect(table.getByRole('cell', { name: /Suspended the tenant/ })).toBeVisible();
  await expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible();

  await page.getByLabel('Actions').selectOption({ label: 'Resumed the tenant (tenant.resume)' });
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/[?&]action=tenant\.resume(&|$)/);
  await expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible();
  await expect(table.getByRole('cell', { name: /Suspended the tenant/ })).toHaveCount(0);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download JSON Lines' }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^audit-${TENANT}-.+\\.jsonl$`));
  mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'tenant-export.jsonl');
  await download.saveAs(file);
  const jwksFile = path.join(OUT, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(await (await fetch(`${baseURL}/.well-known/jwks.json`)).json()));
  const verify = spawnSync(process.execPath, ['scripts/node.mjs', 'scripts/audit-verify.ts', '--file', file, '--jwks', jwksFile], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  expect(verify.stdout).toMatch(new RegExp(`^OK: \\d+ entr(y|ies) of tenant ${TENANT}'s chain`));
  expect(verify.status).toBe(0);

  await expectNoSeriousViolations(page, () => expect(table.getByRole('cell', { name: /Resumed the tenant/ })).toBeVisible());
});

test.describe('an operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('verifies the whole stored trail from the audit page', async ({ page }) => {
    await page.goto('/operator');
    await page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Audit trail' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
    await expect(page.getByRole('table', { name: /Audit events of the vendor chain/ }).getByRole('cell', { name: new RegExp(`${TENANT} #\\d+`) }).first()).toBeVisible();
    await page.getByRole('button', { name: 'Verify now' }).click();
    await expect(page.getByTestId('trail-verification')).toContainText('OK: the trail verifies');
    await expectNoSeriousViolations(page, () => expect(page.getByRole('table', { name: /Audit events of the vendor chain/ })).toBeVisible());
  });
});
