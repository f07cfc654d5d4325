// A TSP restarted (issue 24, "TSP restart"): every EDEK made before the
// restart still decrypts on the new process, started with the same
// credentials and pins file, leased ones included — and a leased EDEK costs
// the new process one KMS call per lease it has not seen, then comes from its
// cache. The AWS KMS and the SIEMs are the repo's protocol doubles (no cloud
// here; the double counts every KMS call); the broker is an in-memory one
// serving bundles signed with the real crypto.
import { afterEach, describe, expect, it } from 'vitest';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { call, expectLeased, keyBody, metric, unwrap, wrapOk } from './fault-client';

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const instanceOf = async (healthUrl: string) => ((await (await fetch(`${healthUrl}/health`)).json()) as { instanceId: string }).instanceId;

/** `count` single wraps and one batch of `count` for the tenant: [documentId, dek, edek]. */
async function makeEdeks(w: TTspWorld, tenantId: string, count: number): Promise<[string, string, string][]> {
  const made: [string, string, string][] = [];
  for (let i = 0; i < count; i++) {
    const { dek, edek } = await wrapOk(w, tenantId);
    made.push([`${tenantId}-single-${i}`, dek, edek]);
  }
  const documentIds = Array.from({ length: count }, (_, i) => `${tenantId}-batch-${i}`);
  const batch = await call(w, 'document/batch-wrap', keyBody(tenantId, { documentIds }));
  expect(batch.json?.failures).toEqual({});
  for (const id of documentIds) made.push([id, batch.json?.keys?.[id]?.dek as string, batch.json?.keys?.[id]?.edek as string]);
  return made;
}

describe('a TSP restarted with the same credentials and pins', () => {
  it('decrypts every EDEK made before the restart: access keys, an assumed role, single and batch', async () => {
    world = await startTspWorld();
    const w = world;
    const made = [...(await makeEdeks(w, 'acme', 5)), ...(await makeEdeks(w, 'globex', 5))];
    const before = await instanceOf(w.healthUrl);
    const oldUrl = w.url;

    await w.restartTsp();
    expect(await instanceOf(w.healthUrl)).not.toBe(before);
    // The old process is gone: its port answers nothing.
    await expect(fetch(`${oldUrl}/api/1/document/wrap`, { method: 'POST', body: keyBody('acme') })).rejects.toThrow();
    for (const [id, dek, edek] of made) {
      const answer = await unwrap(w, id.split('-')[0] as string, edek);
      expect(answer.json?.dek, id).toBe(dek);
    }
    const batch = await call(w, 'document/batch-unwrap', keyBody('acme', { edeks: Object.fromEntries(made.filter(([id]) => id.startsWith('acme')).map(([id, , edek]) => [id, edek])) }));
    expect(batch.json?.failures).toEqual({});
    for (const [id, dek] of made.filter(([id]) => id.startsWith('acme'))) expect(batch.json?.keys?.[id]?.dek).toBe(dek);
  }, 30_000);

  it('decrypts leased EDEKs made before the restart, asking the KMS once per lease it has not seen, then from its cache', async () => {
    world = await startTspWorld();
    const w = world;
    await w.setLeasing('quiet', '3600');
    const made = await makeEdeks(w, 'quiet', 6);
    const leases = new Set(made.map(([, , edek]) => expectLeased(edek)));

    await w.restartTsp();
    w.kms.resetCalls();
    const decrypts = () => w.kms.count({ service: 'kms', target: 'Decrypt' });
    // The first EDEK of each lease opens it at the KMS: one Decrypt per lease, not per EDEK.
    const firsts = [...leases].map((lease) => made.find(([, , edek]) => expectLeased(edek) === lease) as [string, string, string]);
    for (const [id, dek, edek] of firsts) expect((await unwrap(w, 'quiet', edek)).json?.dek, id).toBe(dek);
    expect(decrypts()).toBe(leases.size);
    // Every other EDEK of those leases, one by one and in a batch, comes from the new process's cache.
    for (const [id, dek, edek] of made) expect((await unwrap(w, 'quiet', edek)).json?.dek, id).toBe(dek);
    const batch = await call(w, 'document/batch-unwrap', keyBody('quiet', { edeks: Object.fromEntries(made.map(([id, , edek]) => [id, edek])) }));
    expect(batch.json?.failures).toEqual({});
    for (const [id, dek] of made) expect(batch.json?.keys?.[id]?.dek, id).toBe(dek);
    expect(decrypts()).toBe(leases.size);
    expect(await metric(w.healthUrl, 'tsp_lease_cache_total', 'result="hit"')).toBeGreaterThanOrEqual(2 * made.length - leases.size);
    expect(await metric(w.healthUrl, 'tsp_lease_cache_entries')).toBeGreaterThanOrEqual(leases.size);
  }, 30_000);
});
