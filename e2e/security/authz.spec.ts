// The authorization matrix: every page and API route (read from app/ — a new
// route that is not in route-matrix.ts fails the first test) against every
// kind of caller. Anonymous → sign-in page or 401; the admin of tenant A →
// nothing of tenant B, with the very answer a non-existent id gets; operators
// → no tenant-admin surface; tenant admins → no operator surface.
import { readFileSync } from 'node:fs';
import { type APIRequestContext } from '@playwright/test';
import { expect, test } from '../fixtures/test';
import { MATRIX_FILE, matrixState } from '../support/accounts';
import { pageFiles, routeFiles } from './route-files';
import { API_ROUTES, CONFIRMED_ONLY_METHODS, PAGES, SAMPLE_BODIES, type Method } from './route-matrix';

const NOWHERE_ID = 'adm_AAAAAAAAAAAAAAAA';
const ORIGIN_HEADERS = (baseURL: string) => ({ origin: new URL(baseURL).origin, 'content-type': 'application/json' });

function fill(path: string, tenant: string, id: string): string {
  return path.replace('[tenant]', tenant).replace('[id]', id).replace('[configId]', 'c_AAAAAAAAAAAAAAAAAAAAAA').replace('[testId]', 'ct_AAAAAAAAAAAAAAAAAAAAAA').replace('[...path]', 'no/such/route');
}

function templateOf(url: string): string {
  return API_ROUTES.filter((r) => !r.path.includes('[...')).find((r) => new RegExp(`^${r.path.replace(/\[\.\.\.[^\]]+\]/, '.+').replace(/\[[^\]]+\]/g, '[^/]+')}$`).test(url))?.path ?? '';
}

async function call(request: APIRequestContext, baseURL: string, method: Method, url: string) {
  const data = method === 'GET' ? undefined : JSON.stringify(SAMPLE_BODIES[templateOf(url)] ?? {});
  const response = await request.fetch(url, { method, headers: method === 'GET' ? {} : ORIGIN_HEADERS(baseURL), data, maxRedirects: 0 });
  const type = response.headers()['content-type'] ?? '';
  const body = type.includes('json') ? ((await response.json()) as { code?: string }) : {};
  return { status: response.status(), code: body.code, type };
}

test('the matrix lists exactly the pages and API routes that exist', () => {
  // A path may be listed once per access kind (the vendor API's GET and POST need different scopes).
  const listed = new Map<string, Method[]>();
  for (const r of API_ROUTES) listed.set(r.path, [...(listed.get(r.path) ?? []), ...r.methods]);
  expect(routeFiles()).toEqual([...listed].map(([path, methods]) => ({ path, methods: [...methods].sort() })).sort((a, b) => a.path.localeCompare(b.path)));
  expect(pageFiles()).toEqual(PAGES.map((p) => p.path).sort());
});

test('anonymous callers get 401 from every protected API route and the sign-in page for every protected page', async ({ request, page, baseURL }) => {
  for (const route of API_ROUTES.filter((r) => r.access !== 'public' && r.access !== 'auth-endpoint' && r.access !== 'proxy')) {
    for (const method of route.methods) {
      const url = fill(route.path, 'matrix-b', NOWHERE_ID);
      const result = await call(request, baseURL as string, method, url);
      expect({ url, method, status: result.status, code: result.code, type: result.type }).toEqual({ url, method, status: 401, code: 'unauthenticated', type: 'application/problem+json' });
    }
  }
  for (const entry of PAGES.filter((p) => p.access !== 'public')) {
    const url = fill(entry.path, 'matrix-a', NOWHERE_ID);
    await page.goto(url);
    await expect(page, url).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(url).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  }
});

