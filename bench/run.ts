// npm run bench [-- <name> [options]]: runs bench/<name>.ts, or with no name
// every benchmark in turn with its defaults, then a summary table of their
// headline figures. Benchmarks print figures; they never assert on time
// (docs/performance.md).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { printTable, type BenchSummary } from './lib/broker';

const ALL = ['poll-throughput', 'revocation', 'full-sync', 'verify-cost', 'browser-cost', 'tenants-list', 'tsp-wrap', 'tsp-siem', 'tsp-leased', 'tsp-overhead', 'tsp-revocation', 'tsp-scale', 'kms-driver-memory', 'kms-call-garbage', 'tsc-documents', 'tsc-stream', 'usage-storage'];
type Bench = { run(args: string[]): Promise<BenchSummary> };

const [name, ...args] = process.argv.slice(2).filter((a) => a !== '--');
const load = async (bench: string): Promise<Bench> => {
  const file = path.join(import.meta.dirname, `${bench}.ts`);
  if (!/^[a-z0-9-]+$/.test(bench) || !existsSync(file)) {
    console.error(`usage: npm run bench [-- <name> [options]]; no benchmark named ${JSON.stringify(bench)} (one of ${ALL.join(', ')})`);
    process.exit(2);
  }
  return (await import(file)) as Bench;
};

if (name) {
  await (await load(name)).run(args);
  process.exit(0);
}
const summary: BenchSummary = [];
for (const bench of ALL) {
  console.log(`\n=== ${bench} ===`);
  summary.push(...(await (await load(bench)).run([])));
}
console.log('\n=== summary ===\n');
printTable(['measure', 'value', 'target'], summary.map((s) => [s.measure, s.value, s.target ?? '']));
process.exit(0);
