// The run loop against a tiny local HTTP server serving factory bundles:
// paging, ETag/304, bad_cursor → full sync, 401 keeps the last good
// configuration, backoff on 500. A unit test of the client itself; the tests
// against the real broker live in the integration suite.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import type { TBundle } from '@/lib/crypto/bundle';
import type { TProxyStatus } from '@/lib/schemas/deployments';
import { bundleTenant, publishState, signTestBundle } from '@/lib/testing/bundle-factory';
import { createProxyWorld, type TProxyWorld } from '@/lib/testing/proxy-world';

import { createProxyClient, type TProxyClient } from './client';

type TStep = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

let server: Server | undefined;
afterEach(() => server?.close());

function problem(res: ServerResponse, status: number, code: string) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: code, status, detail: `test ${code}`, code }));
}

async function startBroker(steps: TStep[], statuses: TProxyStatus[]) {
  const seen: { at: number; path: string; ifNoneMatch?: string }[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/api/v1/proxy/status') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        statuses.push(JSON.parse(body) as TProxyStatus);
        res.writeHead(204).end();
      });
      return;
    }
    seen.push({ at: Date.now(), path: `${url.pathname}${url.search}`, ifNoneMatch: req.headers['if-none-match'] });
    const step = steps.shift();
    if (!step) {
      setTimeout(() => res.writeHead(304).end(), 50);
      return;
    }
    void step(req, res, url);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, seen };
}

function bundleStep(world: TProxyWorld, overrides: Partial<TBundle>, etag?: string): TStep {
  return async (_req, res, url) => {
    const jws = await signTestBundle(world.broker, world.deployment, [bundleTenant(world.acme, world.deployment)], {
      cursor: url.searchParams.get('cursor'),
      ...overrides,
    });
    res.writeHead(200, { 'content-type': 'application/jose', ...(etag ? { etag } : {}) });
    res.end(jws);
  };
}

