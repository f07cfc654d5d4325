// Preloaded (node --import) into a process a benchmark spawned with an IPC
// channel: answers the message 'memory' with its resident set and V8 heap in
// MB, and the message { snapshot: file } by writing a V8 heap snapshot there
// (for finding where the heap goes; large and slow at 10 000 tenants). The
// channel is unref'd, so it never keeps the process alive.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';

const MB = 1024 * 1024;

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
