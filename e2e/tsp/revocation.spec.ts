// Revocation, end to end: a tenant admin's click in the broker's UI reaches
// the application's decrypt through a real Tenant Security Proxy within a
// second. The broker is the e2e suite's own (production build); the operator
// creates a proxy deployment in the UI and downloads its credentials file; the
// tenant's first admin enrolls from the mailed invitation, creates an AWS KMS
// configuration in the UI and approves the deployment. The TSP runs in this
// process (createTsp + the real proxy client, long-polling that broker), and
// the application is the reference product's unmodified Node client
// (@ironcorelabs/tenant-security-nodejs). Then: disabling the configuration
// in the UI makes decryptDocument fail with 202 in under a second of the
// click; enabling it (and making it primary again) restores it; a key
// disabled in the KMS gives 206.
//
// The KMS is a protocol double (lib/testing/kms/aws-kms-double.ts): no cloud
// KMS is reachable here. It speaks AWS KMS's wire protocol to the unmodified
// AWS SDK in the TSP (endpoint override only), checks SigV4 and does real
// cryptography; the configuration's settings are those of a key and an IAM
// user created in it.
import { readFileSync } from 'node:fs';
import { DocumentMetadata, TenantSecurityClient, TenantSecurityErrorCode } from '@ironcorelabs/tenant-security-nodejs';
import { type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { ZProxyCredentials, type TProxyCredentials } from '@/lib/schemas/deployments';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { startAwsKmsDouble, type TAwsKmsDouble, type TDoubleKey, type TDoubleUser } from '@/lib/testing/kms/aws-kms-double';
import { decodeEdek } from '@/lib/tsp';
import { enrollFirstAdmin, OPERATOR, OPERATOR_STATE } from '../support/accounts';
import { pollUntil, refusalCode, startTsp, type TRunningTsp } from '../support/tsp';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'revoco';
const ENV = { slug: 'revocation-walk', displayName: 'Revocation walk' };
const ADMIN = { email: 'admin@revoco.example', passphrase: 'signal pewter 7719 orchard glacier' };
const DEPLOYMENT = 'revocation-tsp-1';
const LABEL = 'Revoco AWS KMS';
/** The bound the issue sets between the admin's click and the application's refused decrypt. */
const REVOCATION_BOUND_MS = 1_000;
const AWS_KMS = PROVIDERS.find((p) => p.id === 'aws-kms')!;

const pageErrors: string[] = [];
let kms: TAwsKmsDouble;
let key: TDoubleKey;
let user: TDoubleUser;
let adminContext: BrowserContext;
let admin: Page;
let credentials: TProxyCredentials;
let kmsConfigId: number;
let running: TRunningTsp;
let app: TenantSecurityClient;
let encrypted: Awaited<ReturnType<TenantSecurityClient['encryptDocument']>>;

const meta = () => new DocumentMetadata(TENANT, 'svc-invoices', 'PII', '10.20.30.40', 'invoice-7', 'req-revocation');
const doc = { title: Buffer.from('invoice 7'), body: Buffer.from('revocation plaintext stays in the app') };
const decrypt = () => refusalCode(app.decryptDocument(encrypted, meta()));
const button = (name: string) => admin.getByRole('button', { name, exact: true });
const row = () => admin.getByTestId(`config-row-${LABEL}`);
const isChange = (method: string, url: string) => method === 'POST' && new URL(url).pathname === `/api/v1/tenants/${TENANT}/changes`;

async function newPage(browser: Browser, storageState?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(storageState ? { storageState } : {});
  const page = await context.newPage();
  watchPageErrors(page, pageErrors);
  return { context, page };
}

test.beforeAll(async () => {
  kms = await startAwsKmsDouble();
  user = kms.addUser({ name: 'revoco-tsp' });
  key = kms.createKey({ allow: [user.accessKeyId] });
});

test.afterAll(async () => {
  await running?.stop();
  await kms?.stop();
  await adminContext?.close();
  expect(pageErrors).toEqual([]);
});

test('a tenant with an AWS KMS configuration made in the UI approves a deployment the operator made in the UI', async ({ browser, baseURL, extraHTTPHeaders }) => {
  test.setTimeout(180_000);
  const operatorApi = new BrokerClient(baseURL as string, extraHTTPHeaders ?? {});
  await operatorApi.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await operatorApi.post('/api/v1/operator/environments', ENV), 201, 'env');
  expectStatus(await operatorApi.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Revoco', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');

  ({ context: adminContext, page: admin } = await newPage(browser));
  await enrollFirstAdmin(admin, ADMIN.email, ADMIN.passphrase);

  // The configuration, typed into the form: a key and an IAM user's access keys, both of the double.
  const settings = kms.accessKeySettings(key, user);
  expect(settings).toMatchObject({ keyArn: key.keyArn, region: kms.region, authMethod: 'access-keys', accessKeyId: user.accessKeyId });
  const form = await openNewForm(admin, TENANT, 'kms');
  await form.getByLabel('Name', { exact: true }).fill(LABEL);
  await form.getByLabel('Provider', { exact: true }).selectOption({ label: AWS_KMS.label });
  await fillSettings(form, AWS_KMS, settings);
  await button('Seal and save').click();
  await expect(admin.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  // The tenant's first KMS configuration becomes primary, and the signed state gives it its kmsConfigId.
  await expect(admin.getByTestId('kms-config-id')).toContainText(/KMS configuration id \d+/);
  kmsConfigId = Number(/KMS configuration id (\d+)/.exec((await admin.getByTestId('kms-config-id').textContent()) ?? '')?.[1]);
  await admin.goto(`/t/${TENANT}/configs`);
  await expect(row()).toContainText('Primary');

  const { context: operatorContext, page: operator } = await newPage(browser, OPERATOR_STATE);
  await operator.goto('/operator/deployments');
  await expect(operator.getByRole('heading', { level: 1, name: 'Proxy deployments' })).toBeVisible();
  const create = operator.getByRole('form', { name: 'New proxy deployment' });
  // The environment options arrive from a client-side query: once they are there, the form is hydrated.
  await expect(create.getByLabel('Environment').locator('option', { hasText: ENV.displayName })).toHaveCount(1);
  await create.getByRole('button', { name: 'Create deployment' }).click();
  await create.getByLabel('Deployment name').fill(DEPLOYMENT);
  await create.getByLabel('Environment').selectOption({ label: `${ENV.displayName} (${ENV.slug})` });
  await create.getByRole('button', { name: 'Create deployment' }).click();
  const panel = operator.getByTestId('new-deployment-credentials');
  await expect(panel).toContainText('shown only this once');
  const download = operator.waitForEvent('download');
  await panel.getByRole('button', { name: 'Download credentials file' }).click();
  credentials = ZProxyCredentials.parse(JSON.parse(readFileSync((await (await download).path()) as string, 'utf8')));
  // The TSP reaches the same broker the browsers use.
  expect(credentials.brokerUrl).toBe(baseURL);
  await panel.getByRole('button', { name: 'Done' }).click();
  await operatorContext.close();

  await admin.goto(`/t/${TENANT}/deployments`);
  const card = admin.getByTestId(`tenant-deployment-${DEPLOYMENT}`);
  await expect(card).toContainText('Asks for access');
  await card.getByRole('button', { name: `Approve ${DEPLOYMENT}` }).click();
  const dialog = admin.getByRole('dialog', { name: `Approve ${DEPLOYMENT}?` });
  await dialog.getByRole('checkbox', { name: /I compared the fingerprint/ }).check();
  await dialog.getByRole('button', { name: 'Approve and re-seal' }).click();
  await expect(admin.getByText(`${DEPLOYMENT} is approved; 1 configurations re-sealed.`)).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText('Approved');
});

test('the application encrypts and decrypts through a TSP that syncs with the broker', async () => {
  running = await startTsp(credentials, kms.driverOptions());
  app = new TenantSecurityClient(running.url, running.apiKey);
  const tenant = running.tsp.health();
  expect(tenant).toMatchObject({ ready: true, tenants: 1, deploymentId: credentials.deploymentId });

  encrypted = await app.encryptDocument(doc, meta());
  expect(encrypted.encryptedDocument.body?.equals(doc.body)).toBe(false);
  // The EDEK names the configuration by the id the tenant signed, as shown on its page.
  expect(decodeEdek(encrypted.edek)[0]).toMatchObject({ kmsConfigId, tenantId: TENANT });
  const decrypted = await app.decryptDocument(encrypted, meta());
  expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
  expect(kms.count({ target: 'Decrypt', keyId: key.keyArn, status: 200 })).toBe(1);
});

test('the admin disables the configuration in the UI: decrypt is refused with 202 within a second of the click', async () => {
  await admin.goto(`/t/${TENANT}/configs`);
  await expect(row()).toContainText('Primary');
  expect(await decrypt()).toBeNull();

  await button(`Disable ${LABEL}`).click();
  const dialog = admin.getByRole('dialog', { name: `Disable ${LABEL}?` });
  // The tenant's only KMS configuration: no successor to choose, and new encryptions will fail.
  await expect(dialog.getByRole('radio', { name: /^None/ })).toBeChecked();
  const committed = admin.waitForResponse((r) => isChange(r.request().method(), r.url())).then((r) => ({ ok: r.ok(), at: performance.now() }));
  const confirm = dialog.getByRole('button', { name: 'Disable' });
  await expect(confirm).toBeEnabled();
  const beforeClick = performance.now();
  await confirm.click();
  // Measured from the moment the click is done: the change is signed in the page and sent only then.
  const clickedAt = performance.now();
  const refused = await pollUntil(decrypt, (code) => code !== null, { everyMs: 50, timeoutMs: 5_000 });
  const response = await committed;
  const elapsed = Math.round(refused.at - clickedAt);
  test.info().annotations.push({
    type: 'revocation',
    description:
      `decrypt refused ${elapsed} ms after the click (${Math.round(refused.at - beforeClick)} ms after it began; ` +
      `${Math.round(refused.at - response.at)} ms after the broker's answer, which came ${Math.round(response.at - clickedAt)} ms after the click; ${refused.attempts} decrypts)`,
  });
  console.log(`[revocation] ${test.info().annotations.at(-1)?.description}`);

  expect(response.ok, 'the broker accepted the change').toBe(true);
  expect(refused.value).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
  expect(elapsed).toBeLessThan(REVOCATION_BOUND_MS);

  await expect(admin.getByText(`${LABEL} is disabled.`)).toBeVisible();
  await expect(row()).toContainText('Disabled');
  await expect(row()).not.toContainText('Primary');
  // Nothing new is wrapped either: the tenant has no active KMS configuration left.
  expect(await refusalCode(app.encryptDocument(doc, meta()))).toBe(TenantSecurityErrorCode.UNKNOWN_TENANT_OR_NO_ACTIVE_KMS_CONFIGURATIONS);
  expect(await decrypt()).toBe(TenantSecurityErrorCode.KMS_CONFIGURATION_DISABLED);
});

test('enabling it again in the UI, and making it primary, restores decrypt and encrypt', async () => {
  const enabled = admin.waitForResponse((r) => isChange(r.request().method(), r.url()));
  await button(`Enable ${LABEL}`).click();
  expect((await enabled).ok(), 'the broker accepted the change').toBe(true);
  const acceptedAt = performance.now();
  const restored = await pollUntil(decrypt, (code) => code === null, { everyMs: 50, timeoutMs: 5_000 });
  console.log(`[revocation] decrypt works again ${Math.round(restored.at - acceptedAt)} ms after the broker accepted the enable`);
  await expect(admin.getByText(`${LABEL} is enabled again.`)).toBeVisible();
  await expect(row()).toContainText('Active');
  await expect(row()).not.toContainText('Primary');
  // Active but not primary: existing EDEKs open, new ones need a primary.
  expect(await refusalCode(app.encryptDocument(doc, meta()))).toBe(TenantSecurityErrorCode.NO_PRIMARY_KMS_CONFIGURATION);

  await button(`Set primary: ${LABEL}`).click();
  await admin.getByRole('dialog', { name: `Make ${LABEL} the primary KMS configuration?` }).getByRole('button', { name: 'Make primary' }).click();
  await expect(admin.getByText(`${LABEL} is now primary.`)).toBeVisible();
  await expect(row()).toContainText('Primary');
  await pollUntil(() => refusalCode(app.encryptDocument(doc, meta())), (code) => code === null, { everyMs: 50, timeoutMs: 5_000 });
  const fresh = await app.encryptDocument(doc, meta());
  // The same configuration, so the same id: ids stay with their configuration across disable and enable.
  expect(decodeEdek(fresh.edek)[0]?.kmsConfigId).toBe(kmsConfigId);
  expect((await app.decryptDocument(fresh, meta())).plaintextDocument.title?.toString()).toBe('invoice 7');
  const decrypted = await app.decryptDocument(encrypted, meta());
  expect(decrypted.plaintextDocument.body?.toString()).toBe(doc.body.toString());
});

test('a key disabled in the KMS is refused with 206, and works again once enabled', async () => {
  kms.disableKey(key.keyArn);
  expect(await decrypt()).toBe(TenantSecurityErrorCode.KMS_AUTHORIZATION_FAILED);
  expect(kms.count({ target: 'Decrypt', keyId: key.keyArn, error: 'DisabledException' })).toBeGreaterThanOrEqual(1);
  kms.enableKey(key.keyArn);
  expect(await decrypt()).toBeNull();
});
