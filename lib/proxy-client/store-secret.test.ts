import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from './backoff';
import { BrokerHttpError, createBrokerApi, type TStoredSecretInput } from './http';
import { isPassingFailure, storeSecretWithRetries, STORE_SECRET_TIMING } from './store-secret';
import type { TStoredSecret } from './types';

const input: TStoredSecretInput = { tenantId: 'tenant-a', secretPath: 'ssn', tenantSecretId: 2, kmsConfigId: 1, wrapped: 'd3JhcHBlZA' };
const stored: TStoredSecret = { secretPath: 'ssn', tenantSecretId: 2, kmsConfigId: 1, wrapped: 'd3JhcHBlZA', createdAt: '2026-12-08T00:00:00.000Z' };
const timeout = () => Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });

/** An api whose answers are played in order: an error is thrown, a secret returned. */
function scripted(answers: (Error | TStoredSecret)[]) {
  const signals: AbortSignal[] = [];
  return {
    signals,
    api: {
      async postSecret(_input: TStoredSecretInput, signal?: AbortSignal) {
        signals.push(signal as AbortSignal);
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        if (next instanceof Error) throw next;
        return next;
      },
    },
  };
}

function run(api: ReturnType<typeof scripted>['api'], extra: { stop?: AbortSignal; timing?: typeof STORE_SECRET_TIMING } = {}) {
  const pauses: number[] = [];
  const warnings: string[] = [];
  const done = storeSecretWithRetries(api, input, {
    stop: extra.stop ?? new AbortController().signal,
    ...(extra.timing ? { timing: extra.timing } : {}),
    random: () => 0.5,
    sleep: async (ms) => void pauses.push(ms),
    warn: (message) => void warnings.push(message),
  });
  return { done, pauses, warnings };
}

describe('isPassingFailure', () => {
  it('is true for the network, timeouts, 429 and 5xx, false for refusals and anything else', () => {
    for (const status of [0, 429, 500, 502, 503, 504]) expect(isPassingFailure(new BrokerHttpError(status, undefined, 'x')), String(status)).toBe(true);
    expect(isPassingFailure(timeout())).toBe(true);
    for (const status of [200, 400, 401, 403, 404, 409, 413]) expect(isPassingFailure(new BrokerHttpError(status, undefined, 'x')), String(status)).toBe(false);
    expect(isPassingFailure(new Error('boom'))).toBe(false);
    expect(isPassingFailure(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
  });
});

describe('storeSecretWithRetries', () => {
  it('answers at once when the broker does', async () => {
    const { api, signals } = scripted([stored]);
    const { done, pauses } = run(api);
    await expect(done).resolves.toEqual(stored);
    expect(pauses).toEqual([]);
    expect(signals).toHaveLength(1);
  });

  it('tries again after a network error, a timeout and a 503, with growing jittered pauses, and says why', async () => {
    const { api } = scripted([new BrokerHttpError(0, undefined, 'Network error: other side closed'), timeout(), new BrokerHttpError(503, 'unavailable', 'HTTP 503 unavailable: starting'), stored]);
    const { done, pauses, warnings } = run(api);
    await expect(done).resolves.toEqual(stored);
    // Full jitter (random 0.5) under ceilings of 100, 200 and 400 ms.
    expect(pauses).toEqual([50, 100, 200]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain('attempt 1: Network error: other side closed');
    expect(warnings[2]).toContain('HTTP 503 unavailable: starting');
    expect(warnings.join('\n')).not.toContain(input.wrapped);
  });

  it('honours a Retry-After up to the longest pause', async () => {
    const { api } = scripted([new BrokerHttpError(429, 'rate_limited', 'HTTP 429', 300), new BrokerHttpError(503, undefined, 'HTTP 503', 60_000), stored]);
    const { done, pauses } = run(api);
    await expect(done).resolves.toEqual(stored);
    expect(pauses).toEqual([300, STORE_SECRET_TIMING.maxPauseMs]);
  });

  it('does not try a refusal or a malformed answer again', async () => {
    for (const error of [new BrokerHttpError(409, 'conflict', 'HTTP 409 conflict: not the current secret'), new BrokerHttpError(201, 'malformed_secret', 'malformed')]) {
      const { api, signals } = scripted([error, stored]);
      await expect(run(api).done).rejects.toBe(error);
      expect(signals).toHaveLength(1);
    }
  });

  it('gives up after four attempts with the last error', async () => {
    const last = new BrokerHttpError(502, undefined, 'HTTP 502 the fourth');
    const { api, signals } = scripted([new BrokerHttpError(502, undefined, 'a'), new BrokerHttpError(502, undefined, 'b'), new BrokerHttpError(502, undefined, 'c'), last, stored]);
    await expect(run(api).done).rejects.toBe(last);
    expect(signals).toHaveLength(4);
  });

  it('keeps within its budget: no attempt starts without time for it', async () => {
    // A budget of 1 s, attempts of 4 s at most: the first attempt gets the whole second, and there is no time for a second one.
    const { api, signals } = scripted([timeout(), stored]);
    await expect(run(api, { timing: { attemptTimeoutMs: 4_000, budgetMs: 1_000, maxPauseMs: 1_000 } }).done).rejects.toThrow('timeout');
    expect(signals).toHaveLength(1);
  });

  it('stops at once when the client stops', async () => {
    const stop = new AbortController();
    const { api, signals } = scripted([new BrokerHttpError(0, undefined, 'Network error'), stored]);
    stop.abort();
    await expect(run(api, { stop: stop.signal }).done).rejects.toThrow('Network error');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
  });
});

describe('storeSecretWithRetries against a real HTTP server', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('a broker that drops the first connection and answers 503 next still gets the secret stored, once', async () => {
    let requests = 0;
    const bodies: unknown[] = [];
    server = createServer((req, res) => {
      requests += 1;
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        if (requests === 1) return req.socket.destroy(); // the answer is lost
        if (requests === 2) return res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' }).end(JSON.stringify({ code: 'unavailable', detail: 'The database is not ready.' }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: false, secret: stored }));
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const api = createBrokerApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'k'.repeat(43));
    const warnings: string[] = [];
    const answer = await storeSecretWithRetries(api, input, { stop: new AbortController().signal, sleep, warn: (message) => void warnings.push(message) });
    expect(answer).toEqual(stored);
    expect(requests).toBe(3);
    // The same request each time: the broker's first-writer-wins answer makes a repeat harmless.
    expect(bodies).toEqual([input, input, input]);
    expect(warnings[0]).toMatch(/attempt 1: Network error/);
    expect(warnings[1]).toMatch(/attempt 2: HTTP 503 unavailable: The database is not ready\.\); trying again in 0 ms/);
  });
});
