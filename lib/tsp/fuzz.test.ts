// Fuzzes API v1 with malformed requests: at least 2 000 per route, made by a
// seeded PRNG (TSP_FUZZ_SEED to replay one) from valid bodies — broken,
// truncated and non-UTF-8 JSON, wrong types, missing fields, huge strings, NUL,
// prototype-pollution keys, deep nesting, bad base64, random and forged
// protobuf EDEKs, every truncation of a real one, 10 000-item batches, bodies
// over 2 MiB, wrong Content-Type, method or key — over keep-alive, in bounded
// concurrency; then raw sockets: garbage that is not HTTP, bad framing, lying
// Content-Length, unfinished bodies and headers that arrive too slowly. Every
// answer must be a 4xx `{code, message}`: never a 5xx, never a crash, never a
// DEK or a secret. The KMS (AWS) and the SIEMs are protocol doubles in this
// repo (lib/testing/tsp-world.ts): no cloud is reachable here.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFindings, scanForSecrets, type Canary, type ScanRecord } from '@/lib/testing/secret-scan';
import { HEC_TOKEN, startTspWorld, WEBHOOK_SECRET, type TTspWorld } from '@/lib/testing/tsp-world';
import { createFuzzCases, MIB, ROUTES, prng, type TCase, type TRng, type TRoute } from '@/lib/testing/tsp-fuzz-cases';
import { decodeEdek } from './edek';


const SEED = Number(process.env.TSP_FUZZ_SEED ?? 0x7f5c2e11) >>> 0;
const CONCURRENCY = 16;
type TAnswer = { status: number; text: string } | { error: string };

let world: TTspWorld;
let agent: http.Agent;
const edeks: string[] = [];
const deks: Buffer[] = [];
let globexEdek = '';
let realData: Buffer;
let ids: { acme: number; globex: number; hooli: number };
const answers: ScanRecord[] = [];
const sent: Partial<Record<TRoute, number>> = {};
const unexpectedLogs: string[] = [];
/** `status/code` of every refusal seen: proves the fuzz got past the parser into tenants, EDEKs and the KMS. */
const reached = new Set<string>();
const { casesFor, badEdek, forgeEdek } = createFuzzCases({
  edeks,
  get globexEdek() {
    return globexEdek;
  },
  get realData() {
    return realData;
  },
  get ids() {
    return ids;
  },
  get apiKey() {
    return world.apiKey;
  },
});
function request(path: string, c: Pick<TCase, 'body' | 'contentType' | 'authorization' | 'method' | 'fresh'>): Promise<TAnswer> {
  return new Promise((resolve) => {
    const chunked = c.method === 'POST-chunked';
    const headers: Record<string, string | number> = chunked ? {} : { 'content-length': c.body.length };
    if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
    if (c.authorization !== null) headers.authorization = c.authorization ?? `cmk ${world.apiKey}`;
    const method = chunked ? 'POST' : (c.method ?? 'POST');
    const req = http.request(`${world.url}/api/1/${path}`, { method, headers, agent: c.fresh ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    // The server may answer a refused body early and close; what counts is the answer that came first.
    req.on('error', (e) => resolve({ error: e.message }));
    if (chunked) {
      req.write(c.body.subarray(0, 1000));
      req.end(c.body.subarray(1000));
    } else req.end(c.body);
  });
}

/** A TSP refusal: 400–499 with exactly a numeric code and a string message. */
function refusalProblem(answer: TAnswer): string | null {
  if ('error' in answer) return `no answer (${answer.error})`;
  if (answer.status < 400 || answer.status > 499) return `HTTP ${answer.status}: ${answer.text.slice(0, 160)}`;
  try {
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    if (typeof body.code !== 'number' || typeof body.message !== 'string' || Object.keys(body).length !== 2) return `not {code, message}: ${answer.text.slice(0, 160)}`;
    if (body.message.length > 2048) return `a message of ${body.message.length} characters (echoes input?)`;
  } catch {
    return `not JSON: ${answer.text.slice(0, 160)}`;
  }
  return null;
}

async function inParallel<T>(items: T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const meta = { tenantId: 'acme', iclFields: { requestingId: 'svc-fuzz' } };
async function validWrap(tenantId = 'acme'): Promise<{ dek: string; edek: string }> {
  const answer = await request('document/wrap', { body: Buffer.from(JSON.stringify({ ...meta, tenantId })) });
  if ('error' in answer || answer.status !== 200) throw new Error(`a valid wrap failed: ${JSON.stringify(answer)}`);
  const result = JSON.parse(answer.text) as { dek: string; edek: string };
  deks.push(Buffer.from(result.dek, 'base64'));
  return result;
}

// ---- raw sockets ----
type TRaw = { data: Buffer; closed: boolean; error?: string; ms: number };
function rawExchange(write: (socket: net.Socket) => void, timeoutMs = 10_000): Promise<TRaw> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(Number(new URL(world.url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let timedOut = false;
    const timer = setTimeout(() => ((timedOut = true), socket.destroy()), timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => (error ??= e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed: !timedOut, ...(error ? { error } : {}), ms: performance.now() - started });
    });
    socket.on('connect', () => write(socket));
  });
}

/** The HTTP responses in raw bytes (each framed by Content-Length). */
function parseResponses(raw: Buffer): { status: number; text: string }[] {
  const out: { status: number; text: string }[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = raw.subarray(at, end).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
    out.push({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0), text: raw.subarray(end + 4, end + 4 + (length || 0)).toString('utf8') });
    if (!Number.isFinite(length)) break;
    at = end + 4 + length;
  }
  return out;
}

