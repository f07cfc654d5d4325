// Deterministic keys, the admin's page (issue 25 "UI"), without a TSP. The
// operator makes a deployment through the API; the tenant's first admin
// enrolls, creates an AWS KMS configuration (the primary) and approves the
// deployment in the UI. Secrets are then stored as a proxy stores them:
// through the real proxy route, POST /api/v1/proxy/secrets, with the
// deployment's API key. Their wrapped form is made up here (random bytes):
// the broker never unwraps a secret and cannot tell a fabricated wrapped blob
// from one a KMS made, which is all this page needs. Unwrapping, and the
// tamper and canary proofs, are the TSP's specs.
//
// The admin sees the path with secret 1 Current; Rotate leaves secret 1 In
// rotation and secret 2 Not made yet; once a "proxy" stores secret 2 it is
// Current; Archive (after the warning) makes secret 1 Archived. The operator's
// tenant page shows counts only. The AWS KMS double
// (lib/testing/kms/aws-kms-double.ts) only supplies well-formed settings:
// nothing here calls a KMS.
import { randomBytes } from 'node:crypto';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures/test';
import { base64urlEncode } from '@/lib/crypto/encoding';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import { enrollFirstAdmin, OPERATOR_STATE } from './support/accounts';
import { approveDeployment } from './support/approve';
import { createTenantWithDeployment } from './support/deployment';
import { expectNoSeriousAxe } from './support/axe';
import { fillSettings, openNewForm } from './configs/config-ui';
import { watchPageErrors } from './fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'secreto';
const ADMIN = { email: 'admin@secreto.example', passphrase: 'walnut harbour 5821 pebble signal' };
const DEPLOYMENT = 'secrets-proxy-1';
const LABEL = 'Secreto AWS KMS';
const PATH = 'users.email-search';
const AWS_KMS = PROVIDERS.find((p) => p.id === 'aws-kms')!;

const pageErrors: string[] = [];
let kms: TAwsKmsDouble;
let page: Page;
let apiKey: string;
let kmsConfigId: number;

test.beforeAll(async () => {
  kms = await startAwsKmsDouble();
});

test.afterAll(async () => {
  await page?.context().close();
  await kms?.stop();
  expect(pageErrors).toEqual([]);
});

/** What a proxy sends after its KMS wrapped a new secret (here: made-up ciphertext). */
async function storeSecret(request: APIRequestContext, tenantSecretId: number): Promise<void> {
  const response = await request.post('/api/v1/proxy/secrets', {
    headers: { authorization: `Bearer ${apiKey}` },
    data: { tenantId: TENANT, secretPath: PATH, tenantSecretId, kmsConfigId, wrapped: base64urlEncode(new Uint8Array(randomBytes(184))) },
  });
  expect(response.status(), await response.text()).toBe(201);
  expect(((await response.json()) as { created: boolean }).created).toBe(true);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const secretsTable = () => page.getByRole('table', { name: new RegExp(`^Secrets of path ${escaped(PATH)},`) });
const row = (id: number) => secretsTable().getByRole('row', { name: new RegExp(`^Secret ${id} `) });

test('a tenant with a primary AWS KMS configuration approves a deployment, and has no secrets yet', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  const credentials = await createTenantWithDeployment(baseURL as string, {
    environment: { slug: 'secrets-walk', displayName: 'Secrets walk' },
    tenant: { externalId: TENANT, displayName: 'Secreto', adminEmail: ADMIN.email },
    deployment: DEPLOYMENT,
  });
  apiKey = credentials.apiKey;

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  const user = kms.addUser({ name: 'secreto-tsp' });
  const key = kms.createKey({ allow: [user.accessKeyId] });
  const form = await openNewForm(page, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(LABEL);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: AWS_KMS.label });
  await fillSettings(form, AWS_KMS, kms.accessKeySettings(key, user));
  await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  await approveDeployment(page, TENANT, DEPLOYMENT, 1);
  // The tenant's only KMS configuration, so the highest kmsConfigId given is its own (the primary's).
  const listing = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { kmsConfigIdMax: number };
  kmsConfigId = listing.kmsConfigIdMax;
  expect(kmsConfigId).toBeGreaterThan(0);

  await page.goto(`/t/${TENANT}/secrets`);
  await expect(page.getByRole('heading', { level: 1, name: 'Deterministic keys' })).toBeVisible();
  await expect(page.getByText('No secrets yet: a proxy makes one the first time your vendor’s application asks for a deterministic key.')).toBeVisible({ timeout: 15_000 });
});

