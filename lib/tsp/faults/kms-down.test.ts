// Issue 24, "KMS fails": a KMS that is down, then back. Proves that while the
// tenant's KMS drops every connection, or is not listening at all, wrap and
// unwrap answer 208 (kms_unreachable) promptly; that once it is back the very
// next requests succeed on the same running TSP — no restart, no manual step:
// the driver's kept-alive sockets that died are replaced on their own —; and
// that EDEKs made before the outage still unwrap to the same DEK after it. The
// KMS is the AWS KMS protocol double (lib/testing/kms/aws-kms-double.ts; no
// cloud KMS is reachable here), behind a relay (lib/testing/kms-relay.ts)
// that can stop listening on its port and listen again.
import { afterEach, describe, expect, it } from 'vitest';
import { readMetric, startFaultWorld, unwrap, wrap, type TAnswer, type TFaultWorld } from '@/lib/testing/tsp-fault-world';

const ANSWER_BOUND_MS = 5_000;

let faults: TFaultWorld | undefined;
afterEach(async () => {
  await faults?.stop();
  faults = undefined;
});

const outcome = (answer: TAnswer) => ({ status: answer.status, code: answer.code });

/** Three documents wrapped while the KMS is healthy: their EDEKs and DEKs. */
async function documents(f: TFaultWorld) {
  const made = await Promise.all([0, 1, 2].map(() => wrap(f.world)));
  for (const answer of made) expect(answer.status).toBe(200);
  return made.map((answer) => ({ edek: answer.edek, dek: answer.dek }));
}

/** While the KMS is down: wrap and the unwrap of an older EDEK are 208, promptly. */
async function expectUnreachable(f: TFaultWorld, edek: string | undefined) {
  for (const answer of [await wrap(f.world), await unwrap(f.world, edek)]) {
    expect(outcome(answer)).toEqual({ status: 503, code: 208 });
    expect(answer.retryAfter).toBe('1');
    expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
  }
}

/** Once it is back: the next requests succeed, and every EDEK made before opens to its DEK. */
async function expectRecovered(f: TFaultWorld, docs: Awaited<ReturnType<typeof documents>>) {
  const fresh = await wrap(f.world);
  expect(outcome(fresh)).toEqual({ status: 200, code: undefined });
  for (const doc of docs) {
    const opened = await unwrap(f.world, doc.edek);
    expect(opened.status).toBe(200);
    expect(opened.dek).toBe(doc.dek);
  }
  expect((await unwrap(f.world, fresh.edek)).dek).toBe(fresh.dek);
}

describe('a KMS that is down, then back', () => {
  it('drops every connection: 208 for wrap and unwrap; back: the next requests succeed, old EDEKs included', async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world } = faults;
    const docs = await documents(faults);

    world.kms.dropConnections(true);
    await expectUnreachable(faults, docs[0]?.edek);
    world.kms.dropConnections(false);
    await expectRecovered(faults, docs);
    expect(await readMetric(world, 'tsp_requests_total', 'code="208"')).toBe(2);
  }, 20_000);

  it('not listening (connection refused) for a while: 208 throughout; listening again: served without a restart', async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world, relay } = faults;
    const docs = await documents(faults);
    const tsp = world.tsp;

    await relay.setDown(true);
    // Several rounds while it stays down: every one refused the same way, none hangs.
    for (let round = 0; round < 3; round++) await expectUnreachable(faults, docs[round]?.edek);

    await relay.setDown(false);
    await expectRecovered(faults, docs);
    expect(world.tsp).toBe(tsp);
    expect(await readMetric(world, 'tsp_requests_total', 'code="208"')).toBe(6);
    expect((await fetch(`${world.healthUrl}/ready`)).status).toBe(200);
  }, 20_000);

  it('flapping — down, up, down, up — recovers each time, and nothing wrapped in between is lost', async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world } = faults;
    const docs = await documents(faults);
    for (let flap = 0; flap < 3; flap++) {
      world.kms.dropConnections(true);
      await expectUnreachable(faults, docs[0]?.edek);
      world.kms.dropConnections(false);
      docs.push(...(await documents(faults)));
    }
    await expectRecovered(faults, docs);
  }, 20_000);
});
