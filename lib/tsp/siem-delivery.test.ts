// SIEM delivery through a running TSP, end to end within the process: the
// real proxy client and TSP, the AWS KMS double, and the webhook and Splunk
// HEC doubles (lib/testing/siem/*: no SIEM is reachable here) as the tenant's
// SIEMs. What the tenant relies on: nothing lost while an outage fits the
// queue, its overflow policy applied and counted, what shutdown could not
// send counted and reported, and each configuration's delivery health in the
// status report the broker receives.
import { afterEach, describe, expect, it } from 'vitest';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import { startTspWorld, TSP_API_KEY, type TTspWorld } from '@/lib/testing/tsp-world';

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const wrap = async (n: number, tenantId = 'acme') => {
  const response = await fetch(`${world!.url}/api/1/document/wrap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `cmk ${TSP_API_KEY}` },
    body: JSON.stringify({ tenantId, iclFields: { requestingId: 'svc' }, customFields: { n: String(n) } }),
  });
  await response.arrayBuffer();
  return response.status;
};

const webhookConfigId = () => [...world!.tenants.acme.configs.values()].find((c) => c.provider === 'webhook')?.configId;
const splunkConfigId = () => [...world!.tenants.acme.configs.values()].find((c) => c.provider === 'splunk-hec')?.configId;
/** The acme wraps the webhook received, by their `n`, in arrival order. */
const received = () => world!.webhook.events.filter((e) => e.tenantId === 'acme' && e.event === 'wrap').map((e) => Number(e.customFields.n));
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/** The newest health the broker was told for a configuration. */
function reported(configId: string | undefined): TSiemHealth | undefined {
  for (const status of [...world!.statuses].reverse()) {
    const found = status.siem?.find((h) => h.configId === configId);
    if (found) return found;
  }
  return undefined;
}

describe('SIEM delivery through the TSP', () => {
  it('tells the broker each configuration’s health: failing with a code and since when, then delivering, sent and retried', async () => {
    world = await startTspWorld({ flushMs: 10 });
    world.webhook.failNext(1_000, { status: 503 });
    for (const n of range(0, 3)) expect(await wrap(n)).toBe(200);
    await expect.poll(async () => (await world!.client.reportStatus(), reported(webhookConfigId())?.lastErrorCode), { timeout: 5_000 }).toBe('unavailable');

    // The instance's first report with SIEM health lists every configuration (siemFull), and names the instance.
    const first = world.statuses.find((status) => status.siem !== undefined);
    expect(first?.instanceId).toEqual(expect.any(String));
    expect(first?.siemFull).toBe(true);
    expect(reported(webhookConfigId())).toMatchObject({ tenantId: 'acme', sent: 0, backlog: 3, dropped: 0, lastErrorCode: 'unavailable', lastSuccessAt: null, onFull: 'drop' });
    expect(reported(webhookConfigId())?.failingSince).toEqual(expect.any(String));
    await expect.poll(async () => (await world!.client.reportStatus(), reported(splunkConfigId())?.sent), { timeout: 5_000 }).toBe(3);
    expect(reported(splunkConfigId())).toMatchObject({ lastErrorCode: null, failingSince: null, lastSuccessAt: expect.any(String) });

  }, 20_000);

  it('after failed attempts, reports the configuration delivering again: sent, retried, last success; then only what changed', async () => {
    world = await startTspWorld({ flushMs: 10 });
    world.webhook.failNext(2, { status: 503 });
    for (const n of range(0, 3)) expect(await wrap(n)).toBe(200);
    await expect.poll(() => received(), { timeout: 15_000 }).toEqual([0, 1, 2]);
    // The double records a batch before its answer reaches the queue: the health follows a moment later.
    await expect.poll(async () => (await world!.client.reportStatus(), reported(webhookConfigId())?.sent), { timeout: 5_000 }).toBe(3);
    expect(reported(webhookConfigId())).toMatchObject({ sent: 3, backlog: 0, lastErrorCode: null, failingSince: null, lastSuccessAt: expect.any(String) });
    // Two failed attempts of the first batch: its events were sent again twice.
    expect(reported(webhookConfigId())?.retried).toBeGreaterThanOrEqual(2);

    // Nothing changed since: the next report carries no SIEM entry, and is not a full one.
    await world.client.reportStatus();
    expect(world.statuses.at(-1)).toMatchObject({ siem: [] });
    expect(world.statuses.at(-1)?.siemFull).toBeUndefined();
  }, 40_000);

  it('loses nothing while the SIEM is down for 10 s and the outage fits the queue, and keeps the order', async () => {
    world = await startTspWorld({ flushMs: 10 });
    world.webhook.downFor(10_000);
    const started = Date.now();
    // Key use goes on during the outage (policy drop, and the queue never fills).
    for (const n of range(0, 60)) {
      expect(await wrap(n)).toBe(200);
      if (n % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(world.webhook.requests.some((r) => r.outcome === 'dropped')).toBe(true);
    await expect.poll(() => received().length, { timeout: 40_000, interval: 250 }).toBe(60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(10_000);
    expect(received()).toEqual(range(0, 60));
    await expect.poll(async () => (await world!.client.reportStatus(), reported(webhookConfigId())?.sent), { timeout: 5_000 }).toBe(60);
    expect(reported(webhookConfigId())).toMatchObject({ sent: 60, dropped: 0, backlog: 0, lastErrorCode: null });
  }, 60_000);

  it("under policy drop, a full queue drops its oldest waiting events and counts them; the newest arrive, in order", async () => {
    world = await startTspWorld({ flushMs: 10, siemQueue: 5 });
    // Down until every wrap is made, however slow the machine: the queue must overflow while it is down.
    world.webhook.downFor(60_000);
    for (const n of range(0, 12)) expect(await wrap(n)).toBe(200);
    world.webhook.downFor(0);
    await expect.poll(async () => (await world!.client.reportStatus(), reported(webhookConfigId())?.backlog), { timeout: 15_000, interval: 200 }).toBe(0);
    const got = received();
    const health = reported(webhookConfigId());
    // What arrived is in order, each once; the rest is counted: none is unaccounted for.
    expect(got).toEqual([...new Set(got)].sort((a, b) => a - b));
    expect(health).toMatchObject({ sent: got.length, dropped: 12 - got.length });
    expect(health?.dropped).toBeGreaterThan(0);
    // Room is made by dropping the oldest waiting events (lib/siem/queue.test.ts shows which): the newest wrap arrives.
    expect(got).toContain(11);
  }, 30_000);

  it('under policy refuse, refuses key use with 208 while the queue is full, and reports the refusals as dropped events', async () => {
    world = await startTspWorld({ flushMs: 10, siemQueue: 3, onQueueFull: 'refuse' });
    world.webhook.downFor(60_000);
    const statuses: number[] = [];
    for (const n of range(0, 6)) statuses.push(await wrap(n));
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([503, 503, 503]);
    // Each refusal's own event found the queue full: counted, not silently lost.
    await expect.poll(async () => (await world!.client.reportStatus(), reported(webhookConfigId())?.lastErrorCode), { timeout: 5_000 }).toBe('network');
    expect(reported(webhookConfigId())).toMatchObject({ backlog: 3, dropped: 3, onFull: 'refuse' });
  }, 30_000);

  it('at shutdown, drains within the bound; what could not be sent is counted and told to the broker in a last report', async () => {
    world = await startTspWorld({ flushMs: 10 });
    world.webhook.downFor(60_000);
    for (const n of range(0, 4)) expect(await wrap(n)).toBe(200);
    const stopping = world;
    world = undefined;
    const reportsBefore = stopping.statuses.length;
    const started = Date.now();
    await stopping.stop();
    // The world's shutdown bound is 2 s: the drain gives up then, it does not hang on a dead SIEM.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stopping.statuses.length).toBeGreaterThan(reportsBefore);
    const last = stopping.statuses.at(-1)?.siem?.find((h) => h.configId === [...stopping.tenants.acme.configs.values()].find((c) => c.provider === 'webhook')?.configId);
    expect(last).toMatchObject({ sent: 0, backlog: 0, dropped: 4 });
  }, 30_000);
});