test.describe('the admin of tenant A', () => {
  test.use({ storageState: matrixState('admin-a') });

  test('reaches nothing of tenant B: every tenant route answers as for a tenant that does not exist', async ({ request, baseURL }) => {
    const ids = JSON.parse(readFileSync(MATRIX_FILE, 'utf8')) as { pendingMembershipB: string; openInvitationB: string };
    for (const route of API_ROUTES.filter((r) => r.access === 'tenant-admin' || r.access === 'tenant-member')) {
      const realId = route.path.includes('/invitations/') ? ids.openInvitationB : ids.pendingMembershipB;
      for (const method of route.methods) {
        const nonexistent = await call(request, baseURL as string, method, fill(route.path, 'no-such-tenant', NOWHERE_ID));
        const otherTenant = await call(request, baseURL as string, method, fill(route.path, 'matrix-b', realId));
        expect(nonexistent, `${method} ${route.path} on a missing tenant`).toMatchObject({ status: 404, code: 'not_found' });
        expect(otherTenant, `${method} ${route.path} on tenant B`).toEqual(nonexistent);
        if (route.path.includes('[id]')) {
          // B's records through A's own tenant: the same answer as an id that does not exist.
          const viaOwn = await call(request, baseURL as string, method, fill(route.path, 'matrix-a', realId));
          const missingOwn = await call(request, baseURL as string, method, fill(route.path, 'matrix-a', NOWHERE_ID));
          expect(viaOwn.status, `${method} ${route.path} with B's id`).toBe(404);
          expect(viaOwn).toEqual(missingOwn);
        }
      }
    }
  });

  test('reaches no operator route or page', async ({ request, page, baseURL }) => {
    for (const route of API_ROUTES.filter((r) => r.access === 'operator')) {
      for (const method of route.methods) {
        const result = await call(request, baseURL as string, method, fill(route.path, 'matrix-a', NOWHERE_ID));
        expect({ route: route.path, method, ...result }).toMatchObject({ status: 404, code: 'not_found' });
      }
    }
    for (const entry of PAGES.filter((p) => p.access === 'operator')) {
      const response = await page.goto(entry.path);
      expect(response?.status(), entry.path).toBe(404);
      await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    }
  });

  test('still reaches its own tenant and account (the matrix is not refusing everything)', async ({ request, page }) => {
    expect((await request.get('/api/v1/account')).status()).toBe(200);
    expect((await request.get('/api/v1/tenants/matrix-a/admins')).status()).toBe(200);
    const response = await page.goto('/t/matrix-a');
    expect(response?.status()).toBe(200);
    // The tenant's address opens its configurations; every page of tenant B is the 404 page.
    await expect(page).toHaveURL(/\/t\/matrix-a\/configs$/);
    for (const entry of PAGES.filter((p) => p.access === 'tenant-member')) {
      const url = fill(entry.path, 'matrix-b', NOWHERE_ID);
      expect((await page.goto(url))?.status(), url).toBe(404);
      await expect(page).toHaveURL(new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    }
  });
});

test.describe('a vendor operator', () => {
  test.use({ storageState: matrixState('operator') });

  test('reaches no tenant-admin route or page, of any tenant', async ({ request, page, baseURL }) => {
    for (const route of API_ROUTES.filter((r) => r.access === 'tenant-admin' || r.access === 'tenant-member')) {
      for (const method of route.methods) {
        for (const tenant of ['matrix-a', 'matrix-b']) {
          const result = await call(request, baseURL as string, method, fill(route.path, tenant, NOWHERE_ID));
          expect({ route: route.path, method, tenant, ...result }).toMatchObject({ status: 404, code: 'not_found' });
        }
      }
    }
    for (const tenant of ['matrix-a', 'matrix-b']) {
      for (const entry of PAGES.filter((p) => p.access === 'tenant-member')) {
        const url = fill(entry.path, tenant, NOWHERE_ID);
        expect((await page.goto(url))?.status(), url).toBe(404);
      }
    }
    expect((await request.get('/api/v1/operator/tenants')).status()).toBe(200);
  });
});

test.describe('a pending (unconfirmed) admin of tenant B', () => {
  test.use({ storageState: matrixState('pending-b') });

  test('sees only its own status and the recovery kits, nothing that needs confirmation', async ({ request, baseURL }) => {
    const confirmedOnly = (path: string, method: Method) => CONFIRMED_ONLY_METHODS.some((c) => c.path === path && c.method === method);
    for (const route of API_ROUTES.filter((r) => r.access === 'tenant-admin' || r.access === 'tenant-member')) {
      for (const method of route.methods) {
        if (route.access === 'tenant-member' && !confirmedOnly(route.path, method)) continue;
        const result = await call(request, baseURL as string, method, fill(route.path, 'matrix-b', NOWHERE_ID));
        expect({ route: route.path, method, ...result }).toMatchObject({ status: 404, code: 'not_found' });
      }
    }
    const keys = await request.get('/api/v1/tenants/matrix-b/keys');
    expect(keys.status()).toBe(200);
    expect(await keys.json()).toMatchObject({ status: 'pending', wrappedTenantKeys: null });
    expect((await request.get('/api/v1/tenants/matrix-b/recovery-kits')).status()).toBe(200);
  });
});

// Proxy and vendor API routes take a bearer credential (a deployment's API key, a vendor API token) and nothing else:
// a session cookie of any role — an operator's included — is no credential there.
const BEARER_ACCESS = ['proxy', 'vendor-read', 'vendor-write'];
for (const who of ['anonymous', 'admin-a', 'operator', 'pending-b'] as const) {
  test.describe(`${who === 'anonymous' ? 'an anonymous caller' : `the ${who} session`} on proxy and vendor API routes`, () => {
    if (who !== 'anonymous') test.use({ storageState: matrixState(who) });

    test('gets 401 problem+json from every proxy and vendor API route', async ({ request, baseURL }) => {
      for (const route of API_ROUTES.filter((r) => BEARER_ACCESS.includes(r.access))) {
        for (const method of route.methods) {
          const result = await call(request, baseURL as string, method, fill(route.path, 'matrix-a', NOWHERE_ID));
          expect({ route: route.path, method, status: result.status, type: result.type }).toEqual({ route: route.path, method, status: 401, type: 'application/problem+json' });
        }
      }
      const bogus = await request.get('/api/v1/proxy/configs', { headers: { authorization: `Bearer cmkp_${'A'.repeat(43)}` } });
      expect(bogus.status()).toBe(401);
      for (const token of [`cmkv_${'A'.repeat(43)}`, `cmkp_${'A'.repeat(43)}`]) {
        const vendor = await request.get('/api/v1/vendor/environments', { headers: { authorization: `Bearer ${token}` } });
        expect({ token: token.slice(0, 5), status: vendor.status() }).toEqual({ token: token.slice(0, 5), status: 401 });
      }
    });
  });
}
