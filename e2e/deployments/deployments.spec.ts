// Proxy deployments, end to end in the browser. The operator creates one: the
// key pair is made in the page and only the public key is sent (every request
// of the walk is searched for a private JWK), and the downloaded credentials
// file is checked with the schema proxies read it with. The list shows it;
// its API key is rotated; disabling refuses its keys at once and enabling
// restores them. A tenant admin sees it ask for access, compares the
// fingerprint, approves it — every configuration is re-sealed as version + 1
// to the tenant and the deployment — and removes it again (re-sealed once
// more). Until a proxy of it connects, every page says it is not connected
// yet (not silent, not behind, no withholding alarm); once the real proxy
// client has synced and reported it is up to date, and right after the next
// change it is catching up. When the operator suspends the tenant, the proxy
// reports that the broker stopped handing it over, and the tenant's page says
// at which change; resumed, it is up to date again. Last, the operator deletes
// it after typing its name.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { jwkThumbprint } from '@/lib/crypto/thumbprint';
import { createProxyClient } from '@/lib/proxy-client';
import { ZProxyCredentials, type TProxyCredentials } from '@/lib/schemas/deployments';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { enrollFirstAdmin, OPERATOR, OPERATOR_STATE, recordRequests, tenantTab, type RecordedRequest } from '../support/accounts';
import { planConfig } from '../configs/canaries';
import { fillSettings, openNewForm } from '../configs/config-ui';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const TENANT = 'initrode';
const ENV = { slug: 'deploy-walk', displayName: 'Deploy walk' };
const ADMIN = { email: 'admin@initrode.example', passphrase: 'harbor violet 5531 ember canyon' };
const NAME = 'walk-eu-1';
const plans = [PROVIDERS.find((p) => p.kind === 'kms'), PROVIDERS.find((p) => p.kind === 'siem')].map((p, i) => planConfig(p!, `Deploy walk ${i + 1}`));

const requests: RecordedRequest[] = [];
const pageErrors: string[] = [];
let operator: Page;
let admin: Page;
let adminContext: BrowserContext;
let credentials: TProxyCredentials;
let thumbprint: string;
let rotatedKey: string;

async function newPage(browser: Browser, storageState?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(storageState ? { storageState } : {});
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  recordRequests(context, requests);
  const page = await context.newPage();
  watchPageErrors(page, pageErrors);
  return { context, page };
}

const proxyGet = (page: Page, apiKey: string) => page.request.get('/api/v1/proxy/configs', { headers: { authorization: `Bearer ${apiKey}` } });

test.afterAll(() => {
  expect(pageErrors).toEqual([]);
});

test('a tenant with two configurations, and the operator console', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const client = new BrokerClient(baseURL as string);
  await client.signIn(OPERATOR.email, OPERATOR.passphrase);
  const env = expectStatus<{ id: string }>(await client.post('/api/v1/operator/environments', ENV), 201, 'env');
  expectStatus(await client.post('/api/v1/operator/tenants', { externalId: TENANT, displayName: 'Initrode', environmentId: env.id, adminEmail: ADMIN.email }), 201, 'tenant');

  ({ context: adminContext, page: admin } = await newPage(browser));
  await enrollFirstAdmin(admin, ADMIN.email, ADMIN.passphrase);
  for (const plan of plans) {
    const form = await openNewForm(admin, TENANT, plan.provider.kind);
    await form.getByLabel('Name', { exact: true }).fill(plan.label);
    await form.getByLabel('Provider', { exact: true }).selectOption({ label: plan.provider.label });
    await fillSettings(form, plan.provider, plan.settings);
    await admin.getByRole('button', { name: 'Seal and save', exact: true }).click();
    await expect(admin.getByText('Sealed and saved as version 1.')).toBeVisible({ timeout: 15_000 });
  }

  ({ page: operator } = await newPage(browser, OPERATOR_STATE));
  await operator.goto('/operator');
  await operator.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Deployments' }).click();
  await expect(operator.getByRole('heading', { level: 1, name: 'Proxy deployments' })).toBeVisible();
});

