// The load the issue-24 TSP benchmarks (bench/tsp-overhead.ts, tsp-scale.ts)
// drive and how they summarise it: autocannon as a closed loop (`connections`
// callers, each sending its next request when the last is answered); an open
// loop (calls started at a fixed total rate, evenly spaced, at most
// `connections` in flight) for HTTP and for in-process calls alike; and
// p50/p99/max with full precision (autocannon's own histogram rounds to whole
// milliseconds). Not autocannon's `overallRate` for the open loop: it gives
// each connection a budget per whole second, refilled by timers that all
// connections started together, so 200 connections at 250/s send their
// requests in one burst each second and the latencies measure that burst.
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { percentile } from './broker';
import { WARM_UP_S } from './autocannon-load';

/** One row: completed per second, latency of the successful calls in ms, and what failed (by HTTP status when known). */
export type TLatencyRow = { name: string; rps: number; p50: number; p99: number; max: number; ok: number; errors: number; statuses: Record<string, number> };

export function summarise(name: string, latencies: number[], seconds: number, errors: number, statuses: Record<string, number> = {}): TLatencyRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    name,
    rps: sorted.length / seconds,
    p50: sorted.length ? percentile(sorted, 50) : NaN,
    p99: sorted.length ? percentile(sorted, 99) : NaN,
    max: sorted.at(-1) ?? NaN,
    ok: sorted.length,
    errors,
    statuses,
  };
}

/** `seconds` of autocannon after a warm-up that is not counted; only 200 answers are latencies, every other status is counted by code. */
export async function httpRow(name: string, options: autocannon.Options, seconds: number, warmUp = WARM_UP_S): Promise<TLatencyRow> {
  const run = (duration: number, seen?: { latencies: number[]; statuses: Record<string, number> }) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ timeout: 30, ...options, duration, pipelining: 1 }, (error: unknown, result) => (error ? reject(error as Error) : resolve(result)));
      if (seen) {
        instance.on('response', (_client, status, _bytes, ms) => {
          if (status === 200) seen.latencies.push(ms);
          else seen.statuses[status] = (seen.statuses[status] ?? 0) + 1;
        });
      }
    });
  if (warmUp > 0) await run(Math.min(warmUp, seconds));
  const seen = { latencies: [] as number[], statuses: {} as Record<string, number> };
  const result = await run(seconds, seen);
  const failed = Object.values(seen.statuses).reduce((a, b) => a + b, 0);
  return summarise(name, seen.latencies, seconds, failed + result.errors + result.timeouts, { ...seen.statuses, ...(result.errors + result.timeouts > 0 ? { socket: result.errors + result.timeouts } : {}) });
}

/**
 * An open loop in this process: a call starts every 1/rate s whatever the earlier ones are doing, with at
 * most `maxInFlight` in flight (a start that finds them all busy is skipped and counted, as autocannon's
 * connections cannot start one either). Latency runs from the call's start, as autocannon's does.
 */
export async function openLoop(rate: number, seconds: number, maxInFlight: number, call: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; errors: number; skipped: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let skipped = 0;
  let inFlight = 0;
  let started = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  for (;;) {
    const now = performance.now();
    if (now >= end) break;
    // Every start due by now (timers run late under load; the schedule does not drift).
    const due = Math.floor(((now - t0) / 1000) * rate) + 1;
    while (started < due) {
      started += 1;
      if (inFlight >= maxInFlight) {
        skipped += 1;
        continue;
      }
      inFlight += 1;
      const at = performance.now();
      pending.push(
        call(started).then(
          () => void latencies.push(performance.now() - at),
          () => void (errors += 1),
        ).finally(() => void (inFlight -= 1)),
      );
    }
    const next = t0 + (started / rate) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
  }
  await Promise.all(pending);
  return { latencies, errors, skipped };
}

/** `ms` as the tables print it. */
export const ms = (value: number): string => (Number.isNaN(value) ? '–' : value.toFixed(value < 10 ? 2 : 1));

/** A closed loop in this process: `callers` concurrent callers, each starting its next call when the last ends, for `seconds`. */
export async function closedLoopLatencies(seconds: number, callers: number, call: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const caller = async () => {
    while (performance.now() < end) {
      const at = performance.now();
      await call(next++).then(
        () => void latencies.push(performance.now() - at),
        () => void (errors += 1),
      );
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { latencies, errors };
}

/** Positive numbers from `--name value` options; `integer` ones must be whole. */
export function positiveOptions<K extends string>(values: Record<K, string | undefined>, integer: readonly NoInfer<K>[], usage: string): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const name of Object.keys(values) as K[]) {
    const n = Number(values[name]);
    if (!(n > 0) || (integer.includes(name) && !Number.isInteger(n))) throw new Error(`--${name} takes a positive ${integer.includes(name) ? 'whole ' : ''}number, not ${JSON.stringify(values[name])}\n${usage}`);
    out[name] = n;
  }
  return out;
}

