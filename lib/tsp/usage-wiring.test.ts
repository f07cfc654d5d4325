// The TSP's key operations feed its usage counters, and the counters reach
// the broker in status reports: successes per configuration (batch items
// each), refusals for the configuration they concern, refusals before any
// configuration (unknown tenant) not reported, and the minute still open in
// the last report at shutdown. A real TSP, the real proxy client, an
// in-memory broker and the AWS KMS double (lib/testing/tsp-world.ts).
import { afterEach, describe, expect, it } from 'vitest';
import type { TUsageMinute } from '@/lib/schemas/usage';
import { startTspWorld, TSP_API_KEY, type TTspWorld } from '@/lib/testing/tsp-world';

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const post = async (url: string, route: string, payload: object) =>
  (await fetch(`${url}/api/1/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `cmk ${TSP_API_KEY}` }, body: JSON.stringify(payload) })).json() as Promise<{ edek?: string; code?: number }>;
const meta = { iclFields: { requestingId: 'svc' }, customFields: {} };

describe('TSP usage counters in status reports', () => {
  it('counts wraps, batch items, unwraps and failures per configuration; the last report carries the open minute', async () => {
    world = await startTspWorld();
    const { url } = world;
    const wrapped = await post(url, 'document/wrap', { tenantId: 'acme', ...meta });
    await post(url, 'document/wrap', { tenantId: 'acme', ...meta });
    await post(url, 'document/batch-wrap', { tenantId: 'acme', documentIds: ['a', 'b', 'c'], ...meta });
    await post(url, 'document/unwrap', { tenantId: 'acme', encryptedDocumentKey: wrapped.edek, ...meta });
    expect((await post(url, 'document/wrap', { tenantId: 'nobody', ...meta })).code).toBe(201);
    const statuses = world.statuses;
    const kmsConfigId = world.kmsConfig.acme?.configId;
    await world.stop();
    world = undefined;
    const usage = statuses.flatMap((s) => s.usage ?? []);
    const sum = (pick: (u: TUsageMinute) => number) => usage.reduce((n, u) => n + pick(u), 0);
    // SET semantics: the last entry per (configuration, minute) is what the broker keeps.
    const last = [...new Map(usage.map((u) => [`${u.tenantId}|${u.configId}|${u.minute}`, u])).values()];
    expect(last.every((u) => u.tenantId === 'acme')).toBe(true);
    const kms = last.filter((u) => u.configId === kmsConfigId);
    expect(kms.reduce((n, u) => n + u.wraps, 0)).toBe(5);
    expect(kms.reduce((n, u) => n + u.unwraps, 0)).toBe(1);
    // acme's SIEM configurations received an event per key use (and the unknown tenant's refusal concerns none of acme's).
    const siem = last.filter((u) => u.configId !== kmsConfigId);
    expect(siem.every((u) => u.wraps === 0 && u.unwraps === 0)).toBe(true);
    expect(siem.reduce((n, u) => n + u.siemSent + u.siemDropped, 0)).toBeGreaterThan(0);
    expect(sum((u) => Object.keys(u.failures).length)).toBe(0);
    expect(statuses.filter((s) => s.usage?.length).every((s) => s.instanceId !== undefined)).toBe(true);
  });
});
