// The broker down under a running TSP (issue 24, "Broker down"): the whole
// TSP, not only its proxy client (lib/proxy-client/broker-down.int.test.ts).
// While the world's in-memory broker refuses every connection the TSP keeps
// wrapping and unwrapping with the last verified configurations and says how
// stale they are; with a maximum staleness it refuses key requests (503, code
// 100) once that is passed and /ready says why; when the broker is back it
// recovers by itself and applies a change made meanwhile. Doubles: the AWS
// KMS and the SIEMs are the repo's protocol doubles (no cloud here), the
// broker an in-memory one serving bundles signed with the real crypto.
import { afterEach, describe, expect, it } from 'vitest';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { metric, unwrap, wrap, wrapOk } from './fault-client';

// Fast retries, so recovery is seen within seconds of the broker's return.
const RETRY = { baseMs: 100, capMs: 500 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const readiness = async (healthUrl: string) => {
  const response = await fetch(`${healthUrl}/ready`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; reason: string | null } };
};
const health = async (healthUrl: string) => (await (await fetch(`${healthUrl}/health`)).json()) as { ready: boolean; stalenessSeconds: number | null };

describe('the TSP while the broker is down', () => {
  it('serves the last verified configurations, reports growing staleness, and recovers with the change made meanwhile', async () => {
    world = await startTspWorld({ client: { retry: RETRY } });
    const w = world;
    const before = await wrapOk(w, 'acme');
    const quiet = await wrapOk(w, 'quiet');
    expect((await health(w.healthUrl)).stalenessSeconds).toBeLessThanOrEqual(2);

    w.brokerDown(true);
    await sleep(3_500);
    // Still serving: new wraps, and unwraps of EDEKs made before, with the configuration last verified.
    const during = await wrapOk(w, 'acme');
    expect((await unwrap(w, 'acme', before.edek)).json?.dek).toBe(before.dek);
    expect((await unwrap(w, 'acme', during.edek)).json?.dek).toBe(during.dek);
    expect((await unwrap(w, 'globex', (await wrapOk(w, 'globex')).edek)).status).toBe(200);
    // A revocation applied before the outage stays applied: hooli's only configuration is disabled.
    expect((await wrap(w, 'hooli')).json?.code).toBe(201);
    // Staleness is reported, growing, and the proxy client names the transport failure; without a maximum it stays ready.
    const stale = await health(w.healthUrl);
    expect(stale.ready).toBe(true);
    expect(stale.stalenessSeconds).toBeGreaterThanOrEqual(3);
    expect(await metric(w.healthUrl, 'tsp_config_staleness_seconds')).toBeGreaterThanOrEqual(3);
    expect(w.client.summary().errors.map((e) => e.code)).toContain('transport');

    // Meanwhile quiet's admin disables its KMS configuration: published, but no proxy can fetch it yet.
    const quietConfig = w.kmsConfig.quiet?.configId as string;
    await w.change('quiet', (t) => void Object.assign(t.configs.get(quietConfig)!, { status: 'disabled', primary: false }), { wait: false });
    await sleep(500);
    expect((await unwrap(w, 'quiet', quiet.edek)).status).toBe(200);

    // Back: the TSP finds the broker by itself, applies the change, and its staleness falls back.
    w.brokerDown(false);
    await expect.poll(() => w.client.getTenant('quiet')?.seq, { timeout: 10_000, interval: 50 }).toBe(w.tenants.quiet.seq);
    const revoked = await unwrap(w, 'quiet', quiet.edek);
    expect(revoked.status).toBe(403);
    expect(revoked.json?.code).toBe(202);
    await expect.poll(async () => (await health(w.healthUrl)).stalenessSeconds, { timeout: 5_000, interval: 100 }).toBeLessThanOrEqual(1);
    await expect.poll(() => w.client.summary().errors.map((e) => e.code), { timeout: 5_000 }).not.toContain('transport');
    expect((await unwrap(w, 'acme', during.edek)).json?.dek).toBe(during.dek);
  }, 30_000);

  it('with a maximum staleness, refuses key requests (503, code 100) once it is passed, says why on /ready, and serves again when the broker is back', async () => {
    world = await startTspWorld({ tsp: { maxStalenessSeconds: 2 }, client: { retry: RETRY } });
    const w = world;
    const before = await wrapOk(w, 'acme');
    expect((await readiness(w.healthUrl)).status).toBe(200);

    w.brokerDown(true);
    // Served while the last verified sync is younger than the maximum; refused once it is older (whole seconds: 2.5 s),
    // within a generous bound.
    expect((await wrap(w, 'acme')).status).toBe(200);
    await expect.poll(async () => (await wrap(w, 'acme')).status, { timeout: 10_000, interval: 100 }).toBe(503);
    expect(Date.now() - (w.client.lastSyncAt() as number)).toBeGreaterThanOrEqual(2_500);
    const refused = await unwrap(w, 'acme', before.edek);
    expect(refused.status).toBe(503);
    expect(refused.json).toEqual({ code: 100, message: expect.stringMatching(/not serving: the configuration is \d+ s old, more than the allowed 2 s/) });
    expect(refused.retryAfter).toBe('1');
    const ready = await readiness(w.healthUrl);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ ready: false, reason: expect.stringMatching(/more than the allowed 2 s \(broker unreachable\?\)/) });
    expect(await metric(w.healthUrl, 'tsp_ready')).toBe(0);
    // The health port itself keeps answering: the process is live.
    expect((await fetch(`${w.healthUrl}/live`)).status).toBe(200);

    w.brokerDown(false);
    await expect.poll(async () => (await readiness(w.healthUrl)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect((await unwrap(w, 'acme', before.edek)).json?.dek).toBe(before.dek);
    expect((await wrap(w, 'acme')).status).toBe(200);
    expect(await metric(w.healthUrl, 'tsp_ready')).toBe(1);
  }, 30_000);
});
