// Usage, end to end (issue 23 "Proof": usage that appears after the IronCore
// client makes 100 calls). The broker is the e2e suite's own; the operator
// makes a deployment through the API (the credentials file assembled here, as
// the SIEM walk does); the tenant's first admin enrolls, creates an AWS KMS
// configuration in the UI and approves the deployment. A TSP runs in this
// process (createTsp + the real proxy client) and the application is the
// reference product's unmodified Node client
// (@ironcorelabs/tenant-security-nodejs): 50 encryptions and 50 decryptions.
// The TSP reports the minute still open (usage.reportOpenMinute, a test
// option), so the counts show within seconds rather than after the minute
// ends; the broker's SET semantics replace it once the minute is over.
//
// The KMS is a protocol double (lib/testing/kms/aws-kms-double.ts): no cloud
// KMS is reachable here.
import { DocumentMetadata, TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import type { TConfigUsageView } from '@/lib/schemas/usage';
import { startAwsKmsDouble, type TAwsKmsDouble } from '@/lib/testing/kms/aws-kms-double';
import { enrollFirstAdmin, OPERATOR_STATE } from '../support/accounts';
import { approveDeployment } from '../support/approve';
import { createTenantWithDeployment } from '../support/deployment';
import { expectNoSeriousAxe } from '../support/axe';
import { pollUntil, startTsp, type TRunningTsp } from '../support/tsp';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'usago';
const ADMIN = { email: 'admin@usago.example', passphrase: 'copper meadow 4412 lantern quartz' };
const DEPLOYMENT = 'usage-tsp-1';
const LABEL = 'Usago AWS KMS';
const CALLS = 50;
const AWS_KMS = PROVIDERS.find((p) => p.id === 'aws-kms')!;

const pageErrors: string[] = [];
let kms: TAwsKmsDouble;
let page: Page;
let credentials: Parameters<typeof startTsp>[0];
let running: TRunningTsp | undefined;
let configId: string;

test.beforeAll(async () => {
  kms = await startAwsKmsDouble();
});

test.afterAll(async () => {
  await running?.stop();
  await kms?.stop();
  expect(pageErrors).toEqual([]);
});

test('a tenant with an AWS KMS configuration approves a deployment', async ({ browser, baseURL }) => {
  test.setTimeout(180_000);
  credentials = await createTenantWithDeployment(baseURL as string, {
    environment: { slug: 'usage-walk', displayName: 'Usage walk' },
    tenant: { externalId: TENANT, displayName: 'Usago', adminEmail: ADMIN.email },
    deployment: DEPLOYMENT,
  });

  page = await (await browser.newContext()).newPage();
  watchPageErrors(page, pageErrors);
  await enrollFirstAdmin(page, ADMIN.email, ADMIN.passphrase);
  const user = kms.addUser({ name: 'usago-tsp' });
  const key = kms.createKey({ allow: [user.accessKeyId] });
  const form = await openNewForm(page, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(LABEL);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: AWS_KMS.label });
  await fillSettings(form, AWS_KMS, kms.accessKeySettings(key, user));
  await page.getByRole('button', { name: 'Seal and save', exact: true }).click();
  await expect(page.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  await approveDeployment(page, TENANT, DEPLOYMENT, 1);
  const listing = (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs`)).json()) as { configs: { id: string; label: string }[] };
  configId = listing.configs.find((c) => c.label === LABEL)!.id;
});

test('before any key use, the configuration page says none was reported', async () => {
  await page.goto(`/t/${TENANT}/configs/${configId}`);
  await expect(page.getByRole('region', { name: 'Usage' })).toContainText('No key use reported yet.', { timeout: 15_000 });
});

test('the application makes 100 calls through the TSP; the admin sees 50 wraps and 50 unwraps, last used, the table', async () => {
  test.setTimeout(120_000);
  running = await startTsp(credentials, kms.driverOptions(), undefined, { usage: { reportOpenMinute: true } });
  const app = new TenantSecurityClient(running.url, running.apiKey);
  const meta = (i: number) => new DocumentMetadata(TENANT, 'svc-usage', 'PII', '10.20.30.40', `doc-${i}`, `req-usage-${i}`);
  const docs = [];
  for (let i = 0; i < CALLS; i++) docs.push(await app.encryptDocument({ body: Buffer.from(`usage document ${i}`) }, meta(i)));
  for (let i = 0; i < CALLS; i++) await app.decryptDocument(docs[i]!, meta(i));

  // The broker has the counts once the TSP's next report lands (it reports news at most every 5 s).
  const usage = await pollUntil(
    async () => (await (await page.request.get(`/api/v1/tenants/${TENANT}/configs/${configId}/usage?range=24h`)).json()) as TConfigUsageView,
    (view) => view.deployments[0]?.sum.wraps === CALLS && view.deployments[0]?.sum.unwraps === CALLS,
    { everyMs: 500, timeoutMs: 30_000 },
  );
  expect(usage.value.deployments.map((d) => [d.name, d.sum.wraps, d.sum.unwraps, d.sum.failed])).toEqual([[DEPLOYMENT, CALLS, CALLS, 0]]);
  expect(usage.value.lastUsed?.deploymentName).toBe(DEPLOYMENT);

  await page.goto(`/t/${TENANT}/configs/${configId}`);
  const region = page.getByRole('region', { name: 'Usage' });
  await expect(region.getByTestId('usage-reported-by')).toHaveText(`Reported by deployment ${DEPLOYMENT}; the broker cannot prove these counts.`);
  await expect(region.getByTestId('usage-last-used')).toContainText(`reported by ${DEPLOYMENT}`);
  await expect(region.getByRole('img', { name: /Last 24 hours, per hour for Usago AWS KMS: 50 wraps, 50 unwraps, 0 rekeys, 0 failed/ })).toBeVisible();
  await expect(region.getByRole('img', { name: /Last 30 days, per day for Usago AWS KMS: 50 wraps, 50 unwraps/ })).toBeVisible();
  const perDeployment = region.getByRole('table', { name: `Last 24 hours, per hour per deployment: ${LABEL}` });
  await expect(perDeployment.getByRole('row', { name: new RegExp(`${DEPLOYMENT} 50 50 0 0`) })).toBeVisible();
  await region.getByText('Data table (last 24 hours, per hour)').click();
  const data = region.getByRole('table', { name: `Last 24 hours, per hour: ${LABEL}, all deployments` });
  await expect(data.getByRole('row')).toHaveCount(25);
  await expect(data.getByRole('row', { name: / 50 50 0 0$/ })).toHaveCount(usage.value.total.filter((c) => c.wraps === CALLS).length);
  await expectNoSeriousAxe(page);
});

test('the operator sees the tenant\'s totals in the tenant detail and the overview', async ({ browser }) => {
  const context = await browser.newContext({ storageState: OPERATOR_STATE });
  const operator = await context.newPage();
  watchPageErrors(operator, pageErrors);
  await operator.goto(`/operator/tenants/${TENANT}`);
  const card = operator.getByRole('region', { name: 'Key use' });
  await expect(card.getByRole('row', { name: 'Last 24 hours 50 50 0 0 0 0' })).toBeVisible({ timeout: 15_000 });
  await expectNoSeriousAxe(operator);
  await operator.goto('/operator/overview');
  const overview = operator.getByRole('region', { name: 'Key use by tenant' });
  await expect(overview.getByRole('row', { name: /Usago 100 0/ })).toBeVisible({ timeout: 15_000 });
  await expectNoSeriousAxe(operator);
  await context.close();
});
