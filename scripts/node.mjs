// Runs a TypeScript entry point of this project with plain Node:
//   node scripts/node.mjs <file.ts> [args…]
// It registers tsx (TypeScript + tsconfig paths) and a resolve hook that lets
// the broker's own `server-only` modules load outside Next.js: the marker
// exists to keep them out of browser bundles, which a Node process is not.
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeVersionProblem } from './node-version.mjs';

// Before anything else loads: on an older Node, stop with the version it needs.
const versionProblem = nodeVersionProblem();
if (versionProblem) {
  console.error(versionProblem);
  process.exit(1);
}

process.env.NEXT_TELEMETRY_DISABLED = '1';
register('./node-hooks.mjs', import.meta.url);
const { register: registerTsx } = await import('tsx/esm/api');
registerTsx();

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/node.mjs <file.ts> [args…]');
  process.exit(2);
}
const file = path.resolve(entry);
process.argv = [process.argv[0] ?? 'node', file, ...rest];
await import(pathToFileURL(file).href);
