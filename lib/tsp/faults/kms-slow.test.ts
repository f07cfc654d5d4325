// Issue 24, "KMS fails": a slow KMS. Proves that when the tenant's KMS takes
// far longer than the driver's per-call bound (here 300 ms), wrap and unwrap
// answer 208 (kms_unreachable) soon after that bound — long before the KMS
// would have answered —, that a burst of requests far above any concurrency
// limit is answered whole, in bounded time, with every abandoned call released
// at the KMS (no pile-up from one burst to the next), and that a slow tenant
// does not hold up another tenant. The KMS is the AWS KMS protocol double
// (lib/testing/kms/aws-kms-double.ts; no cloud KMS is reachable here), behind
// a relay that counts the requests in flight at it (lib/testing/kms-relay.ts;
// helpers in lib/testing/tsp-fault-world.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { call, FAST_TENANT, readMetric, startFaultWorld, unwrap, wrap, type TAnswer, type TFaultWorld } from '@/lib/testing/tsp-fault-world';

const TIMEOUT_MS = 300;
/** The double's delay: what "the KMS would have answered" means. */
const KMS_DELAY_MS = 20_000;
/** Generous: a 208 must come well before the KMS's answer, not at the time limit to the millisecond. */
const ANSWER_BOUND_MS = 2_500;
/** Requests at once: far more than any driver's concurrency limit (16 per endpoint or configuration). */
const BURST = 120;
/** The other drivers' limit (lib/kms/concurrency-limit.ts, endpointLimit, 16 per endpoint or configuration). */
const CONCURRENCY_LIMIT = 64; // the AWS driver's default per configuration (lib/kms/aws-kms.ts)
const ISOLATION_TIMEOUT_MS = 2_000;

let faults: TFaultWorld | undefined;
afterEach(async () => {
  await faults?.stop();
  faults = undefined;
});

/** BURST wraps for acme at once; every answer. */
const burst = (f: TFaultWorld) => Promise.all(Array.from({ length: BURST }, (_, i) => wrap(f.world, 'acme', { n: String(i) })));

const refusedAsUnreachable = (answer: TAnswer) => ({ status: answer.status, code: answer.code, retryAfter: answer.retryAfter });

describe('a slow KMS', () => {
  it('wrap, unwrap and each batch item answer 208 at the per-call bound, long before the KMS would have answered', async () => {
    faults = await startFaultWorld({ timeoutMs: TIMEOUT_MS });
    const { world } = faults;
    const made = await wrap(world);
    expect(made.status).toBe(200);

    world.kms.delay(KMS_DELAY_MS);
    for (const answer of [await wrap(world), await unwrap(world, made.edek)]) {
      expect(refusedAsUnreachable(answer)).toEqual({ status: 503, code: 208, retryAfter: '1' });
      // It waited for the bound (the driver did try), and no longer than a generous multiple of it.
      expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
    }
    expect(await readMetric(world, 'tsp_kms_request_seconds_count', 'outcome="kms_unreachable"')).toBe(2);
    // And the batch route, which runs its items 16 at a time, is bounded by the same time limit.
    const batch = await call(world, 'document/batch-wrap', { tenantId: 'acme', documentIds: Array.from({ length: 40 }, (_, i) => `doc-${i}`) });
    expect(batch.status).toBe(200);
    const failures = Object.values((batch.body?.failures ?? {}) as Record<string, { code: number }>);
    expect(failures.map((failure) => failure.code)).toEqual(Array.from({ length: 40 }, () => 208));
    // 40 items 16 at a time: three rounds of the time limit, not 40.
    expect(batch.ms).toBeLessThan(ANSWER_BOUND_MS * 2);
    // The calls the TSP gave up on were abandoned at the KMS too.
    await expect.poll(() => faults!.relay.inFlight, { timeout: 2_000 }).toBe(0);
  }, 20_000);

  it(`answers every one of ${BURST} requests at once with 208 in bounded time, and releases each call at the KMS`, async () => {
    faults = await startFaultWorld({ timeoutMs: TIMEOUT_MS });
    const { world, relay } = faults;
    world.kms.delay(KMS_DELAY_MS);

    // Three bursts one after the other: if abandoned calls stayed open at the KMS, each burst would add to the last.
    const peaks: number[] = [];
    for (let round = 0; round < 3; round++) {
      relay.resetPeak();
      const started = performance.now();
      const answers = await burst(faults);
      const elapsed = performance.now() - started;
      expect(answers.map(refusedAsUnreachable)).toEqual(answers.map(() => ({ status: 503, code: 208, retryAfter: '1' })));
      // No caller waits behind the others: the whole burst is answered within the bound of one call, generously.
      expect(elapsed).toBeLessThan(ANSWER_BOUND_MS * 2);
      await expect.poll(() => relay.inFlight, { timeout: 2_000 }).toBe(0);
      peaks.push(relay.peak);
    }
    // Each burst reached the KMS once per request (the SDK's retry would come after the deadline), never on top of the last.
    for (const peak of peaks) expect(peak).toBeLessThanOrEqual(BURST);
    expect(await readMetric(world, 'tsp_requests_total', 'code="208"')).toBe(BURST * 3);
  }, 30_000);

  // The AWS driver's limit is per configuration (lib/kms/aws-kms.ts): every tenant shares the regional endpoint.
  it(`keeps at most ${CONCURRENCY_LIMIT} calls in flight at the slow KMS, whatever the burst`, async () => {
    faults = await startFaultWorld({ timeoutMs: TIMEOUT_MS });
    faults.world.kms.delay(KMS_DELAY_MS);
    faults.relay.resetPeak();
    const answers = await burst(faults);
    expect(answers.every((answer) => answer.code === 208 || answer.code === 209)).toBe(true);
    expect(faults.relay.peak).toBeLessThanOrEqual(CONCURRENCY_LIMIT);
  }, 20_000);

  it('does not hold up another tenant: one on a healthy KMS keeps answering 200 at once while the slow one is stuck', async () => {
    // A longer time limit here, so that the slow tenant's calls are surely still stuck while the other works.
    faults = await startFaultWorld({ timeoutMs: ISOLATION_TIMEOUT_MS, secondKms: true });
    const { world } = faults;
    const fastEdek = (await wrap(world, FAST_TENANT)).edek;
    expect(fastEdek).toEqual(expect.any(String));

    world.kms.delay(KMS_DELAY_MS);
    // The slow tenant's burst is in flight while the other tenant works.
    const stuck = burst(faults);
    await expect.poll(() => faults!.relay.inFlight, { timeout: 2_000 }).toBeGreaterThan(0);
    const fast: TAnswer[] = [];
    for (let i = 0; i < 10; i++) {
      fast.push(await wrap(world, FAST_TENANT));
      fast.push(await unwrap(world, fastEdek, FAST_TENANT));
    }
    expect(fast.map((answer) => answer.status)).toEqual(fast.map(() => 200));
    // All the while, the slow tenant's calls were still waiting at its KMS.
    expect(faults.relay.inFlight).toBeGreaterThan(0);
    // Each answered in well under the slow tenant's time limit: none waited for a slot or a socket behind it.
    for (const answer of fast) expect(answer.ms).toBeLessThan(ISOLATION_TIMEOUT_MS / 2);
    expect((await stuck).every((answer) => answer.code === 208)).toBe(true);
    expect(faults.second?.count({ target: 'Encrypt', status: 200 })).toBe(11);

  }, 30_000);
});
