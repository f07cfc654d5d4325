// The proxy client's configuration-test loop against a fake broker (fetch):
// saved and draft tests reach the handler (a draft opened and verified first),
// an unopenable draft is reported without calling it, at most four run at
// once, a failing pick-up is retried with backoff, and stop() ends it all.
import { afterEach, describe, expect, it } from 'vitest';

import { sealConfigTest } from '@/lib/crypto/seal-config-test';
import type { TConfigTestDocument, TConfigTestResult, TProxyConfigTest } from '@/lib/schemas/config-tests';
import { narrowJwe } from '@/lib/crypto/narrow-jwe';
import { findProvider } from '@/lib/schemas/providers/registry';
import { createFakeBroker, createProxyWorld, type TProxyWorld } from '@/lib/testing/proxy-world';
import { newSigner } from '@/lib/testing/test-keys';

import { createProxyClient, type TProxyClient } from './client';
import type { TConfigTestContext } from './config-tests';

let client: TProxyClient | undefined;
afterEach(() => client?.stop());

type TBrokerTests = { batches: (TProxyConfigTest[] | 'fail')[]; gets: number; results: { testId: string; body: TConfigTestResult }[] };

async function setUp() {
  const world = await createProxyWorld();
  const fake = createFakeBroker(world);
  const broker: TBrokerTests = { batches: [], gets: 0, results: [] };
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    const posted = /^\/api\/v1\/proxy\/tests\/([^/]+)\/result$/.exec(url.pathname);
    if (posted && init?.method === 'POST') {
      broker.results.push({ testId: decodeURIComponent(posted[1] as string), body: JSON.parse(String(init.body)) as TConfigTestResult });
      return new Response(null, { status: 204 });
    }
    if (url.pathname === '/api/v1/proxy/tests') {
      broker.gets += 1;
      expect(url.searchParams.get('wait')).toBe('25');
      const next = broker.batches.shift();
      if (next === 'fail') return Response.json({ code: 'unavailable', status: 503 }, { status: 503 });
      if (next) return Response.json({ tests: next });
      // Held like the real long-poll, until the client stops.
      await new Promise<void>((resolve) => init?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      return Response.json({ tests: [] });
    }
    if (url.pathname === '/api/v1/proxy/configs' && new Headers(init?.headers).get('if-none-match')) {
      await new Promise<void>((resolve) => init?.signal?.addEventListener('abort', () => resolve(), { once: true }));
      return new Response(null, { status: 304 });
    }
    return fake.fetch(input, init);
  };
  client = createProxyClient({ credentials: world.deployment.credentials, pinsFile: world.pinsFile, fetch, instanceId: 'tsp-a', random: () => 0, retry: { baseMs: 5, minPollMs: 5 } });
  await client.syncOnce();
  return { world, broker, client };
}

let n = 0;
const testId = () => `ct_${String(n++).padStart(22, 'A')}`;
const saved = (world: TProxyWorld): TProxyConfigTest => ({ testId: testId(), tenantId: 'acme', kind: 'kms', configId: world.kms.configId, version: world.kms.version, draft: null, resultBy: new Date(Date.now() + 60_000).toISOString() });

async function draftOf(world: TProxyWorld, signer = world.acme.signer): Promise<{ test: TProxyConfigTest; document: TConfigTestDocument }> {
  const document: TConfigTestDocument = { typ: 'config-test', testId: testId(), tenantId: 'acme', kind: 'siem', configId: null, provider: 'webhook', settings: findProvider('webhook')?.example as Record<string, unknown>, iat: Math.floor(Date.now() / 1000) };
  const { jwe } = await sealConfigTest({ document, signingKey: signer.key, signingKid: signer.kid, recipients: [{ kid: world.deployment.kid, publicJwk: world.deployment.publicJwk }] });
  const test = { ...saved(world), testId: document.testId, kind: 'siem' as const, configId: null, version: null, draft: narrowJwe(jwe, world.deployment.kid) };
  return { test, document };
}

async function until(condition: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('client.onConfigTest', () => {
  it('hands saved tests and opened drafts to the handler and posts each result with the instance id', async () => {
    const { world, broker, client } = await setUp();
    const first = saved(world);
    const { test: draft, document } = await draftOf(world);
    broker.batches.push([first, draft]);
    const seen: { test: TProxyConfigTest; ctx: TConfigTestContext }[] = [];
    client.onConfigTest(async (test, ctx) => {
      seen.push({ test, ctx });
      return { outcome: 'passed', step: null, code: null, latencyMs: 7 };
    });
    const running = client.run({ wait: 1 });
    await until(() => broker.results.length === 2);
    client.stop();
    await running;
    expect(seen.map((s) => s.test.testId)).toEqual([first.testId, draft.testId]);
    expect(seen[0]?.ctx.draft).toBeNull();
    expect(seen[0]?.ctx.tenant?.configs.some((c) => c.configId === world.kms.configId)).toBe(true);
    expect(seen[1]?.ctx.draft).toEqual(document);
    expect(broker.results.map((r) => r.testId).sort()).toEqual([first.testId, draft.testId].sort());
    for (const r of broker.results) expect(r.body).toEqual({ instanceId: 'tsp-a', outcome: 'passed', step: null, code: null, latencyMs: 7 });
  });

  it('reports a draft signed by another key as config_test_invalid without calling the handler', async () => {
    const { world, broker, client } = await setUp();
    const { test } = await draftOf(world, await newSigner());
    broker.batches.push([test]);
    let called = 0;
    client.onConfigTest(async () => {
      called += 1;
      return { outcome: 'passed', step: null, code: null, latencyMs: 0 };
    });
    const running = client.run({ wait: 1 });
    await until(() => broker.results.length === 1);
    client.stop();
    await running;
    expect(called).toBe(0);
    expect(broker.results[0]?.body).toMatchObject({ instanceId: 'tsp-a', outcome: 'failed', step: 'configuration', code: 'config_test_invalid' });
  });

  it('runs at most four at once, retries a failing pick-up, and a throwing handler is an internal failure', async () => {
    const { world, broker, client } = await setUp();
    const tests = Array.from({ length: 7 }, () => saved(world));
    broker.batches.push('fail', 'fail', tests);
    let inFlight = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    client.onConfigTest(async (test) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight -= 1;
      if (test.testId === tests[6]?.testId) throw new Error('handler bug');
      return { outcome: 'failed', step: 'key_access', code: 'kms_unauthorized', latencyMs: 3 };
    });
    const running = client.run({ wait: 1 });
    while (broker.results.length < 7) {
      await until(() => gates.length > 0 || broker.results.length === 7);
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    client.stop();
    await running;
    expect(most).toBe(4);
    expect(broker.gets).toBeGreaterThanOrEqual(3);
    expect(broker.results.find((r) => r.testId === tests[6]?.testId)?.body).toMatchObject({ outcome: 'failed', step: 'internal', code: 'internal' });
    expect(broker.results.filter((r) => r.body.code === 'kms_unauthorized')).toHaveLength(6);
  });

  it('without a handler, run() never asks for tests', async () => {
    const { broker, client } = await setUp();
    const running = client.run({ wait: 1 });
    await new Promise((r) => setTimeout(r, 50));
    client.stop();
    await running;
    expect(broker.gets).toBe(0);
  });
});
