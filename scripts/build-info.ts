// Decides whether the production build in .next is current: a hash of every
// input of `next build`, written beside the build when it succeeds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = process.cwd();
const INPUT_DIRS = ['app', 'components', 'lib', 'public', 'prisma'];
const INPUT_FILES = ['next.config.js', 'postcss.config.mjs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'package.json', 'instrumentation.ts'];
const SKIP = new Set(['node_modules', 'generated', '.next']);
export const HASH_FILE = path.join(ROOT, '.next', 'cmk-source-hash');

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (!/\.test\.tsx?$/.test(entry.name)) out.push(full);
  }
}

export function sourceHash(): string {
  const files: string[] = [];
  for (const dir of INPUT_DIRS) walk(path.join(ROOT, dir), files);
  for (const file of INPUT_FILES) if (existsSync(path.join(ROOT, file))) files.push(path.join(ROOT, file));
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(path.relative(ROOT, file)).update('\0');
    hash.update(statSync(file).size.toString()).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function isBuildCurrent(): boolean {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID')) || !existsSync(HASH_FILE)) return false;
  return readFileSync(HASH_FILE, 'utf8').trim() === sourceHash();
}

export function recordBuild(hash: string): void {
  writeFileSync(HASH_FILE, `${hash}\n`);
}