test('the operator creates a deployment; the private key stays in the browser and in the downloaded file', async () => {
  const form = operator.getByRole('form', { name: 'New proxy deployment' });
  // The environment options arrive from a client-side query: once they are there, the form is hydrated.
  await expect(form.getByLabel('Environment').locator('option', { hasText: ENV.displayName })).toHaveCount(1);
  await form.getByRole('button', { name: 'Create deployment' }).click();
  await expect(form.getByLabel('Deployment name')).toBeFocused();
  await form.getByLabel('Deployment name').fill(NAME);
  await form.getByLabel('Environment').selectOption({ label: `${ENV.displayName} (${ENV.slug})` });
  await form.getByRole('button', { name: 'Create deployment' }).click();

  const panel = operator.getByTestId('new-deployment-credentials');
  await expect(panel).toContainText('shown only this once');
  const fingerprint = panel.getByTestId('fingerprint');
  await expect(fingerprint).toHaveAttribute('data-thumbprint', /^[A-Za-z0-9_-]{43}$/);
  thumbprint = (await fingerprint.getAttribute('data-thumbprint')) as string;

  const download = operator.waitForEvent('download');
  await panel.getByRole('button', { name: 'Download credentials file' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`cmk-proxy-${NAME}.credentials.json`);
  credentials = ZProxyCredentials.parse(JSON.parse(readFileSync((await file.path()) as string, 'utf8')));
  expect(await jwkThumbprint(credentials.privateJwk)).toBe(thumbprint);
  expect(credentials.privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);

  // The private key never left the page: no request carries a "d" member or its value.
  const sent = requests.filter((r) => r.body);
  expect(sent.some((r) => r.url.endsWith('/api/v1/operator/deployments') && r.method === 'POST')).toBe(true);
  for (const r of sent) {
    expect(r.body, r.url).not.toContain(credentials.privateJwk.d);
    expect(r.body, r.url).not.toMatch(/"d"\s*:/);
  }
  const created = JSON.parse(sent.find((r) => r.url.endsWith('/api/v1/operator/deployments'))!.body) as { publicJwk: Record<string, unknown> };
  expect(created.publicJwk.kid).toBe(thumbprint);

  await panel.getByRole('button', { name: 'Done' }).click();
  await expect(panel).toHaveCount(0);
});

test('the list shows the deployment with its key, environment and approvals', async () => {
  const row = operator.getByTestId(`deployment-row-${NAME}`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(ENV.displayName);
  await expect(row.getByTestId('short-fingerprint')).toHaveAttribute('data-thumbprint', thumbprint);
  await expect(row).toContainText('0 / 1');
  await expect(row).toContainText('Active');
  await expect(row.getByTestId('applied')).toHaveText('Never applied');
  // The API key in the file works (the deployment has no approvals yet, but it may ask).
  expect((await proxyGet(operator, credentials.apiKey)).status()).not.toBe(401);
});

test('rotating the API key shows the new key once; the old one keeps working until the chosen time', async () => {
  await operator.getByTestId(`deployment-row-${NAME}`).getByRole('link', { name: NAME }).click();
  await expect(operator.getByRole('heading', { level: 1, name: NAME })).toBeVisible();
  await expect(operator.getByTestId('api-key-row')).toHaveCount(1);
  const form = operator.getByRole('form', { name: 'Rotate API key' });
  await form.getByLabel('The current key stops working').selectOption('1h');
  await form.getByRole('button', { name: 'Rotate API key' }).click();
  await expect(operator.getByTestId('new-api-key')).toHaveText(/^cmkp_[A-Za-z0-9_-]{43}$/);
  rotatedKey = (await operator.getByTestId('new-api-key').textContent()) as string;
  expect(rotatedKey).not.toBe(credentials.apiKey);
  await operator.getByRole('button', { name: 'Copy new API key' }).click();
  expect(await operator.evaluate(() => navigator.clipboard.readText())).toBe(rotatedKey);
  await operator.getByRole('checkbox', { name: 'I have stored the new key' }).check();
  await operator.getByRole('button', { name: 'Hide the key' }).click();
  await expect(operator.getByTestId('new-api-key')).toHaveCount(0);
  await expect(operator.getByTestId('api-key-row')).toHaveCount(2);
  expect((await proxyGet(operator, rotatedKey)).status()).not.toBe(401);
  expect((await proxyGet(operator, credentials.apiKey)).status()).not.toBe(401);
});

test('disabling refuses every key at once; enabling restores them', async () => {
  await operator.getByRole('button', { name: 'Disable deployment' }).click();
  await operator.getByRole('dialog', { name: `Disable ${NAME}?` }).getByRole('button', { name: 'Disable' }).click();
  await expect(operator.getByText(`${NAME} is disabled.`)).toBeVisible();
  expect((await proxyGet(operator, rotatedKey)).status()).toBe(401);
  expect((await proxyGet(operator, credentials.apiKey)).status()).toBe(401);
  await operator.getByRole('button', { name: 'Enable deployment' }).click();
  await expect(operator.getByText(`${NAME} is enabled again.`)).toBeVisible();
  expect((await proxyGet(operator, rotatedKey)).status()).not.toBe(401);
});

test('the tenant admin sees the deployment ask for access, with the same fingerprint', async () => {
  // The tenant area opens on the configurations, which show the request first.
  await admin.goto(`/t/${TENANT}`);
  await expect(admin).toHaveURL(new RegExp(`/t/${TENANT}/configs$`));
  const banner = admin.getByTestId('pending-deployments-banner');
  await expect(banner).toContainText('A new proxy deployment asks for access');
  await expect(banner).toContainText(NAME);
  await expect(banner.getByTestId('fingerprint')).toHaveAttribute('data-thumbprint', thumbprint);
  await banner.getByRole('link', { name: 'Review proxy deployments' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Proxy deployments' })).toBeVisible();
});

async function resealedTo(kids: string[]): Promise<void> {
  const change = [...requests].reverse().find((r) => r.url.endsWith(`/api/v1/tenants/${TENANT}/changes`));
  const body = JSON.parse(change!.body) as { reseal: { version: number; jwe: { recipients: { header: { kid: string } }[] } }[] };
  expect(body.reseal).toHaveLength(plans.length);
  for (const r of body.reseal) expect(r.jwe.recipients.map((x) => x.header.kid).slice(1).sort()).toEqual([...kids].sort());
}

test('approving re-seals every configuration as version + 1 to the deployment', async () => {
  const card = admin.getByTestId(`tenant-deployment-${NAME}`);
  await expect(card).toContainText('Asks for access');
  await card.getByRole('button', { name: `Approve ${NAME}` }).click();
  const dialog = admin.getByRole('dialog', { name: `Approve ${NAME}?` });
  await expect(dialog.getByTestId('fingerprint')).toHaveAttribute('data-thumbprint', thumbprint);
  await dialog.getByRole('button', { name: 'Approve and re-seal' }).click();
  await expect(dialog.getByText('Tick the box once you have compared the fingerprint.')).toBeVisible();
  await dialog.getByRole('checkbox', { name: /I compared the fingerprint/ }).check();
  await dialog.getByRole('button', { name: 'Approve and re-seal' }).click();
  await expect(admin.getByText(`${NAME} is approved; ${plans.length} configurations re-sealed.`)).toBeVisible({ timeout: 30_000 });
  await expect(admin.getByTestId(`tenant-deployment-${NAME}`)).toContainText('Approved');
  await resealedTo([thumbprint]);
  // No proxy of it has run yet: said plainly, without the alarm kept for a broker that withholds updates.
  await expect(admin.getByTestId(`tenant-deployment-${NAME}`).getByTestId('delivery')).toContainText('Not connected yet');
  await expect(admin.getByTestId(`tenant-deployment-${NAME}`)).not.toContainText(/withholding|behind/i);

  await admin.goto(`/t/${TENANT}/configs`);
  for (const plan of plans) await expect(admin.getByTestId(`config-row-${plan.label}`)).toContainText('v2');
  await admin.goto(`/t/${TENANT}`);
  await expect(tenantTab(admin, 'Deployments')).toBeVisible();
  await expect(admin.getByTestId('pending-deployments-banner')).toHaveCount(0);
});

test('the operator console says "not connected yet" too: not silent, not incomplete propagation', async () => {
  const page = await operator.context().newPage();
  await page.goto('/operator/overview');
  const health = page.getByRole('table', { name: 'Health of each proxy deployment' }).getByRole('row').filter({ hasText: NAME });
  await expect(health).toContainText('Not connected yet');
  await expect(health).not.toContainText(/silent|lagging|behind|withholding/i);
  await page.goto(`/operator?q=${TENANT}`);
  const row = page.getByTestId(`tenant-row-${TENANT}`);
  await expect(row).toContainText(new RegExp(`${NAME}:\\s*Not connected yet`));
  await expect(row).not.toContainText(/behind|incomplete|withholding/i);
  // The "propagation incomplete" filter leaves out a deployment whose proxies never connected.
  await page.goto(`/operator?q=${TENANT}&propagationIncomplete=true`);
  await expect(page.getByText('No tenant matches this search and these filters.')).toBeVisible();
  await page.close();
});

test('once its proxy has synced and reported, the deployment is up to date', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'cmk-e2e-pins-'));
  try {
    const client = createProxyClient({ credentials: { ...credentials, apiKey: rotatedKey }, pinsFile: path.join(dir, 'pins.json') });
    await client.syncOnce();
    await client.reportStatus();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await admin.goto(`/t/${TENANT}/deployments`);
  await expect(admin.getByTestId(`tenant-deployment-${NAME}`).getByTestId('delivery')).toContainText('Up to date');
});

test('a tenant the broker stops handing over: its proxy reports it, and the tenant page says at which change', async () => {
  test.setTimeout(90_000);
  const dir = await mkdtemp(path.join(tmpdir(), 'cmk-e2e-pins-'));
  try {
    const client = createProxyClient({ credentials: { ...credentials, apiKey: rotatedKey }, pinsFile: path.join(dir, 'pins.json') });
    await client.syncOnce();
    const seq = client.getTenant(TENANT)?.seq as number;
    expect(client.getTenant(TENANT)?.configs).toHaveLength(plans.length);

    // The operator suspends the tenant: the broker's unsigned flag, delivered as a change.
    await operator.goto(`/operator/tenants/${TENANT}`);
    await operator.getByRole('button', { name: 'Suspend tenant' }).click();
    await operator.getByRole('dialog', { name: `Suspend ${TENANT}?` }).getByRole('button', { name: 'Suspend tenant' }).click();
    await expect(operator.getByText(`${TENANT} is suspended.`)).toBeVisible();
    await client.syncOnce();
    expect(client.summary().errors).toEqual([expect.objectContaining({ tenantId: TENANT, code: 'tenant_suspended', seq })]);
    await client.reportStatus();

    // The tenant's admins read it on the Deployments page, apart from "catching up" or "not receiving updates".
    await admin.goto(`/t/${TENANT}/deployments`);
    const card = admin.getByTestId(`tenant-deployment-${NAME}`);
    await expect(card.getByTestId('delivery')).toContainText(`Stopped at change ${seq}`);
    await expect(card.getByTestId('stopped')).toContainText(`This deployment stopped receiving your configuration at change ${seq}: the broker marks your tenant suspended, a flag you do not sign.`);
    await expect(card.getByTestId('delivery')).not.toContainText(/Catching up|Not receiving updates/);
    // The operators see the code in the deployment's health, in words.
    await operator.goto('/operator/deployments');
    const row = operator.getByTestId(`deployment-row-${NAME}`);
    await row.getByText('1 error').click();
    await expect(row).toContainText('tenant_suspended');
    await expect(row).toContainText(`No longer handed over since change ${seq}: the broker marks the tenant suspended`);

    // Resumed: handed over and served again; the report clears.
    await operator.goto(`/operator/tenants/${TENANT}`);
    await operator.getByRole('button', { name: 'Resume tenant' }).click();
    await expect(operator.getByText(`${TENANT} is resumed`)).toBeVisible();
    await client.syncOnce();
    expect(client.summary().errors).toEqual([]);
    expect(client.getTenant(TENANT)?.configs).toHaveLength(plans.length);
    await client.reportStatus();
    await admin.reload();
    await expect(card.getByTestId('delivery')).toContainText('Up to date');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a later edit is sealed to the approved deployment too', async () => {
  const plan = plans[0]!;
  await admin.goto(`/t/${TENANT}/configs`);
  await admin.getByTestId(`config-row-${plan.label}`).getByRole('link', { name: plan.label }).click();
  await admin.getByRole('button', { name: `Edit ${plan.label}` }).click();
  await admin.getByRole('button', { name: `Seal and save ${plan.label} as a new version` }).click();
  await expect(admin.getByText('Sealed and saved as version 3.')).toBeVisible();
  const change = [...requests].reverse().find((r) => r.url.endsWith(`/api/v1/tenants/${TENANT}/changes`));
  const body = JSON.parse(change!.body) as { put: { jwe: { recipients: { header: { kid: string } }[] } } };
  expect(body.put.jwe.recipients.map((r) => r.header.kid)).toContain(thumbprint);
});

test('the operator reads what the deployment applied in words, and the tenant by provider names', async () => {
  // The proxy syncs and reports the cursor it reached; then, as if it had gone back, two changes before it.
  const bundle = await proxyGet(operator, rotatedKey);
  expect(bundle.status()).toBe(200);
  const { next } = JSON.parse(Buffer.from((await bundle.text()).split('.')[1] as string, 'base64url').toString()) as { next: string };
  const seq = Number(/^v1\.d\.(\d+)$/.exec(next)?.[1]);
  expect(seq).toBeGreaterThan(2);
  const report = (cursor: string) =>
    operator.request.post('/api/v1/proxy/status', { headers: { authorization: `Bearer ${rotatedKey}`, 'content-type': 'application/json' }, data: { cursor, tenants: [], errors: [] } });
  expect((await report(next)).status()).toBe(204);
  await operator.goto('/operator/deployments');
  const applied = operator.getByTestId(`deployment-row-${NAME}`).getByTestId('applied');
  await expect(applied).toHaveText('Up to date');
  // The raw cursor, for support, on hover.
  await expect(applied).toHaveAttribute('title', `Reported cursor: ${next}`);
  expect((await report(`v1.d.${seq - 2}`)).status()).toBe(204);
  await operator.reload();
  await expect(applied).toHaveText('2 changes behind');
  await expect(operator.getByTestId(`deployment-row-${NAME}`)).not.toContainText('v1.d.');

  // The tenant's configurations by the names its admins see, with status words.
  const [kms, siem] = plans.map((p) => p.provider);
  await operator.goto(`/operator?q=${TENANT}`);
  const tenantRow = operator.getByTestId(`tenant-row-${TENANT}`);
  await expect(tenantRow).toContainText(`${kms!.label} · 1 active`);
  await expect(tenantRow).toContainText(`${siem!.label} · 1 active`);
  await tenantRow.getByRole('link', { name: TENANT }).click();
  const configs = operator.getByRole('region', { name: 'Configurations', exact: true });
  const kmsRow = configs.getByRole('row').filter({ hasText: plans[0]!.label });
  await expect(kmsRow).toContainText(kms!.label);
  await expect(kmsRow).toContainText('Active');
  await expect(configs).not.toContainText(kms!.id);
  await expect(operator.getByRole('region', { name: 'Deployments and delivery', exact: true }).getByRole('row').filter({ hasText: NAME }).first()).toContainText('Active');

  // The deployment's own page writes the cursor out.
  await operator.goto('/operator/deployments');
  await operator.getByTestId(`deployment-row-${NAME}`).getByRole('link', { name: NAME }).click();
  await expect(operator.getByRole('region', { name: 'Decryption key' })).toContainText('2 changes behind');
  await expect(operator.getByRole('region', { name: 'Decryption key' })).toContainText(`Reported cursor: v1.d.${seq - 2}`);
});

test('removing re-seals every configuration again without it', async () => {
  await admin.goto(`/t/${TENANT}/deployments`);
  const card = admin.getByTestId(`tenant-deployment-${NAME}`);
  // The edit is one change past what the connected proxy reported a moment ago: on its way, not withheld.
  await expect(card.getByTestId('applied')).toContainText('change');
  await expect(card).not.toContainText(/withholding/i);
  await expect(card.getByTestId('delivery')).toContainText('Catching up');
  await card.getByRole('button', { name: `Remove ${NAME}` }).click();
  await admin.getByRole('dialog', { name: `Remove ${NAME}?` }).getByRole('button', { name: 'Remove and re-seal' }).click();
  await expect(admin.getByText(`${NAME} is removed; ${plans.length} configurations re-sealed.`)).toBeVisible({ timeout: 30_000 });
  await expect(admin.getByTestId(`tenant-deployment-${NAME}`)).toContainText('Asks for access');
  await resealedTo([]);
  await admin.goto(`/t/${TENANT}/configs`);
  await expect(admin.getByTestId(`config-row-${plans[0]!.label}`)).toContainText('v4');
  await expect(admin.getByTestId(`config-row-${plans[1]!.label}`)).toContainText('v3');
});

test('the operator deletes the deployment after typing its name', async () => {
  await operator.reload();
  await operator.getByRole('button', { name: 'Delete deployment' }).click();
  const dialog = operator.getByRole('dialog', { name: `Delete ${NAME} permanently?` });
  await dialog.getByLabel(`Type “${NAME}” to confirm`).fill('walk-eu');
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(dialog.getByText(`Type ${NAME} exactly to delete.`)).toBeVisible();
  await dialog.getByLabel(`Type “${NAME}” to confirm`).fill(NAME);
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await expect(operator).toHaveURL(/\/operator\/deployments$/);
  await expect(operator.getByTestId(`deployment-row-${NAME}`)).toHaveCount(0);
  expect((await proxyGet(operator, rotatedKey)).status()).toBe(401);
  await adminContext.close();
});
