// Security headers on a page, an API route, a static asset and an error page.
import { expect, test } from '../fixtures/test';

const BASE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

test('pages carry a nonce CSP that their scripts satisfy', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response?.headers() ?? {};
  expect(headers).toMatchObject(BASE_HEADERS);
  expect(headers['x-powered-by']).toBeUndefined();
  expect(headers['permissions-policy']).toContain('camera=()');
  expect(headers['x-request-id']).toMatch(/^[A-Za-z0-9_-]{16}$/);
  expect(headers['strict-transport-security']).toBeUndefined(); // served over http here

  const csp = headers['content-security-policy'] ?? '';
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');

  // Every script in the served document carries this response's nonce (scripts that
  // Next loads later are trusted through 'strict-dynamic'; the page-errors fixture
  // proves no script is blocked).
  const served = await page.request.get('/');
  const html = await served.text();
  const servedNonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(served.headers()['content-security-policy'] ?? '')?.[1];
  const tags = html.match(/<script\b[^>]*>/g) ?? [];
  expect(tags.length).toBeGreaterThan(0);
  for (const tag of tags) expect(tag).toContain(`nonce="${servedNonce}"`);
  const live = await page.locator('script[src^="/_next/"]').evaluateAll((els) => els.map((el) => (el as HTMLScriptElement).nonce));
  expect(live).toContain(nonce);

  // A second request gets a different nonce.
  const again = await page.request.get('/');
  expect(again.headers()['content-security-policy']).not.toContain(`'nonce-${nonce}'`);
});

test('API routes carry a CSP that allows nothing', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.headers()).toMatchObject(BASE_HEADERS);
  expect(response.headers()['content-security-policy']).toMatch(/^default-src 'none'; frame-ancestors 'none'/);
  expect(response.headers()['x-powered-by']).toBeUndefined();
});

test('static assets and 404 pages carry the headers too', async ({ page, request }) => {
  await page.goto('/');
  const asset = await page.locator('script[src^="/_next/static/"]').first().getAttribute('src');
  expect(asset).toBeTruthy();
  const assetResponse = await request.get(asset as string);
  expect(assetResponse.status()).toBe(200);
  expect(assetResponse.headers()).toMatchObject(BASE_HEADERS);
  const missing = await request.get('/definitely-missing');
  expect(missing.status()).toBe(404);
  expect(missing.headers()).toMatchObject(BASE_HEADERS);
  expect(missing.headers()['content-security-policy']).toContain("'nonce-");
});

test('a forged CSP or nonce header from the client is ignored', async ({ request }) => {
  const response = await request.get('/', {
    headers: { 'content-security-policy': "script-src 'nonce-attacker'", 'x-nonce': 'attacker' },
  });
  const csp = response.headers()['content-security-policy'] ?? '';
  expect(csp).not.toContain('attacker');
  expect(await response.text()).not.toContain('nonce="attacker"');
});