const head = (extra: string, path = 'document/wrap') => `POST /api/1/${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: cmk ${world.apiKey}\r\nContent-Type: application/json\r\n${extra}\r\n`;
let slowHeaders: Promise<TRaw[]>;

beforeAll(async () => {
  const logger = { info() {}, warn() {}, error: (fields: Record<string, unknown>, message: string) => void unexpectedLogs.push(`${message} ${JSON.stringify(fields)}`) };
  // Headers must arrive within 2 s here (10 s by default), so the slow-header cases are answered quickly.
  world = await startTspWorld({ tsp: { logger, timeouts: { headersMs: 2_000 } } });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Started first, so that their time limit runs out while the rest of the fuzzing goes on.
  slowHeaders = Promise.all([
    rawExchange((s) => s.write('POST /api/1/document/wr'), 50_000),
    rawExchange((s) => s.write(head('').slice(0, 60)), 50_000),
    rawExchange((s) => {
      const text = head('Content-Length: 2\r\n');
      let i = 0;
      const drip = setInterval(() => (s.destroyed || i >= text.length - 4 ? clearInterval(drip) : s.write(text[i++] as string)), 400);
      s.on('close', () => clearInterval(drip));
    }, 50_000),
  ]);
  ids = { acme: world.kmsConfig.acme?.kmsConfigId as number, globex: world.kmsConfig.globex?.kmsConfigId as number, hooli: world.kmsConfig.hooli?.kmsConfigId as number };
  for (let i = 0; i < 3; i++) edeks.push((await validWrap()).edek);
  globexEdek = (await validWrap('globex')).edek;
  realData = Buffer.from(decodeEdek(edeks[0] as string)[0]?.encryptedDekData as Uint8Array);
}, 60_000);

afterAll(async () => {
  agent?.destroy();
  await world?.stop();
});

