// The AWS drivers' HTTP handler (aws-http-handler.ts): answers reach the SDK
// as whole Buffers, and what the SDK's own stream collector would have failed
// on fails here too. A local node:http server stands in for AWS; the KMS SDK
// itself is exercised through the driver in aws-kms.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { HttpRequest } from '@smithy/core/protocols';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BufferedBodyHttpHandler, MAX_BODY_BYTES } from './aws-http-handler';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    switch (request.url) {
      case '/small':
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        return response.end('{"KeyId":"k"}');
      case '/chunked': {
        // Three writes, with pauses: one answer in several chunks.
        response.write('{"a":');
        setTimeout(() => response.write('"b'), 10);
        return setTimeout(() => response.end('c"}'), 20);
      }
      case '/huge':
        response.setHeader('content-length', String(MAX_BODY_BYTES + 2));
        response.write(Buffer.alloc(MAX_BODY_BYTES / 2));
        return setTimeout(() => response.end(Buffer.alloc(MAX_BODY_BYTES / 2 + 2)), 10);
      case '/cut':
        response.setHeader('content-length', '100');
        response.write('{"partial":');
        return setTimeout(() => response.socket?.destroy(), 10);
      case '/slow':
        response.write('{');
        return setTimeout(() => response.end('}'), 2_000);
      default:
        response.statusCode = 404;
        return response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const request = (path: string) => new HttpRequest({ protocol: 'http:', hostname: '127.0.0.1', port, method: 'POST', path, headers: { host: `127.0.0.1:${port}` }, body: '{}' });

describe('BufferedBodyHttpHandler', () => {
  const handler = new BufferedBodyHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }), requestTimeout: 5_000, connectionTimeout: 5_000 });
  afterAll(() => handler.destroy());

  it('hands the SDK the whole answer as one Buffer, with status and headers', async () => {
    const { response } = await handler.handle(request('/small'));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect((response.body as Buffer).toString()).toBe('{"KeyId":"k"}');
  });

  it('joins an answer that arrives in several chunks', async () => {
    const { response } = await handler.handle(request('/chunked'));
    expect((response.body as Buffer).toString()).toBe('{"a":"bc"}');
  });

  it('refuses an answer larger than MAX_BODY_BYTES instead of holding it', async () => {
    await expect(handler.handle(request('/huge'))).rejects.toMatchObject({ name: 'ResponseTooLarge' });
  });

  it('fails an answer cut off mid-body as a network error, which the SDK retries', async () => {
    await expect(handler.handle(request('/cut'))).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it("stops reading when the call's deadline fires mid-body, with the deadline's reason", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('deadline passed')), 100);
    await expect(handler.handle(request('/slow'), { abortSignal: controller.signal })).rejects.toThrow('deadline passed');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('still answers after those failures (the agent and the handler are reusable)', async () => {
    const { response } = await handler.handle(request('/small'));
    expect((response.body as Buffer).toString()).toBe('{"KeyId":"k"}');
  });
});