/** One HTTP request on `agent`, resolved with its status once the body is read. */
function send(agent: Agent, url: URL, method: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** HTTP calls for openLoop on one keep-alive agent (at most `connections` sockets): a non-200 answer fails the call and is counted in `statuses`. */
export function httpCaller(target: { url: string; method?: string; headers: Record<string, string>; body: (i: number) => string }, connections: number): { call: (i: number) => Promise<void>; statuses: Record<string, number>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(target.url);
  const statuses: Record<string, number> = {};
  const call = async (i: number) => {
    const status = await send(agent, url, target.method ?? 'POST', target.headers, target.body(i));
    if (status !== 200) {
      statuses[status] = (statuses[status] ?? 0) + 1;
      throw new Error(`HTTP ${status}`);
    }
  };
  return { call, statuses, close: () => agent.destroy() };
}

/** An open loop of HTTP requests (openLoop, keep-alive, at most `connections` sockets) after a warm-up; a non-200 answer is counted by status. */
export async function httpOpenRow(name: string, target: { url: string; method?: string; headers: Record<string, string>; body: (i: number) => string }, rate: number, seconds: number, connections: number): Promise<TLatencyRow> {
  const { call, statuses, close } = httpCaller(target, connections);
  try {
    await openLoop(rate, Math.min(WARM_UP_S, seconds), connections, call);
    for (const key of Object.keys(statuses)) delete statuses[key];
    const { latencies, errors, skipped } = await openLoop(rate, seconds, connections, call);
    return summarise(name, latencies, seconds, errors + skipped, { ...statuses, ...(skipped ? { skipped } : {}) });
  } finally {
    close();
  }
}

/** One series of an interleaved open loop: its calls, and the statuses its failures were counted under (httpCaller), if any. */
export type TInterleavedSeries = { name: string; call: (i: number) => Promise<unknown>; statuses?: Record<string, number> };

/** What a series' slices add up to, beside its row: the seconds measured, whatever `around` returned for each slice, and each slice's latencies (ms), in the order the slices ran. */
export type TInterleavedRow<T> = { row: TLatencyRow; seconds: number; slices: T[]; bySlice: number[][] };

/**
 * Open loops of several series taking turns, so that what else the machine does while they run falls
 * on all of them alike instead of on whichever happened to run then: after a warm-up of each, `seconds`
 * are cut into slices of about `sliceSeconds`, one per series per round, the order reversed every
 * other round (A B C, C B A, …) so that no series always follows the same one. Each slice is its own
 * open loop (the next starts when the last one's calls have all ended), run inside `around` (which can
 * read counters before and after it); a series' row pools its slices' latencies.
 */
export async function interleavedOpenLoop<T>(series: readonly TInterleavedSeries[], options: { rate: number; seconds: number; connections: number; sliceSeconds?: number; warmUp?: number }, around: (index: number, slice: () => Promise<void>) => Promise<T>): Promise<TInterleavedRow<T>[]> {
  const { rate, seconds, connections } = options;
  const rounds = Math.max(1, Math.round(seconds / (options.sliceSeconds ?? 1)));
  const slice = seconds / rounds;
  const warmUp = options.warmUp ?? Math.min(WARM_UP_S, seconds);
  for (const s of series) {
    await openLoop(rate, warmUp, connections, s.call);
    for (const key of Object.keys(s.statuses ?? {})) delete s.statuses?.[key];
  }
  const pooled = series.map(() => ({ latencies: [] as number[], bySlice: [] as number[][], errors: 0, skipped: 0, slices: [] as T[] }));
  const order = series.map((_, i) => i);
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? order : [...order].reverse()) {
      const into = pooled[i] as (typeof pooled)[number];
      const call = (series[i] as TInterleavedSeries).call;
      into.slices.push(
        await around(i, async () => {
          const { latencies, errors, skipped } = await openLoop(rate, slice, connections, call);
          for (const latency of latencies) into.latencies.push(latency);
          into.bySlice.push(latencies);
          into.errors += errors;
          into.skipped += skipped;
        }),
      );
    }
  }
  return series.map((s, i) => {
    const { latencies, bySlice, errors, skipped, slices } = pooled[i] as (typeof pooled)[number];
    return { row: summarise(s.name, latencies, slice * rounds, errors + skipped, { ...s.statuses, ...(skipped ? { skipped } : {}) }), seconds: slice * rounds, slices, bySlice };
  });
}