describe(`TSP API v1 under malformed requests (seed ${SEED}; replay with TSP_FUZZ_SEED=${SEED})`, () => {
  it.each(ROUTES)('%s: ≥ 2 000 malformed requests, each a 4xx {code, message}', async (route) => {
    const cases = casesFor(route, SEED ^ (ROUTES.indexOf(route) * 0x9e3779b9));
    const problems: string[] = [];
    await inParallel(cases, async (c, i) => {
      const answer = await request(route, c);
      if (!('error' in answer)) answers.push({ where: `${route} #${i} [${c.label}]`, value: answer.text });
      const problem = refusalProblem(answer);
      if (problem) problems.push(`#${i} [${c.label}] → ${problem}`);
      else if (!('error' in answer)) reached.add(`${answer.status}/${(JSON.parse(answer.text) as { code: number }).code}`);
      // A valid wrap now and then: its DEK is a canary the final scan looks for in every answer.
      if (i % 400 === 0) await validWrap();
    });
    sent[route] = cases.length;
    expect(problems, `seed ${SEED}, ${route}: ${problems.length} of ${cases.length} answers were not a 4xx {code, message}:\n${problems.slice(0, 15).join('\n')}`).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(2000);
  }, 60_000);

  it('batch-unwrap refuses each bad EDEK of a batch on its own (200 + failures), and opens none', async () => {
    const r = prng(SEED ^ 0x5bd1e995);
    const bytes = Buffer.from(edeks[0] as string, 'base64');
    // Longer EDEKs refuse the whole batch (400, covered above); these must each fail on their own, in a body under 2 MiB.
    const short = (make: (rng: TRng) => string) => {
      for (;;) {
        const edek = make(r);
        if (edek.length <= 6000) return edek;
      }
    };
    const batches: Record<string, string>[] = [
      Object.fromEntries(Array.from({ length: bytes.length - 1 }, (_, n) => [`t${n + 1}`, bytes.subarray(0, n + 1).toString('base64')])),
      Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`f${i}`, short(forgeEdek)])),
      Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`b${i}`, short(badEdek)])),
      { other: globexEdek, nul: 'QUFB\u0000', spaced: ` ${edeks[0] as string}` },
    ];
    const problems: string[] = [];
    for (const [n, items] of batches.entries()) {
      const answer = await request('document/batch-unwrap', { body: Buffer.from(JSON.stringify({ ...meta, edeks: items })) });
      if ('error' in answer || answer.status !== 200) {
        problems.push(`batch ${n}: ${JSON.stringify(answer).slice(0, 200)}`);
        continue;
      }
      answers.push({ where: `batch-unwrap of bad EDEKs ${n}`, value: answer.text });
      const body = JSON.parse(answer.text) as { keys: Record<string, unknown>; failures: Record<string, { code: unknown; message: unknown }> };
      if (Object.keys(body.keys).length) problems.push(`batch ${n} opened ${Object.keys(body.keys).join(', ')}`);
      for (const id of Object.keys(items)) {
        const failure = body.failures[id];
        if (!failure || ![203, 205].includes(failure.code as number) || typeof failure.message !== 'string') problems.push(`batch ${n}, ${id}: ${JSON.stringify(failure)}`);
      }
    }
    expect(problems, `seed ${SEED}:\n${problems.slice(0, 15).join('\n')}`).toEqual([]);
  }, 60_000);

  it('raw sockets: garbage, bad framing, lying Content-Length and unfinished bodies get a 4xx before the close', async () => {
    const r = prng(SEED ^ 0x27d4eb2d);
    const pipelined = Array.from({ length: 50 }, () => `${head('Content-Length: 3\r\n')}{x}`).join('');
    const big = Buffer.alloc(3 * MIB, 'x');
    const cases: { label: string; write: (s: net.Socket) => void; responses?: number }[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ label: `random bytes ${i}`, write: (s: net.Socket) => s.end(r.bytes(1 + r.int(2000))) })),
      { label: 'TLS ClientHello', write: (s) => s.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])) },
      { label: 'HTTP/2 preface', write: (s) => s.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n') },
      { label: 'NUL in the request line', write: (s) => s.write('POST /api/1/document/wrap\u0000 HTTP/1.1\r\n\r\n') },
      { label: 'headers over 16 KiB', write: (s) => s.write(head(`X-Big: ${'a'.repeat(20_000)}\r\n`)) },
      { label: 'Content-Length and Transfer-Encoding', write: (s) => s.write(`${head('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n')}0\r\n\r\n`) },
      { label: 'two Content-Lengths', write: (s) => s.write(`${head('Content-Length: 5\r\nContent-Length: 6\r\n')}{}{}{}`) },
      { label: 'bad chunk size', write: (s) => s.write(`${head('Transfer-Encoding: chunked\r\n')}zz\r\nabc\r\n`) },
      { label: 'Content-Length 3 MiB, a few bytes sent', write: (s) => s.write(`${head(`Content-Length: ${3 * MIB}\r\n`)}{"tenantId":`) },
      { label: 'Content-Length 10, 3 MiB sent', write: (s) => s.write(Buffer.concat([Buffer.from(head('Content-Length: 10\r\n')), big])) },
      { label: 'Content-Length 10, a longer JSON sent', write: (s) => s.write(`${head('Content-Length: 10\r\n')}${JSON.stringify(meta)}`) },
      { label: 'unfinished body, then half-close', write: (s) => s.end(`${head('Content-Length: 100\r\n')}{"tenantId":"acme"`) },
      { label: 'unfinished chunked body, then half-close', write: (s) => s.end(`${head('Transfer-Encoding: chunked\r\n')}10\r\n{"tenantId":"a`) },
      { label: '50 pipelined malformed requests', write: (s) => s.end(pipelined), responses: 50 },
    ];
    const problems: string[] = [];
    await Promise.all(
      cases.map(async (c) => {
        const result = await rawExchange(c.write);
        const responses = parseResponses(result.data);
        answers.push({ where: `raw: ${c.label}`, value: result.data.toString('latin1') });
        if (!result.closed) problems.push(`${c.label}: the connection stayed open`);
        if (responses.length === 0 || (c.responses !== undefined && responses.length !== c.responses)) problems.push(`${c.label}: ${responses.length} responses (${result.error ?? 'no error'}): ${JSON.stringify(result.data.toString('latin1').slice(0, 160))}`);
        for (const response of responses) {
          const problem = refusalProblem(response);
          if (problem) problems.push(`${c.label}: ${problem}`);
        }
      }),
    );
    expect(problems, `seed ${SEED}:\n${problems.join('\n')}`).toEqual([]);
  }, 30_000);

  it('headers that arrive too slowly get a 408 {code: 102, message}, then the close', async () => {
    for (const result of await slowHeaders) {
      const responses = parseResponses(result.data);
      answers.push({ where: 'raw: slow headers', value: result.data.toString('latin1') });
      expect(result.closed, `after ${Math.round(result.ms)} ms`).toBe(true);
      expect(responses.map((x) => [x.status, refusalProblem(x)])).toEqual([[408, null]]);
      expect(JSON.parse(responses[0]?.text ?? '{}')).toMatchObject({ code: 102 });
    }
  }, 60_000);

  it('afterwards the TSP still wraps and unwraps, no answer held a DEK or secret, nothing failed unexpectedly', async () => {
    const { dek, edek } = await validWrap();
    const opened = await request('document/unwrap', { body: Buffer.from(JSON.stringify({ ...meta, encryptedDocumentKey: edek })) });
    expect(opened).toEqual({ status: 200, text: JSON.stringify({ dek }) });
    for (const route of ROUTES) expect(sent[route], route).toBeGreaterThanOrEqual(2000);

    const canaries: Canary[] = [
      { label: 'TSP API key', value: world.apiKey },
      { label: 'webhook secret', value: WEBHOOK_SECRET },
      { label: 'HEC token', value: HEC_TOKEN },
      ...world.kms.users.map((user) => ({ label: `AWS secret of ${user.accessKeyId}`, value: user.secretAccessKey })),
      ...deks.map((value, i) => ({ label: `DEK ${i}`, value: new Uint8Array(value) })),
      ...[...edeks, globexEdek].map((value, i) => ({ label: `EDEK ${i} key material`, value: decodeEdek(value)[0]?.encryptedDekData as Uint8Array })),
    ];
    const report = scanForSecrets(answers, canaries);
    expect(report.findings, `seed ${SEED}:\n${formatFindings(report.findings.slice(0, 20))}`).toEqual([]);
    expect(report.stats.values).toBe(answers.length);
    expect(answers.every((a) => !String(a.value).includes(world.apiKey))).toBe(true);
    expect(deks.length).toBeGreaterThanOrEqual(10);
    expect(unexpectedLogs, 'errors the TSP logged as unexpected (a 500 had the client still been listening)').toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([...reached]).toEqual(expect.arrayContaining(['400/102', '401/101', '404/201', '405/102', '409/200', '413/102', '400/203', '400/205', '400/301']));
  }, 30_000);
});
