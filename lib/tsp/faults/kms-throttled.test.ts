// Issue 24, "KMS fails": a throttling KMS. Proves that while the tenant's KMS
// answers ThrottlingException, wrap and unwrap answer 209 (kms_throttled,
// HTTP 429 with Retry-After) after a bounded number of attempts — the AWS
// KMS driver lets the AWS SDK try twice (MAX_ATTEMPTS in lib/kms/aws-kms.ts,
// the SDK's standard retry strategy with its jittered backoff) —, that a burst
// does not turn into a retry storm, and that a throttle which lasts one call
// is absorbed by the retry while one that lasts two is not. The KMS is the AWS
// KMS protocol double (lib/testing/kms/aws-kms-double.ts; no cloud KMS is
// reachable here), which logs every call it answers.
import { afterEach, describe, expect, it } from 'vitest';
import { readMetric, startFaultWorld, unwrap, wrap, type TFaultWorld } from '@/lib/testing/tsp-fault-world';

/** What the AWS KMS driver allows the SDK per call: one try and one retry. */
const ATTEMPTS = 2;
const ANSWER_BOUND_MS = 5_000;

let faults: TFaultWorld | undefined;
afterEach(async () => {
  await faults?.stop();
  faults = undefined;
});

/** Calls the double answered since `before`, by operation, as [throttled, answered 200]. */
function attemptsSince(f: TFaultWorld, before: number, target: 'Encrypt' | 'Decrypt'): [number, number] {
  const calls = f.world.kms.calls.slice(before).filter((c) => c.target === target);
  return [calls.filter((c) => c.error === 'ThrottlingException').length, calls.filter((c) => c.status === 200).length];
}

describe('a throttling KMS', () => {
  it(`answers 209 after exactly ${ATTEMPTS} attempts at the KMS, for wrap and unwrap`, async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world } = faults;
    const made = await wrap(world);
    expect(made.status).toBe(200);

    world.kms.throttle(true);
    for (let i = 0; i < 3; i++) {
      for (const [route, target] of [['wrap', 'Encrypt'], ['unwrap', 'Decrypt']] as const) {
        const before = world.kms.calls.length;
        const answer = route === 'wrap' ? await wrap(world) : await unwrap(world, made.edek);
        expect({ route, status: answer.status, code: answer.code, retryAfter: answer.retryAfter }).toEqual({ route, status: 429, code: 209, retryAfter: '1' });
        expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
        expect(attemptsSince(faults, before, target)).toEqual([ATTEMPTS, 0]);
      }
    }
    expect(await readMetric(world, 'tsp_requests_total', 'code="209"')).toBe(6);
  }, 20_000);

  it('turns a burst into at most two attempts per request at the KMS, not a retry storm', async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world } = faults;
    world.kms.throttle(true);
    const before = world.kms.calls.length;
    const answers = await Promise.all(Array.from({ length: 50 }, () => wrap(world)));
    expect(answers.map((answer) => answer.code)).toEqual(answers.map(() => 209));
    const [throttled, served] = attemptsSince(faults, before, 'Encrypt');
    expect(served).toBe(0);
    expect(throttled).toBeGreaterThanOrEqual(50);
    expect(throttled).toBeLessThanOrEqual(50 * ATTEMPTS);
  }, 20_000);

  it('absorbs a throttle of one call with its retry, but not one of two; the next request is served either way', async () => {
    faults = await startFaultWorld({ timeoutMs: 2_000 });
    const { world } = faults;

    world.kms.throttle(1);
    let before = world.kms.calls.length;
    expect((await wrap(world)).status).toBe(200);
    expect(attemptsSince(faults, before, 'Encrypt')).toEqual([1, 1]);

    // Two throttled answers use up both attempts of one request: that request is 209, the next one goes through at once.
    world.kms.throttle(2);
    before = world.kms.calls.length;
    expect((await wrap(world)).code).toBe(209);
    expect(attemptsSince(faults, before, 'Encrypt')).toEqual([2, 0]);
    before = world.kms.calls.length;
    const next = await wrap(world);
    expect(next.status).toBe(200);
    expect(attemptsSince(faults, before, 'Encrypt')).toEqual([0, 1]);

    // Unwrap likewise: a single throttled answer is retried away.
    world.kms.throttle(1);
    before = world.kms.calls.length;
    expect((await unwrap(world, next.edek)).status).toBe(200);
    expect(attemptsSince(faults, before, 'Decrypt')).toEqual([1, 1]);
  }, 20_000);
});
