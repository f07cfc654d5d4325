// The probe benchmarks preload into the TSP (bench/lib/memory-probe.mjs): a
// real child process, made to allocate, answers { pauses } with what held its
// event loop, and 'reset' starts the count again.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const PROBE = path.join(import.meta.dirname, 'memory-probe.mjs');
// Allocates about 10 MB every 20 ms (short-lived arrays of objects), so that the young generation is collected often.
const BUSY = `setInterval(() => { const a = []; for (let i = 0; i < 200000; i++) a.push({ i }); }, 20);`;

type TPauses = { loopMaxMs: number; gcMaxMs: number; gcMaxKind: string; gcTotalMs: number; gcLong: number };

let child: ChildProcess | undefined;
afterEach(() => void child?.kill());

const ask = (message: unknown) =>
  new Promise<unknown>((resolve) => {
    child?.once('message', resolve);
    child?.send(message as object);
  });

describe('memory-probe.mjs', () => {
  it('reports event-loop delay and garbage collection since the last reset, and resets on request', async () => {
    child = fork('-e', [BUSY], { execArgv: ['--import', PROBE], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    // The first ask starts watching: nothing has been counted yet.
    expect(await ask({ pauses: 'reset' })).toEqual({ loopMaxMs: 0, gcMaxMs: 0, gcMaxKind: '', gcTotalMs: 0, gcLong: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const kept = (await ask({ pauses: 'keep' })) as TPauses;
    expect(kept.gcTotalMs).toBeGreaterThan(0);
    expect(kept.gcMaxMs).toBeGreaterThan(0);
    expect(kept.gcMaxMs).toBeLessThanOrEqual(kept.gcTotalMs);
    expect(['scavenge', 'mark-compact', 'incremental', 'weak']).toContain(kept.gcMaxKind);
    expect(kept.loopMaxMs).toBeGreaterThan(0);
    // 'keep' left the count as it was: a reset now still reports at least as much, then starts again.
    const reset = (await ask({ pauses: 'reset' })) as TPauses;
    expect(reset.gcTotalMs).toBeGreaterThanOrEqual(kept.gcTotalMs);
    const after = (await ask({ pauses: 'keep' })) as TPauses;
    expect(after.gcTotalMs).toBeLessThan(reset.gcTotalMs);
  });

  it('still answers memory', async () => {
    child = fork('-e', ['setInterval(() => {}, 1000)'], { execArgv: ['--import', PROBE], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const memory = (await ask('memory')) as { rssMb: number; heapUsedMb: number };
    expect(memory.rssMb).toBeGreaterThan(memory.heapUsedMb);
    expect(memory.heapUsedMb).toBeGreaterThan(0);
  });
});
