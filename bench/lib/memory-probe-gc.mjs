// Like memory-probe.mjs (preloaded with node --import into a process a
// benchmark spawned with an IPC channel, answering 'memory'), but it runs two
// full garbage collections first, so the heap figure is what is live rather
// than what is live plus garbage not yet collected.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const MB = 1024 * 1024;
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    gc();
    gc();
    const m = process.memoryUsage();
    process.send({ rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB });
  });
  process.channel?.unref();
}
