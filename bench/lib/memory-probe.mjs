// Preloaded (node --import) into a process a benchmark spawned with an IPC
// channel: answers the message 'memory' with its resident set and V8 heap in
// MB. The channel is unref'd, so it never keeps the process alive.
const MB = 1024 * 1024;
if (process.send) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    const m = process.memoryUsage();
    process.send({ rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, heapTotalMb: m.heapTotal / MB, externalMb: m.external / MB });
  });
  process.channel?.unref();
}
