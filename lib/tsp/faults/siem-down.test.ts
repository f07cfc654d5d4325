// Issue 24, "SIEM down": the tenant's signed overflow policy is applied, and
// counted. Proves, with the tenant's webhook SIEM dropping every connection
// for as long as the test says: under 'drop', key use goes on and every event
// the full queue cannot hold is counted — the same number in /metrics
// (tsp_siem_dropped_events_total) and in the status report the broker gets —,
// and every event is either delivered once the SIEM is back or counted, none
// unaccounted for; under 'refuse', key use is refused with 208 once the queue
// is full (another tenant goes on), served again on its own once the SIEM is
// back, every event of a use that was served arrives exactly once and in
// order, and every refusal is counted as a dropped event. The SIEMs are the
// webhook and Splunk HEC protocol doubles and the KMS the AWS KMS double
// (lib/testing; no SIEM or cloud KMS is reachable here). Not repeated here: the outage that fits the
// queue, a drop's order, a refusal's answer and the health fields are in
// lib/tsp/siem-delivery.test.ts; the refusal's Retry-After in lib/tsp/tsp.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { TSiemHealth } from '@/lib/schemas/siem-health';
import { readMetric, unwrap, wrap } from '@/lib/testing/tsp-fault-world';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const webhookConfigId = (w: TTspWorld) => [...w.tenants.acme.configs.values()].find((c) => c.provider === 'webhook')?.configId;

/** The health the TSP reports to the broker now for acme's webhook configuration. */
async function reportedHealth(w: TTspWorld): Promise<TSiemHealth | undefined> {
  await w.client.reportStatus();
  for (const status of [...w.statuses].reverse()) {
    const found = status.siem?.find((h) => h.configId === webhookConfigId(w));
    if (found) return found;
  }
  return undefined;
}

/** Every SIEM configuration's dropped count as last reported to the broker, added up: what /metrics must say (it is per process). */
async function reportedDroppedTotal(w: TTspWorld): Promise<number> {
  await w.client.reportStatus();
  const latest = new Map<string, number>();
  for (const status of w.statuses) for (const health of status.siem ?? []) latest.set(health.configId, health.dropped);
  return [...latest.values()].reduce((sum, dropped) => sum + dropped, 0);
}

/** acme's key-use events the webhook accepted, as "<event>:<n>", in arrival order. */
const delivered = (w: TTspWorld) => w.webhook.events.filter((e) => e.tenantId === 'acme' && e.category === 'key_use').map((e) => `${e.event}:${e.customFields.n}`);

describe('a SIEM that is down', () => {
  it("under 'drop': key use goes on; drops are counted alike in /metrics and the status; after it is back, delivered + dropped = made", async () => {
    world = await startTspWorld({ flushMs: 10, siemQueue: 5 });
    const w = world;
    const first = await wrap(w, 'acme', { n: 'before' });
    await expect.poll(() => delivered(w), { timeout: 5_000 }).toEqual(['wrap:before']);

    w.webhook.downFor(60_000);
    const made: string[] = [];
    for (let n = 0; n < 20; n++) {
      expect((await wrap(w, 'acme', { n: String(n) })).status).toBe(200);
      expect((await unwrap(w, first.edek, 'acme', { n: String(n) })).status).toBe(200);
      made.push(`wrap:${n}`, `unwrap:${n}`);
    }
    // Counted while it is still down: 40 events, a queue of 5.
    await expect.poll(async () => (await reportedHealth(w))?.dropped, { timeout: 5_000 }).toBeGreaterThanOrEqual(40 - 5);
    const whileDown = await reportedHealth(w);
    expect(whileDown).toMatchObject({ onFull: 'drop', sent: 1, lastErrorCode: 'network', failingSince: expect.any(String) });
    expect(await readMetric(w, 'tsp_siem_dropped_events_total')).toBe(await reportedDroppedTotal(w));

    // Back: what the queue held arrives, and delivery goes on by itself.
    w.webhook.downFor(0);
    expect((await wrap(w, 'acme', { n: 'after' })).status).toBe(200);
    await expect.poll(() => delivered(w).at(-1), { timeout: 15_000 }).toBe('wrap:after');
    const health = await reportedHealth(w);
    expect(health).toMatchObject({ backlog: 0, lastErrorCode: null, failingSince: null });
    const got = delivered(w).slice(1, -1);
    // Every event made during the outage was delivered or counted as dropped: none unaccounted for, none twice.
    expect(new Set(got).size).toBe(got.length);
    expect(got.every((event) => made.includes(event))).toBe(true);
    expect(got.length + (health?.dropped ?? 0)).toBe(made.length);
    expect(health?.sent).toBe(got.length + 2);
    expect(await readMetric(w, 'tsp_siem_dropped_events_total')).toBe(await reportedDroppedTotal(w));
  }, 30_000);

  it("under 'refuse': 208 once the queue is full, another tenant unaffected; back: served again, no accepted event lost, refusals counted", async () => {
    world = await startTspWorld({ flushMs: 10, siemQueue: 3, onQueueFull: 'refuse' });
    const w = world;
    const first = await wrap(w, 'acme', { n: 'before' });
    await expect.poll(() => delivered(w), { timeout: 5_000 }).toEqual(['wrap:before']);

    w.webhook.downFor(60_000);
    const served: string[] = [];
    const refused: string[] = [];
    for (let n = 0; n < 8; n++) {
      for (const [name, answer] of [['wrap', await wrap(w, 'acme', { n: String(n) })], ['unwrap', await unwrap(w, first.edek, 'acme', { n: String(n) })]] as const) {
        if (answer.status === 200) served.push(`${name}:${n}`);
        else {
          expect({ status: answer.status, code: answer.code }).toEqual({ status: 503, code: 208 });
          refused.push(`${name}:${n}`);
        }
      }
      // A tenant whose SIEM is fine (here: none) is not held up by acme's.
      expect((await wrap(w, 'quiet')).status).toBe(200);
    }
    // The queue's bound: three uses served, then every one refused, wrap and unwrap alike.
    expect(served).toEqual(['wrap:0', 'unwrap:0', 'wrap:1']);
    expect(refused).toHaveLength(16 - 3);

    // Back: acme is served again without any step by anyone.
    w.webhook.downFor(0);
    // Each try refused while the queue drains is one more refusal, counted like the others.
    let retries = 0;
    while ((await wrap(w, 'acme', { n: 'after' })).status !== 200) {
      expect((retries += 1)).toBeLessThan(75);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await expect.poll(() => delivered(w).at(-1), { timeout: 15_000 }).toBe('wrap:after');
    // Every use that was served reached the SIEM exactly once, in order; no refused use did (it never happened).
    const got = delivered(w);
    expect(got.slice(0, 1 + served.length)).toEqual(['wrap:before', ...served]);
    expect(got.filter((event) => refused.includes(event))).toEqual([]);
    // Each refusal's own event found the queue full: counted as dropped, in the status and in /metrics.
    const health = await reportedHealth(w);
    expect(health).toMatchObject({ onFull: 'refuse', dropped: refused.length + retries, backlog: 0, lastErrorCode: null });
    expect(await readMetric(w, 'tsp_siem_dropped_events_total')).toBe(await reportedDroppedTotal(w));
    expect(await readMetric(w, 'tsp_siem_dropped_events_total')).toBeGreaterThanOrEqual(refused.length + retries);
  }, 30_000);
});
