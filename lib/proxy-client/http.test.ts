import { describe, expect, it } from 'vitest';
import { BrokerHttpError, createBrokerApi, MAX_BUNDLE_BYTES, retryAfterMs } from './http';

describe('retryAfterMs', () => {
  it('reads delay-seconds, capped at an hour', () => {
    expect(retryAfterMs('1')).toBe(1000);
    expect(retryAfterMs(' 58 ')).toBe(58_000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('86400')).toBe(3_600_000);
  });

  it('ignores what is not delay-seconds: none, dates, negative, fractional or huge numbers', () => {
    for (const header of [null, '', 'soon', 'Wed, 21 Oct 2099 07:28:00 GMT', '-5', '1.5', '1e3', '99999999999']) {
      expect(retryAfterMs(header)).toBeNull();
    }
  });
});

describe('what the proxy reads from the broker is bounded', () => {
  const api = (respond: () => Response) => createBrokerApi('https://broker.test', 'k'.repeat(43), async () => respond());
  // A body that keeps coming, with no Content-Length: the reader must stop on its own.
  const endless = (chunk: number) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x41));
        if (sent > 1024 * 1024 * 1024) controller.close();
      },
    });
  };

  it('refuses a bundle larger than MAX_BUNDLE_BYTES, declared or streamed, without reading it all', async () => {
    const declared = api(() => new Response('x', { status: 200, headers: { 'content-length': String(MAX_BUNDLE_BYTES + 1) } }));
    await expect(declared.getConfigs({ cursor: null, wait: 0, etag: null })).rejects.toMatchObject({ code: 'response_too_large' });
    let pulled = 0;
    const body = endless(1024 * 1024);
    const counting = body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (c, out) => { pulled += c.byteLength; out.enqueue(c); } }));
    const streamed = api(() => new Response(counting, { status: 200 }));
    await expect(streamed.getConfigs({ cursor: null, wait: 0, etag: null })).rejects.toThrow(BrokerHttpError);
    expect(pulled).toBeLessThan(MAX_BUNDLE_BYTES + 4 * 1024 * 1024);
  });

  it('reads a bundle within the bound, and bounds problem and rotation documents to 1 MiB', async () => {
    const ok = api(() => new Response('a.b.c\n', { status: 200, headers: { etag: '"e"' } }));
    expect(await ok.getConfigs({ cursor: null, wait: 0, etag: null })).toEqual({ kind: 'bundle', jws: 'a.b.c', etag: '"e"' });
    const hugeProblem = api(() => new Response(endless(64 * 1024), { status: 500, statusText: 'Internal Server Error' }));
    // The problem body is not read past the bound: the error still says what the status was.
    await expect(hugeProblem.postStatus({ cursor: null, tenants: [], errors: [] })).rejects.toThrow(/^HTTP 500: Internal Server Error$/);
    const hugeRotations = api(() => new Response(endless(64 * 1024), { status: 200 }));
    await expect(hugeRotations.getBrokerRotations()).rejects.toMatchObject({ code: 'response_too_large' });
  });

  it('treats a 304 as "unchanged" only when it answers an If-None-Match', async () => {
    const notModified = api(() => new Response(null, { status: 304 }));
    expect(await notModified.getConfigs({ cursor: 'c', wait: 30, etag: '"e"' })).toEqual({ kind: 'not_modified' });
    await expect(notModified.getConfigs({ cursor: 'c', wait: 0, etag: null })).rejects.toMatchObject({ status: 304, code: 'unexpected_not_modified' });
  });
});