async function until(condition: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('run()', () => {
  it('pages, long-polls with ETag, recovers from bad_cursor, 401 and 500 keeping the last good configuration', async () => {
    const world = await createProxyWorld();
    const statuses: TProxyStatus[] = [];
    const during401: { seq?: number; codes: string[] } = { codes: [] };
    const ref: { client?: TProxyClient } = {};
    const steps: TStep[] = [
      bundleStep(world, { next: 'page2', complete: false, tenants: [] }),
      bundleStep(world, { next: 'd1', complete: true }, '"e1"'),
      (_req, res) => void res.writeHead(304).end(),
      (_req, res) => problem(res, 400, 'bad_cursor'),
      bundleStep(world, { next: 'd2' }, '"e2"'),
      (_req, res) => problem(res, 401, 'unauthorized'),
      (_req, res) => {
        during401.seq = ref.client?.getTenant('acme')?.seq;
        during401.codes = ref.client?.summary().errors.map((e) => e.code) ?? [];
        problem(res, 500, 'internal');
      },
      (_req, res) => problem(res, 503, 'unavailable'),
      async (req, res, url) => {
        await publishState(world.acme);
        await bundleStep(world, { next: 'd3' }, '"e3"')(req, res, url);
      },
    ];
    const broker = await startBroker(steps, statuses);
    const client = createProxyClient({
      credentials: { ...world.deployment.credentials, brokerUrl: broker.url },
      pinsFile: world.pinsFile,
      retry: { baseMs: 40, capMs: 80, unauthorizedMs: 40, minPollMs: 20 },
      random: () => 1,
    });
    ref.client = client;
    const running = client.run({ wait: 1 });
    // Applied and reported: the report follows the apply, so wait for it before stopping.
    await until(() => client.getTenant('acme')?.seq === world.acme.seq && statuses.at(-1)?.cursor === 'd3');
    client.stop();
    await running;

    const paths = broker.seen.map((s) => s.path);
    expect(paths.slice(0, 9)).toEqual([
      '/api/v1/proxy/configs?wait=0',
      '/api/v1/proxy/configs?cursor=page2&wait=0',
      '/api/v1/proxy/configs?cursor=d1&wait=1',
      '/api/v1/proxy/configs?cursor=d1&wait=1',
      '/api/v1/proxy/configs?wait=0',
      '/api/v1/proxy/configs?cursor=d2&wait=1',
      '/api/v1/proxy/configs?cursor=d2&wait=1',
      '/api/v1/proxy/configs?cursor=d2&wait=1',
      '/api/v1/proxy/configs?cursor=d2&wait=1',
    ]);
    expect(broker.seen[2]?.ifNoneMatch).toBe('"e1"');
    expect(broker.seen[4]?.ifNoneMatch).toBeUndefined();
    expect(during401).toEqual({ seq: 2, codes: ['transport'] });
    // Backoff: each retry after a 5xx waits longer than the one before (random() = 1 → the ceiling).
    const gap = (i: number) => (broker.seen[i]?.at ?? 0) - (broker.seen[i - 1]?.at ?? 0);
    expect(gap(7)).toBeGreaterThanOrEqual(35);
    expect(gap(8)).toBeGreaterThanOrEqual(70);
    expect(statuses[0]).toMatchObject({ cursor: 'd1', tenants: [{ tenantId: 'acme', seq: 2 }], errors: [] });
    // After bad_cursor the broker may have lost our reports (a restored database): seq 2 is reported again.
    expect(statuses.find((s) => s.cursor === 'd2')).toMatchObject({ tenants: [{ tenantId: 'acme', seq: 2 }] });
    expect(statuses.at(-1)).toMatchObject({ cursor: 'd3', tenants: [{ tenantId: 'acme', seq: 3 }], errors: [] });
    expect(client.summary().errors).toEqual([]);
  });
});

describe('a sync made before run()', () => {
  it('is reported at once, not after the first long-poll returns', async () => {
    const world = await createProxyWorld();
    const statuses: TProxyStatus[] = [];
    let reportsWhileHeld = -1;
    // The full sync, then a long-poll the broker holds for the whole wait (1 s) before its 304.
    const hold: TStep = (_req, res) =>
      void setTimeout(() => {
        reportsWhileHeld = statuses.length;
        res.writeHead(304).end();
      }, 1_000);
    const broker = await startBroker([bundleStep(world, { next: 'd1', complete: true }, '"e1"'), hold], statuses);
    const client = createProxyClient({ credentials: { ...world.deployment.credentials, brokerUrl: broker.url }, pinsFile: world.pinsFile, retry: { minPollMs: 20 } });
    await client.syncOnce();
    expect(statuses).toEqual([]);
    const running = client.run({ wait: 1 });
    await until(() => reportsWhileHeld >= 0, 5_000);
    client.stop();
    await running;
    // Reported while the first long-poll was still held: the broker hears of the applied state at once.
    expect(reportsWhileHeld).toBe(1);
    expect(statuses[0]).toMatchObject({ cursor: 'd1', tenants: [{ tenantId: 'acme', seq: world.acme.seq }] });
  });
});

describe('Retry-After', () => {
  it('waits as long as the broker says after a 429 or 503, however short its own backoff', async () => {
    const world = await createProxyWorld();
    const statuses: TProxyStatus[] = [];
    const refuse = (status: number, code: string, retryAfter: string) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/problem+json', 'retry-after': retryAfter });
      res.end(JSON.stringify({ type: 'about:blank', title: code, status, detail: `test ${code}`, code }));
    };
    const steps: TStep[] = [
      refuse(429, 'rate_limited', '1'),
      refuse(503, 'database_unavailable', '1'),
      // A date is not followed (were it, the client would wait until 2099 and `until` would time out).
      refuse(503, 'database_unavailable', 'Wed, 21 Oct 2099 07:28:00 GMT'),
      bundleStep(world, { next: 'd1', complete: true }, '"e1"'),
    ];
    const broker = await startBroker(steps, statuses);
    const client = createProxyClient({
      credentials: { ...world.deployment.credentials, brokerUrl: broker.url },
      pinsFile: world.pinsFile,
      retry: { baseMs: 20, capMs: 40, unauthorizedMs: 40, minPollMs: 20 },
      random: () => 1,
    });
    const running = client.run({ wait: 1 });
    await until(() => statuses.at(-1)?.cursor === 'd1');
    client.stop();
    await running;
    const gap = (i: number) => (broker.seen[i]?.at ?? 0) - (broker.seen[i - 1]?.at ?? 0);
    expect(gap(1)).toBeGreaterThanOrEqual(990);
    expect(gap(2)).toBeGreaterThanOrEqual(990);
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
  });
});

