// Like memory-probe.mjs (preloaded with node --import into a process a
// benchmark spawned with an IPC channel, answering 'memory'), but it runs two
// full garbage collections first, so the heap figure is what is live rather
// than what is live plus garbage not yet collected.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

v8.setFlagsFromString('--expose-gc');
globalThis[Symbol.for('cmk.bench.gc')] = runInNewContext('gc');
await import('./memory-probe.mjs');
