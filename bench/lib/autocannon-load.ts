// The HTTP load the TSP benchmarks share: autocannon after a warm-up, with
// each response's time kept at full precision (autocannon's own histogram
// rounds to whole milliseconds), and the bare node:http echo server every
// figure is printed beside (the limit on the same cores, in the same run).
import autocannon from 'autocannon';
import { percentile } from './broker';

export const WARM_UP_S = 2;

/** Node source for `node -e`: reads a JSON body, answers a small JSON, on PORT. */
export const ECHO_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  let bytes = 0;
  req.on('data', (d) => (bytes += d.length));
  req.on('end', () => { const body = JSON.stringify({ ok: true, bytes }); res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export type TLoadRow = { name: string; rps: number; p50: number; p99: number; errors: number; requests: number };

/** `seconds` of autocannon load after a warm-up that is not counted; a non-200 answer counts as an error. */
export async function loadRow(name: string, options: autocannon.Options, seconds: number): Promise<TLoadRow> {
  const run = (duration: number, latencies?: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ ...options, duration, pipelining: 1 }, (error: unknown, result) => (error ? reject(error as Error) : resolve(result)));
      if (latencies) instance.on('response', (_client, status, _bytes, ms) => void (status === 200 && latencies.push(ms)));
    });
  await run(Math.min(WARM_UP_S, seconds)); // warm-up (JIT, keep-alive sockets), not counted
  const latencies: number[] = [];
  const result = await run(seconds, latencies);
  latencies.sort((a, b) => a - b);
  const errors = result.errors + result.timeouts + (result.requests.total - latencies.length);
  return { name, rps: result.requests.average, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, requests: result.requests.total };
}
