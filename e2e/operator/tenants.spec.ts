// The operators' tenant console in the browser: search (debounced, by id,
// name and admin email), filters, sorting with aria-sort, keyset pages, a
// view that survives a reload (it lives in the URL), the detail page, resend
// and revoke of an invitation (an accepted one shows when it was accepted),
// the tenant's latest audit events and the way to all of them on the audit
// page, suspend and resume, and deletion: requested,
// then refused without the typed id and before the 36-hour wait. (The wait
// itself and the refusal while configurations exist are proven at the
// service level with an injectable clock: lib/server/tenants/tenants.int.test.ts.)
import { type Page } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { BrokerClient, expectStatus } from '@/lib/testing/api-client';
import { OPERATOR, OPERATOR_STATE } from '../support/accounts';
import { enrollFirstAdmin } from '../support/enroll';
import { expectOneDateFormat } from '../support/dates';
import { APP_SCRIPTS, holdBack } from '../support/slow-requests';
import { watchPageErrors } from '../fixtures/page-errors';

test.describe.configure({ mode: 'serial' });

const ENV = { slug: 'console-walk', displayName: 'Console walk' };
const TENANTS = [
  { externalId: 'cw-aardvark', displayName: 'Aardvark Industries', adminEmail: 'root@aardvark.example' },
  { externalId: 'cw-bobcat', displayName: 'Bobcat Logistics', adminEmail: 'it@bobcat.example' },
  { externalId: 'cw-cheetah', displayName: 'Cheetah Foods', adminEmail: 'sec@cheetah.example' },
];
const pageErrors: string[] = [];
let page: Page;
let environmentId = '';

const table = () => page.getByRole('table', { name: /^Tenants/ });
const rowIds = async () => table().getByRole('rowheader').allTextContents();

test.beforeAll(async ({ browser, baseURL }) => {
  const client = new BrokerClient(baseURL as string);
  expect((await client.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const env = expectStatus<{ id: string }>(await client.post('/api/v1/operator/environments', ENV), 201, 'env');
  environmentId = env.id;
  for (const t of TENANTS) expectStatus(await client.post('/api/v1/operator/tenants', { ...t, environmentId: env.id }), 201, t.externalId);
  const context = await browser.newContext({ storageState: OPERATOR_STATE });
  page = await context.newPage();
  // Refusals (409) are expected in this walk; the browser logs each failed fetch.
  watchPageErrors(page, pageErrors);
});

test.afterAll(async () => {
  await page?.context().close();
  expect(pageErrors).toEqual([]);
});

test('search matches tenant ids, names and admin emails, and the URL keeps it', async () => {
  await page.goto('/operator');
  await expect(table()).toBeVisible();
  await page.getByLabel('Search', { exact: true }).fill('BOBCAT');
  await expect(page).toHaveURL(/[?&]q=BOBCAT/);
  await expect.poll(rowIds).toEqual(['cw-bobcat']);
  await page.getByLabel('Search', { exact: true }).fill('sec@cheetah');
  await expect.poll(rowIds).toEqual(['cw-cheetah']);
  await page.reload();
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('sec@cheetah');
  await expect.poll(rowIds).toEqual(['cw-cheetah']);
  const row = page.getByTestId('tenant-row-cw-cheetah');
  await expect(row).toContainText('Invitation pending');
  await expect(row).toContainText('No approved deployment');
});

test('at 1440 px no column header wraps; at 390 px the table scrolls in its card, not the page', async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/operator');
  // The rows load after the page: wait for them, or there is no header to measure yet.
  await expect(page.getByTestId('tenant-row-cw-aardvark')).toBeVisible();
  // Lines each header's label is laid out on (the label's own text node: not the sort arrow or the screen-reader text).
  const lines = await table()
    .getByRole('columnheader')
    .evaluateAll((cells) =>
      cells.map((cell) => {
        const label = [...(cell.querySelector('button') ?? cell).childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        if (!label) return `${cell.textContent}: no label`;
        const range = document.createRange();
        range.selectNodeContents(label);
        return `${label.textContent?.trim()}: ${new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size}`;
      }),
    );
  expect(lines).toEqual(lines.map((l) => l.replace(/\d+$/, '1')));
  expect(lines[0]).toBe('Tenant id: 1');
  // The wide column is for tables: the page's description still breaks at a readable length (80 characters).
  const descriptionEms = await page
    .getByRole('heading', { level: 1, name: 'Tenants' })
    .locator('xpath=following-sibling::p')
    .evaluate((p) => p.getBoundingClientRect().width / parseFloat(getComputedStyle(p).fontSize));
  expect(descriptionEms).toBeLessThanOrEqual(52); // 80 characters of Inter are about 50 em

  await page.setViewportSize({ width: 390, height: 800 });
  await expect(page.locator('#tenants [data-testid=scroll-hint]')).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 720 });
});

