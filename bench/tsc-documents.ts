// Documents per second through our Tenant Security client (lib/tsc) and
// through the reference's (@ironcorelabs/tenant-security-nodejs 4.1.3, the
// devDependency), same TSP, same run, rows interleaved: encrypt and decrypt
// of a one-field document of 1 KiB and of 1 MiB. Each row is a closed loop:
// `--concurrency` callers, each awaiting its call before the next, for
// `--seconds`, repeated in `--rounds` that interleave the clients; the
// median round is shown, with the CPU time this process (only the clients;
// the TSP is in the child) spent per document. Both decrypt the same documents (written by
// the reference), so the rows differ only by the client.
//
// The TSP world (createTsp and the AWS KMS *protocol double*, no cloud:
// real AES-256-GCM and SigV4 on localhost) runs in a child process
// (bench/lib/tsp-world-child.ts); the clients run here, on the same cores.
// Tenant `quiet` has no SIEM, so one KMS call per document is on the path.
//
//   npm run bench -- tsc-documents [--seconds 3] [--rounds 3] [--concurrency 16] [--sizes 1,1024 (KiB)]
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { DocumentMetadata, TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { createTenantSecurityClient } from '@/lib/tsc';
import { percentile, printTable, type BenchSummary } from './lib/broker';
import { closedLoop, type TLoopResult } from './lib/closed-loop';
import { startTspWorldChild } from './lib/tsp-world-child';

type Row = { name: string; docsPerSecond: number; mibPerSecond: number; p50: number; p99: number; cpuUs: number; errors: number };
type TRound = TLoopResult & { cpuUs: number };

const POOL = 64;
const WARM_UP_S = 1;

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '16' }, sizes: { type: 'string', default: '1,1024' } }, strict: true });
  const seconds = Number(values.seconds);
  const rounds = Number(values.rounds);
  const concurrency = Number(values.concurrency);
  const sizes = values.sizes.split(',').map(Number);
  if (!(seconds > 0) || !(rounds >= 1) || !(concurrency > 0) || !sizes.every((kib) => kib > 0)) throw new Error('usage: tsc-documents [--seconds N] [--rounds N] [--concurrency N] [--sizes KiB,KiB]');
  const cpus = os.cpus();
  console.log(`Node ${process.version}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}).`);
  console.log('The KMS is a local protocol double of AWS KMS on 127.0.0.1 (real AES-256-GCM, every SigV4 signature checked), not AWS.\n');

  const world = await startTspWorldChild();
  const ours = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true, maxSockets: concurrency });
  const theirs = new TenantSecurityClient(world.url, world.apiKey);
  const meta = { tenantId: 'quiet', requestingId: 'svc-bench', dataLabel: 'PII' };
  const theirMeta = new DocumentMetadata('quiet', 'svc-bench', 'PII');
  const rows: Row[] = [];
  try {
    for (const [label, size] of sizes.map((kib) => [kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`, kib * 1024] as const)) {
      const document = { body: randomBytes(size) };
      const pool = await Promise.all(Array.from({ length: POOL }, () => theirs.encryptDocument(document, theirMeta)));
      const calls: [string, (i: number) => Promise<unknown>][] = [
        [`ours   encrypt ${label}`, () => ours.encryptDocument(document, meta)],
        [`theirs encrypt ${label}`, () => theirs.encryptDocument(document, theirMeta)],
        [`ours   decrypt ${label}`, (i) => ours.decryptDocument(pool[i % POOL]!, meta)],
        [`theirs decrypt ${label}`, (i) => theirs.decryptDocument(pool[i % POOL]!, theirMeta)],
      ];
      for (const [, call] of calls) await closedLoop(Math.min(WARM_UP_S, seconds), concurrency, call);
      // Rounds interleave the clients, so that a drift of the shared machine's speed touches both alike.
      const results = new Map<string, TRound[]>();
      for (let round = 1; round <= rounds; round++) {
        for (const [name, call] of calls) {
          console.log(`${name}: round ${round}/${rounds}, ${seconds} s, ${concurrency} callers…`);
          // This process runs only the client (the TSP is in the child): its CPU time per document is the client's cost.
          const cpu = process.cpuUsage();
          const result = await closedLoop(seconds, concurrency, call);
          const used = process.cpuUsage(cpu);
          results.set(name, [...(results.get(name) ?? []), { ...result, cpuUs: (used.user + used.system) / Math.max(1, result.completed) }]);
        }
      }
      for (const [name] of calls) {
        const runs = results.get(name) ?? [];
        const median = (pick: (r: (typeof runs)[number]) => number) => percentile([...runs.map(pick)].sort((a, b) => a - b), 50);
        const perSecond = median((r) => r.perSecond);
        rows.push({ name, docsPerSecond: perSecond, mibPerSecond: (perSecond * size) / 2 ** 20, p50: median((r) => r.p50), p99: median((r) => r.p99), cpuUs: median((r) => r.cpuUs), errors: runs.reduce((n, r) => n + r.errors, 0) });
      }
    }
  } finally {
    ours.close();
    await world.stop();
  }
  console.log(`\nMedians of ${rounds} interleaved rounds of ${seconds} s per row after a ${WARM_UP_S} s warm-up, ${concurrency} concurrent callers, one-field documents, tenant quiet (no SIEM).\n`);
  printTable(
    ['row', 'docs/s', 'MiB/s', 'p50 ms', 'p99 ms', 'client CPU µs/doc', 'errors'],
    rows.map((r) => [r.name, r.docsPerSecond.toFixed(0), r.mibPerSecond.toFixed(1), r.p50.toFixed(2), r.p99.toFixed(2), r.cpuUs.toFixed(0), String(r.errors)]),
  );
  const failed = rows.filter((r) => r.errors > 0);
  if (failed.length) throw new Error(`errors in: ${failed.map((r) => `${r.name} (${r.errors})`).join(', ')}`);
  const pair = (what: string) => {
    const [a, b] = [rows.find((r) => r.name === `ours   ${what}`)!, rows.find((r) => r.name === `theirs ${what}`)!];
    return { measure: `TSC ${what}, docs/s and client CPU µs/doc (ours / reference)`, value: `${a.docsPerSecond.toFixed(0)} / ${b.docsPerSecond.toFixed(0)}; ${a.cpuUs.toFixed(0)} / ${b.cpuUs.toFixed(0)} µs` };
  };
  return rows.filter((r) => r.name.startsWith('ours')).map((r) => pair(r.name.slice('ours   '.length)));
}
