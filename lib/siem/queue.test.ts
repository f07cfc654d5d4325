// The delivery core against a scripted in-memory sink: the honest unit here,
// since the queue's rules (order, batches, retries, the full policy, drain,
// close) do not depend on HTTP. The sinks' own tests run the queue against
// the protocol doubles too.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeSiemEvent, makeSiemEvents, seqOf } from '@/lib/testing/siem/events';
import { createSiemQueue, type TSiemQueueOptions } from './queue';
import { SiemError, type TSiemEvent, type TSiemSink } from './types';

type TStep = 'ok' | 'hang' | Error;

/** A sink that answers each call with the next scripted step (then 'ok'), recording every batch it was given. */
function scriptedSink(steps: TStep[] = []) {
  const batches: TSiemEvent[][] = [];
  const accepted: TSiemEvent[] = [];
  const hanging: (() => void)[] = [];
  let closed = 0;
  const sink: TSiemSink = {
    provider: 'fake',
    send(events, signal) {
      batches.push([...events]);
      const step = steps.shift() ?? 'ok';
      if (step instanceof Error) return Promise.reject(step);
      if (step === 'hang') {
        return new Promise((resolve, reject) => {
          hanging.push(() => {
            accepted.push(...events);
            resolve();
          });
          signal?.addEventListener('abort', () => reject(new SiemError('cancelled', { code: 'cancelled', retryable: true })));
        });
      }
      accepted.push(...events);
      return Promise.resolve();
    },
    close: () => void closed++,
  };
  return { sink, batches, accepted, release: () => hanging.splice(0).forEach((resolve) => resolve()), closedCount: () => closed };
}

const busy = (retryAfterMs?: number) => new SiemError('The fake SIEM is unavailable (HTTP 503).', { code: 'unavailable', retryable: true, retryAfterMs });
const badToken = () => new SiemError('The fake SIEM refused the credentials (HTTP 401).', { code: 'auth', retryable: false });

function logger() {
  const lines = { warn: [] as string[], error: [] as string[] };
  return { lines, logger: { warn: (m: string) => void lines.warn.push(m), error: (m: string) => void lines.error.push(m) } };
}

const queues: { close(): void }[] = [];
function queueOf(options: Partial<TSiemQueueOptions> & Pick<TSiemQueueOptions, 'sink'>) {
  const queue = createSiemQueue({ batch: { maxEvents: 10, maxBytes: 1_000_000 }, flushMs: 5, retry: { baseMs: 1, capMs: 4 }, ...options });
  queues.push(queue);
  return queue;
}

afterEach(() => {
  queues.splice(0).forEach((queue) => queue.close());
  vi.useRealTimers();
});

