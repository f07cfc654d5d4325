import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '@/lib/server/errors';
import { defineRoute, nulPath } from './route';

const ctx = { params: Promise.resolve({}) };

const route = defineRoute(
  { auth: 'public', body: z.object({ slug: z.string().regex(/^[a-z0-9-]+$/, 'Use lower-case letters, digits and dashes.') }), maxBodyBytes: 64 },
  async ({ body }) => ({ received: body.slug }),
);

function post(body: string, type = 'application/json') {
  return new Request('http://localhost/api/x', { method: 'POST', headers: { 'content-type': type, 'x-request-id': 'test-request-1' }, body });
}

describe('defineRoute', () => {
  it('parses and runs', async () => {
    const response = await route(post('{"slug":"prod-eu"}'), ctx);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('test-request-1');
    expect(await response.json()).toEqual({ received: 'prod-eu' });
  });

  it('rejects a wrong content type with 415', async () => {
    const response = await route(post('slug=prod', 'application/x-www-form-urlencoded'), ctx);
    expect(response.status).toBe(415);
    expect(((await response.json()) as { code: string }).code).toBe('unsupported_media_type');
  });

  it('rejects bodies over the limit with 413 before parsing', async () => {
    const response = await route(post(JSON.stringify({ slug: 'a'.repeat(100) })), ctx);
    expect(response.status).toBe(413);
  });

  it('rejects invalid JSON with 400 invalid_json', async () => {
    const response = await route(post('{"slug":'), ctx);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_json');
  });

  it('reports schema failures per field', async () => {
    const response = await route(post('{"slug":"Prod EU"}'), ctx);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: 'body.slug', message: 'Use lower-case letters, digits and dashes.' }],
    });
  });

  it('renders AppErrors thrown by the handler and hides unknown ones', async () => {
    const refusing = defineRoute({ auth: 'public' }, async () => {
      throw new AppError('conflict', { message: 'Already there.' });
    });
    const crashing = defineRoute({ auth: 'public' }, async () => {
      throw new Error('internal detail canary');
    });
    const refused = await refusing(new Request('http://localhost/api/x'), ctx);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toBe('Already there.');
    const crashed = await crashing(new Request('http://localhost/api/x'), ctx);
    expect(crashed.status).toBe(500);
    expect(await crashed.text()).not.toContain('canary');
  });

  it('assigns a request id when the caller sent none or an unsafe one', async () => {
    const plain = defineRoute({ auth: 'public' }, async () => ({ ok: true }));
    const response = await plain(new Request('http://localhost/api/x', { headers: { 'x-request-id': 'bad id with spaces' } }), ctx);
    expect(response.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});

describe('cross-site writes', () => {
  it('refuses a cookie-authenticated write with neither Origin nor Sec-Fetch-Site before anyone is looked up', async () => {
    let ran = false;
    const bodiless = defineRoute({ auth: 'user' }, async () => {
      ran = true;
      return { done: true };
    });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await bodiless(new Request('http://localhost/api/v1/account/sessions', { method, headers: { cookie: 'authjs.session-token=x' } }), ctx);
      expect(response.status, method).toBe(403);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('same_origin_required');
    }
    expect(ran).toBe(false);
  });

  it('refuses a public write only when a header says it came from elsewhere', async () => {
    const refused = await route(new Request('http://localhost/api/x', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{"slug":"a"}' }), ctx);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('same_origin_required');
    expect((await route(post('{"slug":"a"}'), ctx)).status).toBe(200);
  });
});

describe('NUL characters', () => {
  it('are refused as a field error before the schema or the handler sees them', async () => {
    const response = await route(post('{"slug":"prod\\u0000eu"}'), ctx);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.slug', message: 'Must not contain the NUL character (U+0000).' }] });
  });
});

describe('nulPath', () => {
  it('finds U+0000 in any string or key, at any depth, and nothing elsewhere', () => {
    expect(nulPath({ a: 'fine', b: [1, 'ok', { c: 'x\u0000' }] })).toEqual(['b', 2, 'c']);
    expect(nulPath({ ['k\u0000']: 1 })).toEqual(['k\u0000']);
    expect(nulPath('\u0000')).toEqual([]);
    expect(nulPath({ a: 'é😀\uFFFF', b: null, c: 3, d: true })).toBeNull();
  });
});