test('a secret a proxy stored shows as secret 1, Current, wrapped by the primary, made by the deployment', async ({ request }) => {
  await storeSecret(request, 1);
  await page.goto(`/t/${TENANT}/secrets`);
  await expect(page.getByRole('heading', { level: 2, name: `Secret path ${PATH}` })).toBeVisible({ timeout: 15_000 });
  await expect(row(1)).toContainText('Current');
  await expect(row(1)).toContainText(LABEL);
  await expect(row(1)).toContainText(`by ${DEPLOYMENT}`);
  await expect(secretsTable().getByRole('columnheader')).toHaveText(['Secret', 'State', 'Wrapped by', 'Created', 'Actions']);
});

test('Rotate leaves secret 1 in rotation and secret 2 not made yet; a proxy stores secret 2, which becomes current', async ({ request }) => {
  await page.getByRole('button', { name: `Rotate the secret of ${PATH}` }).click();
  const dialog = page.getByRole('dialog', { name: `Rotate the secret of ${PATH}?` });
  await dialog.getByRole('button', { name: 'Start rotation' }).click();
  await expect(page.getByText(new RegExp(`Rotation of ${escaped(PATH)} started \\(change \\d+\\)`))).toBeVisible({ timeout: 15_000 });
  await expect(row(1)).toContainText('In rotation');
  await expect(row(2)).toContainText('Not made yet');
  // Nothing to rotate until the new secret exists.
  await expect(page.getByRole('button', { name: `Rotate the secret of ${PATH}` })).toBeDisabled();

  await storeSecret(request, 2);
  await page.reload();
  await expect(row(2)).toContainText('Current', { timeout: 15_000 });
  await expect(row(2)).toContainText(LABEL);
  await expect(row(1)).toContainText('In rotation');
});

test('Archive warns that data under the secret becomes unreadable, asks for a tick, and archives secret 1', async () => {
  await row(1).getByRole('button', { name: `Archive secret 1 of ${PATH}` }).click();
  const dialog = page.getByRole('dialog', { name: `Archive secret 1 of ${PATH}?` });
  await expect(dialog).toContainText('Data encrypted under this secret becomes unreadable, and searches no longer find it.');
  await expect(dialog).toContainText('This cannot be undone.');
  await expectNoSeriousAxe(page);
  // Without the tick nothing happens.
  await dialog.getByRole('button', { name: 'Archive secret' }).click();
  await expect(dialog.getByText('Tick the box to archive the secret.')).toBeVisible();
  await expect(row(1)).toContainText('In rotation');
  await dialog.getByRole('checkbox', { name: /I understand that data encrypted under this secret/ }).check();
  await dialog.getByRole('button', { name: 'Archive secret' }).click();
  await expect(page.getByText(`Secret 1 of ${PATH} archived`)).toBeVisible({ timeout: 15_000 });
  await expect(row(1)).toContainText('Archived');
  await expect(row(1).getByRole('button')).toHaveCount(0);
  await expect(row(2)).toContainText('Current');
  await page.reload();
  await expect(row(1)).toContainText('Archived', { timeout: 15_000 });
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
  await expectNoSeriousAxe(page);
});

test('the operator sees counts only: one path, two secrets, and no path name', async ({ browser }) => {
  const context = await browser.newContext({ storageState: OPERATOR_STATE });
  const operator = await context.newPage();
  watchPageErrors(operator, pageErrors);
  await operator.goto(`/operator/tenants/${TENANT}`);
  await expect(operator.getByTestId('secret-counts')).toHaveText('1 path, 2 secrets', { timeout: 15_000 });
  await expect(operator.locator('body')).not.toContainText(PATH);
  const detail = await (await operator.request.get(`/api/v1/operator/tenants/${TENANT}`)).text();
  expect(detail).not.toContain(PATH);
  await context.close();
});
