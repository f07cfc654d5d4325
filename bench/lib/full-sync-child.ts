// The proxy side of bench/full-sync.ts, in its own process so its memory is
// its own: one full sync from empty (every page verified, every
// configuration opened), then one line of JSON with the time, the CPU time
// (every thread) and the peak resident memory. Usage: node scripts/node.mjs bench/lib/full-sync-child.ts <credentials.json> <pins.json>
import { createProxyClient, loadCredentials } from '@/lib/proxy-client';

const [credentialsFile, pinsFile] = process.argv.slice(2);
if (!credentialsFile || !pinsFile) throw new Error('usage: full-sync-child.ts <credentials.json> <pins.json>');
const credentials = await loadCredentials(credentialsFile);
const client = createProxyClient({ credentials, pinsFile });
const cpu = process.cpuUsage();
const started = performance.now();
await client.syncOnce();
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
const summary = client.summary();
console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, peakMb: process.resourceUsage().maxRSS / 1024, tenants: summary.counts.tenants, configurations: summary.counts.configurations, errors: summary.counts.errors }));