describe('paging', () => {
  // The fetch the client is given is called synchronously when a request starts, so what the
  // client holds at that moment shows whether the next page was asked for before or after
  // the current page was applied.
  function recordingFetch(ref: { client?: TProxyClient }, log: { url: string; acmeApplied: boolean }[]): typeof fetch {
    return (input, init) => {
      log.push({ url: String(input), acmeApplied: ref.client?.getTenant('acme') !== undefined });
      return fetch(input, init);
    };
  }

  it('asks for the next page as soon as a page’s signature verifies, before verifying its tenants', async () => {
    const world = await createProxyWorld();
    const broker = await startBroker(
      [bundleStep(world, { next: 'page2', complete: false }), bundleStep(world, { next: 'd1', complete: true, tenants: [] }, '"e1"')],
      [],
    );
    const log: { url: string; acmeApplied: boolean }[] = [];
    const ref: { client?: TProxyClient } = {};
    const client = createProxyClient({ credentials: { ...world.deployment.credentials, brokerUrl: broker.url }, pinsFile: world.pinsFile, fetch: recordingFetch(ref, log) });
    ref.client = client;
    await client.syncOnce();
    expect(log.map((l) => new URL(l.url).search)).toEqual(['?wait=0', '?cursor=page2&wait=0']);
    // Page 2 was requested while page 1's tenant was still being verified.
    expect(log[1]?.acmeApplied).toBe(false);
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
  });

  it('keeps what verified pages applied when a later page fails, and never asks past a page that does not verify', async () => {
    const world = await createProxyWorld();
    const other = await createProxyWorld();
    const broker = await startBroker(
      [
        bundleStep(world, { next: 'page2', complete: false }),
        (_req, res) => problem(res, 500, 'internal'),
        // Signed by a broker key the client has not pinned: refused, so its `next` is never followed.
        async (_req, res, url) => {
          const jws = await signTestBundle(other.broker, world.deployment, [], { cursor: url.searchParams.get('cursor'), next: 'page3', complete: false });
          res.writeHead(200, { 'content-type': 'application/jose' });
          res.end(jws);
        },
      ],
      [],
    );
    const log: { url: string; acmeApplied: boolean }[] = [];
    const ref: { client?: TProxyClient } = {};
    const client = createProxyClient({ credentials: { ...world.deployment.credentials, brokerUrl: broker.url }, pinsFile: world.pinsFile, fetch: recordingFetch(ref, log) });
    ref.client = client;
    await expect(client.syncOnce()).rejects.toMatchObject({ name: 'BrokerHttpError', status: 500 });
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
    // The next attempt starts over (the failed sync set no cursor) and stops at the refused page,
    // after looking for a rotation statement that would vouch for its unknown key.
    await expect(client.syncOnce()).rejects.toMatchObject({ name: 'BundleRefusedError' });
    expect(log.map((l) => new URL(l.url).search || new URL(l.url).pathname)).toEqual([
      '?wait=0',
      '?cursor=page2&wait=0',
      '?wait=0',
      '/.well-known/cmk-key-rotations.json',
    ]);
    expect(client.getTenant('acme')?.seq).toBe(world.acme.seq);
  });
});
