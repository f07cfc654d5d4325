// npm run bench [-- <name> [options]]: runs bench/<name>.ts (default: tenants-list).
// Benchmarks print figures; they never assert on time (see docs/performance.md).
import { existsSync } from 'node:fs';
import path from 'node:path';

const [name = 'tenants-list', ...args] = process.argv.slice(2).filter((a) => a !== '--');
const file = path.join(import.meta.dirname, `${name}.ts`);
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
  console.error(`usage: npm run bench [-- <name> [options]]; no benchmark named ${JSON.stringify(name)} in bench/`);
  process.exit(2);
}
const bench = (await import(file)) as { run(args: string[]): Promise<number> };
process.exit(await bench.run(args));