describe('createSiemQueue', () => {
  it('delivers in order, in batches of at most maxEvents', async () => {
    const fake = scriptedSink();
    const queue = queueOf({ sink: fake.sink, batch: { maxEvents: 3, maxBytes: 1_000_000 } });
    for (const event of makeSiemEvents(10)) expect(queue.enqueue(event)).toBe('queued');
    expect(await queue.drain(2_000)).toEqual({ delivered: 10, left: 0 });
    expect(fake.batches.map((batch) => batch.length)).toEqual([3, 3, 3, 1]);
    expect(seqOf(fake.accepted)).toEqual(seqOf(makeSiemEvents(10)));
    expect(queue.delivered()).toBe(10);
    expect(queue.depth()).toBe(0);
  });

  it('keeps each batch within maxBytes of event JSON', async () => {
    const fake = scriptedSink();
    const events = makeSiemEvents(6);
    const size = Buffer.byteLength(JSON.stringify(events[0]));
    const queue = queueOf({ sink: fake.sink, batch: { maxEvents: 100, maxBytes: size * 2 + 2 } });
    events.forEach((event) => queue.enqueue(event));
    await queue.drain(2_000);
    expect(fake.batches.map((batch) => batch.length)).toEqual([2, 2, 2]);
  });

  it('lets a partial batch linger at most flushMs, then sends it without a drain', async () => {
    vi.useFakeTimers();
    const fake = scriptedSink();
    const queue = queueOf({ sink: fake.sink, flushMs: 250 });
    queue.enqueue(makeSiemEvent(1));
    await vi.advanceTimersByTimeAsync(249);
    expect(fake.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.batches).toHaveLength(1);
  });

  it('retries the same batch after retryable failures and delivers each event exactly once', async () => {
    const fake = scriptedSink([busy(), busy()]);
    const { lines, logger: log } = logger();
    const queue = queueOf({ sink: fake.sink, logger: log, batch: { maxEvents: 4, maxBytes: 1_000_000 } });
    makeSiemEvents(6).forEach((event) => queue.enqueue(event));
    expect(await queue.drain(2_000)).toEqual({ delivered: 6, left: 0 });
    expect(seqOf(fake.accepted)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(fake.batches.slice(0, 3).map(seqOf)).toEqual([['0', '1', '2', '3'], ['0', '1', '2', '3'], ['0', '1', '2', '3']]);
    expect(queue.failures()).toBe(2);
    expect(queue.lastError()).toBeNull();
    // One warning for the streak, one when it ends: not one per attempt.
    expect(lines.warn).toHaveLength(2);
    expect(lines.warn[0]).toMatch(/unavailable \(HTTP 503\)\. Retrying with backoff/);
    expect(lines.warn[1]).toMatch(/delivering again after 2 failed attempts/);
  });

  it('honours Retry-After', async () => {
    vi.useFakeTimers();
    const fake = scriptedSink([busy(5_000)]);
    const queue = queueOf({ sink: fake.sink, random: () => 0 });
    queue.enqueue(makeSiemEvent(1));
    await vi.advanceTimersByTimeAsync(5);
    expect(fake.batches).toHaveLength(1);
    expect(queue.lastError()).toBe('The fake SIEM is unavailable (HTTP 503).');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.batches).toHaveLength(2);
    expect(queue.delivered()).toBe(1);
  });

  it('backs off exponentially with full jitter, up to the cap', async () => {
    vi.useFakeTimers();
    const fake = scriptedSink([busy(), busy(), busy(), busy(), busy()]);
    const queue = queueOf({ sink: fake.sink, retry: { baseMs: 100, capMs: 300 }, random: () => 0.999999 });
    queue.enqueue(makeSiemEvent(1));
    await vi.advanceTimersByTimeAsync(5);
    const times: number[] = [];
    for (let t = 0; t < 1_200 && fake.batches.length < 6; t++) {
      const before = fake.batches.length;
      await vi.advanceTimersByTimeAsync(1);
      if (fake.batches.length > before) times.push(t + 1);
    }
    // Ceilings 100, 200, 300, 300, 300 (jitter at its top): gaps of 99-100 ms etc.
    const gaps = times.map((time, i) => time - (times[i - 1] ?? 0));
    expect(gaps.map((gap) => Math.round(gap / 100) * 100)).toEqual([100, 200, 300, 300, 300]);
  });

  it('logs a configuration failure once per streak, keeps the events and retries slowly', async () => {
    vi.useFakeTimers();
    const fake = scriptedSink([badToken(), badToken(), badToken()]);
    const { lines, logger: log } = logger();
    const queue = queueOf({ sink: fake.sink, logger: log, retry: { slowMs: 60_000 }, random: () => 1 });
    makeSiemEvents(3).forEach((event) => queue.enqueue(event));
    await vi.advanceTimersByTimeAsync(5);
    expect(fake.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(fake.batches).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000 + 120_000);
    expect(fake.batches).toHaveLength(4);
    expect(lines.error).toHaveLength(1);
    expect(lines.error[0]).toMatch(/refused the credentials \(HTTP 401\)\. Retrying slowly until the configuration is fixed/);
    expect(queue.failures()).toBe(3);
    expect(queue.delivered()).toBe(3);
    expect(seqOf(fake.accepted)).toEqual(['0', '1', '2']);
  });

  it("under 'drop', makes room by dropping the oldest waiting events (never the batch in flight), counts them, and logs once", async () => {
    const fake = scriptedSink(['hang']);
    const { lines, logger: log } = logger();
    const queue = queueOf({ sink: fake.sink, maxEvents: 3, onFull: 'drop', batch: { maxEvents: 1, maxBytes: 1_000_000 }, logger: log });
    queue.enqueue(makeSiemEvent(0));
    // Event 0 is in flight (the sink hangs on it) before the queue fills.
    await vi.waitFor(() => expect(fake.batches).toHaveLength(1));
    const results = makeSiemEvents(5, 1).map((event) => queue.enqueue(event));
    expect(results).toEqual(['queued', 'queued', 'dropped', 'dropped', 'dropped']);
    expect(queue.dropped()).toBe(3);
    expect(queue.depth()).toBe(3);
    expect(lines.warn.filter((line) => line.includes('limit of 3 events; dropping the oldest'))).toHaveLength(1);
    fake.release();
    await queue.drain(2_000);
    // 1, 2 and 3 made room for 4 and 5; 0 was in flight and is delivered.
    expect(seqOf(fake.accepted)).toEqual(['0', '4', '5']);
    expect(queue.health()).toMatchObject({ sent: 3, dropped: 3, backlog: 0, lastErrorCode: null });
  });

  it('reports its health: sent, retried, last success, the failing code and since when', async () => {
    let clock = 1_000;
    const fake = scriptedSink([busy(), busy()]);
    const queue = queueOf({ sink: fake.sink, now: () => clock, retry: { baseMs: 50, capMs: 50 }, random: () => 1 });
    expect(queue.health()).toEqual({ sent: 0, retried: 0, dropped: 0, backlog: 0, lastSuccessAt: null, lastErrorCode: null, failingSince: null });
    makeSiemEvents(3).forEach((event) => queue.enqueue(event));
    await vi.waitFor(() => expect(queue.failures()).toBe(1));
    expect(queue.health()).toMatchObject({ backlog: 3, lastErrorCode: 'unavailable', failingSince: 1_000, lastSuccessAt: null });
    clock = 2_000;
    await vi.waitFor(() => expect(queue.failures()).toBe(2));
    // The streak began at the first failure.
    expect(queue.health().failingSince).toBe(1_000);
    clock = 3_000;
    await queue.drain(2_000);
    // Two failed attempts, then the same 3 events sent again twice.
    expect(queue.health()).toEqual({ sent: 3, retried: 6, dropped: 0, backlog: 0, lastSuccessAt: 3_000, lastErrorCode: null, failingSince: null });
  });

  it('counts what is still held at close as dropped, and logs it', async () => {
    const fake = scriptedSink([busy(60_000)]);
    const { lines, logger: log } = logger();
    const queue = queueOf({ sink: fake.sink, logger: log });
    makeSiemEvents(4).forEach((event) => queue.enqueue(event));
    await vi.waitFor(() => expect(queue.failures()).toBe(1));
    queue.close();
    expect(queue.abandoned()).toBe(4);
    expect(queue.health()).toMatchObject({ dropped: 4, backlog: 0 });
    expect(lines.warn.some((line) => line.includes('4 events could not be delivered before the queue closed'))).toBe(true);
  });

  it("under 'refuse', refuses while full and queues again once the SIEM caught up", async () => {
    const fake = scriptedSink(['hang']);
    const queue = queueOf({ sink: fake.sink, maxEvents: 2, onFull: 'refuse' });
    expect(queue.enqueue(makeSiemEvent(1))).toBe('queued');
    expect(queue.enqueue(makeSiemEvent(2))).toBe('queued');
    expect(queue.room()).toBe(0);
    expect(queue.enqueue(makeSiemEvent(3))).toBe('refused');
    expect(queue.refused()).toBe(1);
    expect(queue.dropped()).toBe(0);
    await vi.waitFor(() => expect(fake.batches).toHaveLength(1));
    fake.release();
    await queue.drain(2_000);
    expect(queue.room()).toBe(2);
    expect(queue.enqueue(makeSiemEvent(4))).toBe('queued');
    await queue.drain(2_000);
    expect(seqOf(fake.accepted)).toEqual(['1', '2', '4']);
  });

  it('turns away an event too large for any batch, by the policy', () => {
    const fake = scriptedSink();
    const big = makeSiemEvent(1, { customFields: { blob: 'x'.repeat(2_000) } });
    expect(queueOf({ sink: fake.sink, batch: { maxEvents: 10, maxBytes: 1_000 } }).enqueue(big)).toBe('dropped');
    expect(queueOf({ sink: fake.sink, batch: { maxEvents: 10, maxBytes: 1_000 }, onFull: 'refuse' }).enqueue(big)).toBe('refused');
  });

  it('ends drain at its deadline when the SIEM does not answer, reporting what is left', async () => {
    const fake = scriptedSink(['hang']);
    const queue = queueOf({ sink: fake.sink });
    makeSiemEvents(4).forEach((event) => queue.enqueue(event));
    const started = performance.now();
    expect(await queue.drain(100)).toEqual({ delivered: 0, left: 4 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('does not repeat the message of an unexpected sink error', async () => {
    const fake = scriptedSink([new Error('boom with CANARY-9b1f in it')]);
    const { lines, logger: log } = logger();
    const queue = queueOf({ sink: fake.sink, logger: log });
    queue.enqueue(makeSiemEvent(1));
    await queue.drain(2_000);
    expect(queue.delivered()).toBe(1);
    expect(JSON.stringify(lines)).not.toContain('CANARY-9b1f');
    expect(lines.warn[0]).toContain('The fake sink failed unexpectedly.');
  });

  it('close stops every timer and the request in flight, closes the sink and turns events away', async () => {
    vi.useFakeTimers();
    const fake = scriptedSink([busy(60_000)]);
    const queue = queueOf({ sink: fake.sink, flushMs: 250 });
    queue.enqueue(makeSiemEvent(1));
    await vi.advanceTimersByTimeAsync(250);
    queue.enqueue(makeSiemEvent(2));
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    queue.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(fake.closedCount()).toBe(1);
    expect(queue.enqueue(makeSiemEvent(3))).toBe('dropped');
    // Closing abandons what was held, counted rather than lost silently.
    expect(await queue.drain(1_000)).toEqual({ delivered: 0, left: 0 });
    expect(queue.health().dropped).toBe(3);
    expect(fake.batches).toHaveLength(1);
  });

  it('keeps two queues apart (no shared state)', async () => {
    const a = scriptedSink();
    const b = scriptedSink();
    const first = queueOf({ sink: a.sink, maxEvents: 1, onFull: 'refuse' });
    const second = queueOf({ sink: b.sink, maxEvents: 1 });
    first.enqueue(makeSiemEvent(1));
    expect(second.enqueue(makeSiemEvent(2))).toBe('queued');
    await Promise.all([first.drain(2_000), second.drain(2_000)]);
    expect([seqOf(a.accepted), seqOf(b.accepted)]).toEqual([['1'], ['2']]);
  });

  it("takes batch limits from the sink's registered definition when none are given", async () => {
    const fake = scriptedSink();
    const queue = queueOf({ sink: { ...fake.sink, provider: 'webhook' }, batch: undefined });
    makeSiemEvents(150).forEach((event) => queue.enqueue(event));
    await queue.drain(2_000);
    expect(fake.batches.map((batch) => batch.length)).toEqual([100, 50]);
  });

  it('refuses nonsensical limits', () => {
    const fake = scriptedSink();
    expect(() => createSiemQueue({ sink: fake.sink, maxEvents: 0, batch: { maxEvents: 1, maxBytes: 1 } })).toThrow('maxEvents must be a positive integer.');
    expect(() => createSiemQueue({ sink: fake.sink, batch: { maxEvents: 1.5, maxBytes: 1 } })).toThrow('batch.maxEvents must be a positive integer.');
  });
});
