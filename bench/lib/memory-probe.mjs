// Preloaded (node --import) into a process a benchmark spawned with an IPC
// channel: answers the message 'memory' with its resident set and V8 heap in
// MB, the message { snapshot: file } by writing a V8 heap snapshot there
// (for finding where the heap goes; large and slow at 10 000 tenants), and
// the message { pauses: reset } with what held its event loop since the last
// reset: the longest loop delay, and garbage collection's longest pause (and
// its kind), total, and pauses of LONG_GC_MS or more. The channel is unref'd,
// so it never keeps the process alive.
import { readFileSync } from 'node:fs';
import { constants as perf, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const MB = 1024 * 1024;
const LONG_GC_MS = 5;
const GC_KINDS = { [perf.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [perf.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weak' };
const eventLoop = monitorEventLoopDelay({ resolution: 5 });
const pauses = { max: 0, maxKind: '', total: 0, long: 0 };

/** Starts watching the event loop and the collector (on the first { pauses } message: a process never asked pays nothing). */
let watching = false;
function watch() {
  if (watching) return;
  watching = true;
  eventLoop.enable();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration > pauses.max) Object.assign(pauses, { max: entry.duration, maxKind: GC_KINDS[entry.detail?.kind ?? 0] ?? 'other' });
      Object.assign(pauses, { total: pauses.total + entry.duration, long: pauses.long + (entry.duration >= LONG_GC_MS ? 1 : 0) });
    }
  }).observe({ entryTypes: ['gc'] });
}

/** Resident MB by kind of mapping (/proc/self/smaps): the main malloc heap, anonymous memory (V8's pages, other malloc arenas, mmap), files (code). */
function residentByKind() {
  const kinds = { brk: 0, anon: 0, file: 0 };
  let kind = 'anon';
  try {
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
        const name = line.split(/\s+/)[5] ?? '';
        kind = name === '[heap]' ? 'brk' : name.startsWith('/') ? 'file' : 'anon';
      } else if (line.startsWith('Rss:')) kinds[kind] += Number(line.split(/\s+/)[1]) / 1024;
    }
  } catch {
    return null;
  }
  return kinds;
}
if (process.send) {
  process.on('message', (message) => {
    if (message?.snapshot) return void process.send({ file: v8.writeHeapSnapshot(message.snapshot) });
    if (message && typeof message === 'object' && 'pauses' in message) {
      watch();
      process.send({ loopMaxMs: eventLoop.max / 1e6, gcMaxMs: pauses.max, gcMaxKind: pauses.maxKind, gcTotalMs: pauses.total, gcLong: pauses.long });
      if (message.pauses === 'reset') {
        Object.assign(pauses, { max: 0, maxKind: '', total: 0, long: 0 });
        eventLoop.reset();
      }
      return;
    }
    if (message !== 'memory') return;
    const gc = globalThis[Symbol.for('cmk.bench.gc')];
    if (gc) {
      gc();
      gc();
    }
    const m = process.memoryUsage();
    process.send({ rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB, arrayBuffersMb: m.arrayBuffers / MB, residentMb: residentByKind() });
  });
  process.channel?.unref();
}
