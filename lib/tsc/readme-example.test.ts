// The README's first example of the system — the two calls with our client —
// is run as written, against a TSP world (its KMS is the AWS KMS protocol
// double; no cloud here): only the address, the API key and the import path
// are pointed at the test's. A README that drifts from the API fails here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ROOT } from '@/lib/testing/import-graph';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';

let world: TTspWorld;
let dir: string;

beforeAll(async () => {
  world = await startTspWorld({});
  dir = mkdtempSync(join(tmpdir(), 'tsc-readme-'));
}, 60_000);

afterAll(async () => {
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the README’s two calls encrypt and decrypt a document', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = /```ts\n(\/\/ app\.ts[\s\S]*?)```/.exec(readme)?.[1];
  expect(example, 'the README has the app.ts example').toBeDefined();
  expect(example).toContain('tsc.encryptDocument(');
  expect(example).toContain('tsc.decryptDocument(');
  const runnable = (example as string)
    .replace("from './lib/tsc'", `from '${join(ROOT, 'lib/tsc/index.ts')}'`)
    .replace("'http://localhost:7777'", JSON.stringify(world.url))
    .replace('process.env.TSP_API_KEY!', JSON.stringify(world.apiKey));
  const file = join(dir, 'app.ts');
  writeFileSync(file, runnable);
  const printed: unknown[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(...args));
  try {
    await import(/* @vite-ignore */ file);
  } finally {
    spy.mockRestore();
  }
  expect(printed).toEqual(['for acme only']);
  expect(world.kms.count({ target: 'Encrypt' })).toBe(1);
  expect(world.kms.count({ target: 'Decrypt' })).toBe(1);
});
