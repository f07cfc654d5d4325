// Two replicas of one deployment (issue 24, "Two replicas"): two TSPs at once,
// each with its own proxy client and pins file, on the same broker and KMS.
// An EDEK made by one decrypts on the other, KMS-wrapped and leased alike;
// a configuration the tenant disables is refused by both within 2 s, leased
// EDEKs included (their cached lease is no way around a revocation). The AWS
// KMS and the SIEMs are the repo's protocol doubles (no cloud here); the
// broker is an in-memory one serving bundles signed with the real crypto.
import { afterEach, describe, expect, it } from 'vitest';
import { startTspWorld, type TTspInstance, type TTspWorld } from '@/lib/testing/tsp-world';
import { call, expectLeased, keyBody, unwrap, wrapOk, type TTarget } from './fault-client';

let world: TTspWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Each EDEK made on `from` opens on `to` to the same DEK, one by one and in a batch. */
async function crossCheck(from: TTarget, to: TTarget, tenantId: string, count: number): Promise<string[]> {
  const made = await Promise.all(Array.from({ length: count }, () => wrapOk(from, tenantId)));
  for (const { dek, edek } of made) expect((await unwrap(to, tenantId, edek)).json?.dek).toBe(dek);
  const batch = await call(to, 'document/batch-unwrap', keyBody(tenantId, { edeks: Object.fromEntries(made.map(({ edek }, i) => [`d${i}`, edek])) }));
  expect(batch.json?.failures).toEqual({});
  made.forEach(({ dek }, i) => expect(batch.json?.keys?.[`d${i}`]?.dek).toBe(dek));
  return made.map(({ edek }) => edek);
}

describe('two TSP replicas of one deployment', () => {
  it('open each other’s EDEKs: access keys and an assumed role, both ways', async () => {
    world = await startTspWorld();
    const replica: TTspInstance = await world.startReplica();
    expect(replica.url).not.toBe(world.url);
    for (const tenantId of ['acme', 'globex']) {
      await crossCheck(world, replica, tenantId, 4);
      await crossCheck(replica, world, tenantId, 4);
    }
  }, 30_000);

  it('open each other’s leased EDEKs', async () => {
    world = await startTspWorld();
    const replica = await world.startReplica();
    await world.setLeasing('quiet', '3600');
    for (const edek of await crossCheck(world, replica, 'quiet', 4)) expectLeased(edek);
    for (const edek of await crossCheck(replica, world, 'quiet', 4)) expectLeased(edek);
  }, 30_000);

  it('both refuse a configuration the tenant disabled within 2 s, leased EDEKs included', async () => {
    world = await startTspWorld();
    const w = world;
    const replica = await w.startReplica();
    await w.setLeasing('quiet', '3600');
    const both: TTarget[] = [w, replica];
    // EDEKs each replica has opened once: the leased ones sit in both replicas' caches.
    const acme = await crossCheck(w, replica, 'acme', 2);
    const quiet = [...(await crossCheck(w, replica, 'quiet', 2)), ...(await crossCheck(replica, w, 'quiet', 2))];
    quiet.forEach((edek) => expectLeased(edek));

    const disable = (name: 'acme' | 'quiet') => {
      const configId = w.kmsConfig[name]?.configId as string;
      return w.change(name, (t) => void Object.assign(t.configs.get(configId)!, { status: 'disabled', primary: false }), { wait: false });
    };
    const clicked = Date.now();
    await Promise.all([disable('acme'), disable('quiet')]);
    const refusedEverywhere = async () => {
      for (const at of both) {
        for (const [tenantId, edeks] of [['acme', acme], ['quiet', quiet]] as const) {
          for (const edek of edeks) if ((await unwrap(at, tenantId, edek)).json?.code !== 202) return false;
        }
      }
      return true;
    };
    await expect.poll(refusedEverywhere, { timeout: 5_000, interval: 20 }).toBe(true);
    expect(Date.now() - clicked).toBeLessThan(2_000);
    // The refusal is the documented one, and nothing new is wrapped with the disabled configurations.
    for (const at of both) {
      const refused = await unwrap(at, 'quiet', quiet[0] as string);
      expect(refused).toMatchObject({ status: 403, json: { code: 202 } });
      expect((await call(at, 'document/wrap', keyBody('quiet'))).json?.code).toBe(201);
      const batch = await call(at, 'document/batch-unwrap', keyBody('quiet', { edeks: { a: quiet[1], b: quiet[2] } }));
      expect(batch.json?.failures).toMatchObject({ a: { code: 202 }, b: { code: 202 } });
    }
  }, 30_000);
});
