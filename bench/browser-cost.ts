// Browser cost (issue 8, benchmark 4), in Debian's Chromium through
// Playwright: the app's own browser-side crypto (lib/crypto, bundled with
// esbuild from bench/browser/entry.ts) timed inside the page — sealing a
// configuration to 5 recipients, and unlocking the tenant keys after sign-in
// (plus, for reference, the PBKDF2 stretch sign-in does first).
//
//   npm run bench -- browser-cost [--runs 30]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { percentile, printTable, type BenchSummary } from './lib/broker';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

type Bench = { seal5(runs: number): Promise<number[]>; unlock(runs: number): Promise<{ unlock: number[]; derive: number[] }> };

export async function run(args: string[]): Promise<BenchSummary> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string', default: '30' } }, strict: true });
  const runs = Number(values.runs);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cmk-bench-browser-'));
  const bundle = path.join(dir, 'bench.js');
  await build({ entryPoints: [path.resolve('bench/browser/entry.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'chrome120', outfile: bundle, minify: true, alias: { '@': path.resolve('.') }, logLevel: 'error' });
  // A page of its own origin (WebCrypto needs a secure context: localhost is one).
  const server = http.createServer((req, res) => {
    if (req.url === '/bench.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(readFileSync(bundle));
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>bench</title><script type="module" src="/bench.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${port}/`);
    await page.waitForFunction(() => 'cmkBench' in globalThis);
    const version = browser.version();
    const seal = await page.evaluate((n) => (globalThis as unknown as { cmkBench: Bench }).cmkBench.seal5(n), runs);
    const { unlock, derive } = await page.evaluate((n) => (globalThis as unknown as { cmkBench: Bench }).cmkBench.unlock(n), runs);
    const row = (name: string, target: string, xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return [name, target, percentile(sorted, 50).toFixed(1), percentile(sorted, 95).toFixed(1), (sorted.at(-1) as number).toFixed(1), String(xs.length)];
    };
    console.log(`\nChromium ${version}, headless, the app's crypto code, inside the page (first run included).\n`);
    printTable(
      ['operation', 'target', 'p50 ms', 'p95 ms', 'max ms', 'runs'],
      [row('seal a configuration to 5 recipients', '< 50 ms', seal), row('unlock tenant keys after sign-in', '< 500 ms', unlock), row('PBKDF2 600 000 (sign-in, before sending)', '—', derive)],
    );
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50).toFixed(1);
    return [
      { measure: 'browser: seal to 5 recipients, p50 ms', value: p50(seal), target: '< 50' },
      { measure: 'browser: unlock tenant keys, p50 ms', value: p50(unlock), target: '< 500' },
    ];
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
