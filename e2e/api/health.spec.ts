import { expect, test } from '../fixtures/test';
import { OPERATOR_STATE } from '../support/accounts';

test('GET /api/health answers without touching the database', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
  expect(await response.json()).toMatchObject({ status: 'ok' });
});

test('GET /api/ready tells probes ready or not, and nothing of the set-up', async ({ request }) => {
  const response = await request.get('/api/ready');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: 'ready' });
  expect(response.headers()['cache-control']).toBe('no-store');
});

test.describe('as a vendor operator', () => {
  test.use({ storageState: OPERATOR_STATE });

  test('GET /api/v1/operator/readiness reports the embedded database with every migration applied', async ({ page }) => {
    const response = await page.request.get('/api/v1/operator/readiness');
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { status: string; database: string; migrations: { applied: number; pending: string[] } };
    expect(body.status).toBe('ready');
    expect(body.database).toBe('pglite');
    expect(body.migrations.applied).toBeGreaterThan(0);
    expect(body.migrations.pending).toEqual([]);
    expect(response.headers()['cache-control']).toBe('no-store');
  });
});

test('unknown API routes answer problem+json 404 for every method', async ({ request }) => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    const response = await request.fetch('/api/v1/does-not-exist/../../etc/passwd', { method });
    expect(response.status(), method).toBe(404);
    expect(response.headers()['content-type']).toBe('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, code: 'not_found', type: 'urn:cmk-broker:problem:not_found' });
    expect(body.requestId).toBe(response.headers()['x-request-id']);
  }
});
