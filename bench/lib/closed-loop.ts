// A closed loop: `callers` concurrent callers, each awaiting its call before
// the next, for `seconds`; what completed per second and its latency.
import { percentile } from './broker';

export type TLoopResult = { perSecond: number; p50: number; p99: number; errors: number; completed: number };

export async function closedLoop(seconds: number, callers: number, call: (i: number) => Promise<unknown>): Promise<TLoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await call(next++);
          latencies.push(performance.now() - t0);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, completed: latencies.length };
}