test('filters by environment and status, with an empty state that clears them', async () => {
  await page.goto('/operator');
  await page.getByLabel('In environment').selectOption(ENV.slug);
  await expect(page).toHaveURL(/environment=console-walk/);
  await expect.poll(rowIds).toEqual(TENANTS.map((t) => t.externalId));
  await page.getByLabel('Status').selectOption('suspended');
  await expect(page.getByText('No tenant matches this search and these filters.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear search and filters' }).click();
  await expect(page).toHaveURL(/\/operator$/);
  await page.getByLabel('In environment').selectOption(ENV.slug);
  await page.getByLabel('Primary KMS').selectOption('false');
  await expect.poll(rowIds).toEqual(TENANTS.map((t) => t.externalId));
});

test('a search typed and a filter chosen before the page is interactive are applied, not dropped', async () => {
  // A slow connection: the server-rendered form is there before the scripts that make it work.
  await holdBack(page, APP_SCRIPTS);
  await page.goto('/operator', { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Search', { exact: true }).fill('cw-');
  await page.getByLabel('Status').selectOption('invited');
  await page.unrouteAll({ behavior: 'wait' });
  // Once interactive, both reach the URL and the list, and the controls still show them.
  await expect(page).toHaveURL(/[?&]status=invited/);
  await expect(page).toHaveURL(/[?&]q=cw-/);
  await expect(page.getByLabel('Status')).toHaveValue('invited');
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('cw-');
  await expect.poll(rowIds).toEqual(TENANTS.map((t) => t.externalId));
});

test('sorts by a column header button that announces its order', async () => {
  await page.goto(`/operator?environment=${ENV.slug}`);
  const nameHeader = table().getByRole('columnheader', { name: /^Name/ });
  await expect(nameHeader).toHaveAttribute('aria-sort', 'none');
  await expect(table().getByRole('columnheader', { name: /^Tenant id/ })).toHaveAttribute('aria-sort', 'ascending');
  await nameHeader.getByRole('button').click();
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(rowIds).toEqual(['cw-aardvark', 'cw-bobcat', 'cw-cheetah']);
  // Keyboard: the sort button takes Enter.
  await nameHeader.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(page).toHaveURL(/sort=displayName&order=desc/);
  await expect.poll(rowIds).toEqual(['cw-cheetah', 'cw-bobcat', 'cw-aardvark']);
});

test('pages with a keyset cursor: next, previous, first', async () => {
  await page.goto(`/operator?environment=${ENV.slug}&limit=2`);
  await expect.poll(rowIds).toEqual(['cw-aardvark', 'cw-bobcat']);
  await expect(page.getByText('Showing 1–2 of 3 tenants.')).toBeVisible();
  const pages = page.getByRole('navigation', { name: 'Tenant pages' });
  await pages.getByRole('button', { name: 'Next page' }).click();
  await expect.poll(rowIds).toEqual(['cw-cheetah']);
  await expect(page.getByText('Showing 3–3 of 3 tenants.')).toBeVisible();
  await expect(pages.getByRole('button', { name: 'Next page' })).toHaveCount(0);
  await pages.getByRole('button', { name: 'Previous page' }).click();
  await expect.poll(rowIds).toEqual(['cw-aardvark', 'cw-bobcat']);
  await pages.getByRole('button', { name: 'Next page' }).click();
  // The page's cursor is in the URL: a reload (or a shared link) shows the same page.
  await expect(page).toHaveURL(/[?&]cursor=[^&]+.*&page=2|[?&]page=2.*&cursor=/);
  await expect.poll(rowIds).toEqual(['cw-cheetah']);
  await page.reload();
  await expect.poll(rowIds).toEqual(['cw-cheetah']);
  await pages.getByRole('button', { name: 'First page' }).click();
  await expect.poll(rowIds).toEqual(['cw-aardvark', 'cw-bobcat']);
});

test('the detail page shows metadata; an invitation is resent, then revoked', async () => {
  await page.goto(`/operator?q=cw-aardvark`);
  await table().getByRole('link', { name: 'cw-aardvark' }).click();
  await expect(page).toHaveURL(/\/operator\/tenants\/cw-aardvark$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Aardvark Industries (cw-aardvark)' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Operator' }).getByRole('link', { name: 'Tenants' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('region', { name: 'Configurations', exact: true })).toContainText('No configurations.');
  const invitations = page.getByRole('region', { name: 'Invitations', exact: true });
  await expect(invitations.getByRole('row', { name: /root@aardvark\.example/ })).toContainText('Open');
  await expect(invitations.getByRole('row', { name: /root@aardvark\.example/ })).toContainText('Expires');
  await invitations.getByRole('button', { name: 'Resend invitation to root@aardvark.example for cw-aardvark' }).click();
  await expect(page.getByText('Invitation sent again to root@aardvark.example.')).toBeVisible();
  await expect(invitations).toContainText('sent 2 times');
  await invitations.getByRole('button', { name: 'Revoke invitation to root@aardvark.example for cw-aardvark' }).click();
  await page.getByRole('dialog', { name: 'Revoke this invitation?' }).getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(invitations.getByRole('row', { name: /root@aardvark\.example/ })).toContainText('Revoked');
  await expect(invitations.getByRole('row', { name: /root@aardvark\.example/ })).not.toContainText('Expires');
  await expect(page.getByRole('region', { name: 'Timeline', exact: true })).toContainText('Tenant created');
});

test('suspend and resume', async () => {
  await page.goto('/operator/tenants/cw-bobcat');
  await page.getByRole('button', { name: 'Suspend tenant' }).click();
  await page.getByRole('dialog', { name: 'Suspend cw-bobcat?' }).getByRole('button', { name: 'Suspend tenant' }).click();
  await expect(page.getByText('cw-bobcat is suspended.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Summary', exact: true })).toContainText('Suspended');
  await page.goto(`/operator?status=suspended&environment=${ENV.slug}`);
  await expect.poll(rowIds).toEqual(['cw-bobcat']);
  await page.goto('/operator/tenants/cw-bobcat');
  await page.getByRole('button', { name: 'Resume tenant' }).click();
  await expect(page.getByText('cw-bobcat is resumed')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Summary', exact: true })).toContainText('Invitation pending');
});

test('deletion: requested, refused without the typed id and before the 36-hour wait, cancelled', async () => {
  await page.goto('/operator/tenants/cw-cheetah');
  await page.getByRole('button', { name: 'Request deletion' }).click();
  await expect(page.getByText('Deletion requested. It can be carried out 36 hours from now.')).toBeVisible();
  await expect(page.getByText(/it can be carried out from/)).toBeVisible();

  await page.getByRole('button', { name: 'Delete tenant…' }).click();
  let dialog = page.getByRole('dialog', { name: 'Delete cw-cheetah?' });
  await dialog.getByLabel('Type cw-cheetah to confirm').fill('cw-cheetah ');
  await dialog.getByRole('button', { name: 'Delete tenant for good' }).click();
  await expect(page.getByText('Type the tenant id exactly to confirm.')).toBeVisible();

  await page.getByRole('button', { name: 'Delete tenant…' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete cw-cheetah?' });
  await expect(dialog.getByLabel('Type cw-cheetah to confirm')).toHaveValue('');
  await dialog.getByLabel('Type cw-cheetah to confirm').fill('cw-cheetah');
  await dialog.getByRole('button', { name: 'Delete tenant for good' }).click();
  await expect(page.getByText(/The 36-hour wait is not over/)).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Cheetah Foods (cw-cheetah)' })).toBeVisible();

  await page.getByRole('button', { name: 'Cancel deletion request' }).click();
  await expect(page.getByText('Deletion request cancelled.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Request deletion' })).toBeVisible();
});

test('an accepted invitation shows when it was accepted; the tenant’s audit events are on its page and a click away in full', async ({ baseURL }) => {
  const client = new BrokerClient(baseURL as string);
  expect((await client.signIn(OPERATOR.email, OPERATOR.passphrase)).ok).toBe(true);
  const dingo = { externalId: 'cw-dingo', displayName: 'Dingo Dairy', adminEmail: 'boss@dingo.example' };
  expectStatus(await client.post('/api/v1/operator/tenants', { ...dingo, environmentId }), 201, dingo.externalId);
  await enrollFirstAdmin(baseURL as string, dingo.externalId, dingo.adminEmail, 'dingo dairy passphrase 6620 moss');
  const detail = expectStatus<{ invitations: { acceptedAt: string | null }[] }>(await client.get(`/api/v1/operator/tenants/${dingo.externalId}`), 200, 'detail');
  const acceptedAt = detail.invitations[0]?.acceptedAt;
  expect(acceptedAt).toBeTruthy();

  await page.goto(`/operator/tenants/${dingo.externalId}`);
  const row = page.getByRole('region', { name: 'Invitations', exact: true }).getByRole('row', { name: /boss@dingo\.example/ });
  await expect(row.getByText('Accepted', { exact: true })).toBeVisible();
  await expect(row).toContainText('Accepted');
  await expect(row).not.toContainText('Expires');
  await expect(row.locator('time')).toHaveAttribute('datetime', acceptedAt as string);

  const timeline = page.getByRole('region', { name: 'Timeline', exact: true });
  await expect(timeline).toContainText('boss@dingo.example accepted the invitation');
  await expect(timeline).not.toContainText('comes later');
  const audit = page.getByRole('region', { name: 'Audit trail', exact: true });
  const events = audit.getByRole('table', { name: /Latest audit events of cw-dingo/ });
  await expect(events.getByRole('cell', { name: /Accepted an invitation and enrolled/ })).toBeVisible();
  await expect(events.getByRole('cell', { name: /Created a tenant/ })).toBeVisible();

  await audit.getByRole('link', { name: 'All of cw-dingo’s events in the audit trail' }).click();
  await expect(page).toHaveURL(/\/operator\/audit\?tenant=cw-dingo$/);
  await expect(page.getByLabel('Tenant id')).toHaveValue('cw-dingo');
  const chain = page.getByRole('table', { name: /Audit events of the vendor chain/ });
  await expect(chain.getByRole('cell', { name: /Accepted an invitation and enrolled/ })).toBeVisible();
  // Filtered to the tenant: every row is one of its events.
  const tenantCells = await chain.locator('tbody tr td:nth-child(2)').allTextContents();
  expect(tenantCells.length).toBeGreaterThanOrEqual(2);
  for (const cell of tenantCells) expect(cell).toMatch(/^cw-dingo #\d+$/);
});

test('every date on the tenant pages has one format and names the viewer’s time zone', async ({ browser }) => {
  // Two viewers in two zones and locales: each reads its own zone, in one format, on the list and on the detail.
  for (const viewer of [
    { locale: 'en-US', timeZone: 'America/New_York' },
    { locale: 'en-GB', timeZone: 'Europe/Berlin' },
  ]) {
    const context = await browser.newContext({ storageState: OPERATOR_STATE, locale: viewer.locale, timezoneId: viewer.timeZone });
    const viewerPage = await context.newPage();
    await viewerPage.goto('/operator/tenants/cw-dingo');
    // Wait for every card that carries dates: the timeline and the audit events load on their own.
    await expect(viewerPage.getByRole('region', { name: 'Timeline', exact: true })).toContainText('boss@dingo.example accepted the invitation');
    await expect(viewerPage.getByRole('table', { name: /Latest audit events of cw-dingo/ }).getByRole('cell', { name: /Created a tenant/ })).toBeVisible();
    expect(await expectOneDateFormat(viewerPage, viewer)).toBeGreaterThanOrEqual(6);

    await viewerPage.goto(`/operator?environment=${ENV.slug}`);
    await expect(viewerPage.getByRole('table', { name: /^Tenants/ }).getByRole('rowheader', { name: 'cw-dingo' })).toBeVisible();
    expect(await expectOneDateFormat(viewerPage, viewer)).toBeGreaterThanOrEqual(1);
    await context.close();
  }
});
