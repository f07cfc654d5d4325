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
import { decodeEdek, encodeEdek } from './edek';

const SEED = Number(process.env.TSP_FUZZ_SEED ?? 0x7f5c2e11) >>> 0;
const PER_ROUTE = 2_100;
const CONCURRENCY = 16;
const MIB = 1024 * 1024;
const ROUTES = ['document/wrap', 'document/batch-wrap', 'document/unwrap', 'document/batch-unwrap', 'document/rekey', 'event/security-event'] as const;
type TRoute = (typeof ROUTES)[number];
type TJson = null | boolean | number | string | TJson[] | { [key: string]: TJson };
type TCase = { label: string; body: Buffer; contentType?: string | null; authorization?: string | null; method?: string; fresh?: boolean };
type TAnswer = { status: number; text: string } | { error: string };

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)] as T, bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}
type TRng = ReturnType<typeof prng>;
const oneOf = <T>(r: TRng, makers: (() => T)[]): T => r.pick(makers)();

// ---- protobuf by hand, so wire types, lengths and varints can be wrong ----
const varint = (value: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return out;
};
const tag = (field: number, wire: number) => varint((BigInt(field) << 3n) | BigInt(wire));
const ld = (field: number, bytes: Uint8Array | number[]) => [...tag(field, 2), ...varint(bytes.length), ...bytes];

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

/** A forged EncryptedDeks: random fields, wrong wire types, bad ids; never one that should open. */
function forgeEdek(r: TRng): string {
  const entry = (): number[] => {
    const out: number[] = [];
    const real = r.next() < 0.3;
    const data = real ? realData : oneOf(r, [() => r.bytes(r.int(300)), () => Buffer.alloc(0), () => r.bytes(8193), () => r.bytes(6200)]);
    if (r.next() < 0.9) out.push(...(r.next() < 0.1 ? [...tag(1, 0), ...varint(r.int(1e6))] : ld(1, data)));
    const id = r.pick([0, -1, -2147483648, 2147483647, 2 ** 31, 2 ** 32 + ids.acme, ids.acme, ids.acme, ids.globex, ids.hooli, r.int(1e9)]);
    if (r.next() < 0.9) out.push(...(r.next() < 0.1 ? ld(2, varint(id)) : r.next() < 0.05 ? [...tag(2, 5), 1, 0, 0, 0] : [...tag(2, 0), ...varint(id)]));
    if (r.next() < 0.15) out.push(...tag(3, 0), ...varint(1 + r.int(100)));
    if (r.next() < 0.1) out.push(...ld(4, r.bytes(12)));
    if (r.next() < 0.1) out.push(...ld(5, r.bytes(r.int(64))));
    if (r.next() < 0.7) out.push(...ld(6, Buffer.from(r.pick(['acme', '', 'globex', 'ACME', 'acme\u0000', '\u{1F4A5}']))));
    if (r.next() < 0.1) out.push(...r.pick([[...tag(7, 0), 1], [...tag(536870911, 2), 0], [...tag(9, 3)], [...tag(10, 6)], [...tag(11, 7)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [...tag(12, 2), 100]]));
    // The KMS ciphertext of a real DEK only ever travels with another tenant's name, written last (last wins).
    if (real) out.push(...ld(6, Buffer.from('globex')));
    return out;
  };
  const count = r.pick([0, 1, 1, 1, 1, 2, 17]);
  const bytes: number[] = [];
  for (let i = 0; i < count; i++) bytes.push(...ld(1, entry()));
  if (count === 0 || r.next() < 0.05) bytes.push(...r.pick([[...tag(2, 0), 5], [...tag(1, 0), 1], [...tag(1, 2), 50, 1, 2]]));
  return Buffer.from(bytes).toString('base64');
}

function badBase64(r: TRng, edek: string): string {
  const at = r.int(edek.length);
  const candidates = [
    edek.slice(0, -1),
    `${edek}=`,
    edek.replace(/=+$/, ''),
    `${edek.slice(0, at)}${r.pick([' ', '\n', '*', '-', '_', '.', '\u0000', 'é'])}${edek.slice(at)}`,
    r.pick(['====', '=AAA', 'A===', 'QQ=', 'QR==', 'Zm9v\nYmFy', 'data:;base64,Zm9v']),
    edek.toLowerCase(),
    Buffer.from(edek).toString('base64'),
    Buffer.from(edek, 'base64').toString('base64url'),
  ];
  const bad = r.pick(candidates);
  return edeks.includes(bad) || bad === globexEdek ? `${edek}!` : bad;
}

/** An EDEK string that must not open: bad base64, random bytes, forged protobuf, truncated, or another tenant's. */
function badEdek(r: TRng): string {
  const edek = r.pick(edeks);
  const bytes = Buffer.from(edek, 'base64');
  switch (r.int(5)) {
    case 0: return badBase64(r, edek);
    case 1: return r.bytes(1 + r.int(400)).toString('base64');
    case 2: return bytes.subarray(0, 1 + r.int(bytes.length - 1)).toString('base64');
    case 3: return globexEdek;
    default: return forgeEdek(r);
  }
}

// ---- the fields of each route, and what breaks each ----
type TKind = 'text' | 'tenant' | 'newTenant' | 'event' | 'edek' | 'edekItem' | 'custom' | 'millis' | 'icl' | 'customs' | 'ids' | 'edekMap';
type TField = { path: (string | number)[]; kind: TKind; required: boolean; max?: number };
const COMMON: TField[] = [
  { path: ['tenantId'], kind: 'tenant', required: true, max: 256 },
  { path: ['iclFields'], kind: 'icl', required: true },
  { path: ['iclFields', 'requestingId'], kind: 'text', required: true },
  ...['dataLabel', 'sourceIp', 'objectId', 'requestId'].map((name): TField => ({ path: ['iclFields', name], kind: 'text', required: false })),
  { path: ['customFields'], kind: 'customs', required: false },
  { path: ['customFields', 'region'], kind: 'custom', required: true },
];
const FIELDS: Record<TRoute, TField[]> = {
  'document/wrap': [...COMMON, { path: ['iclFields', 'event'], kind: 'event', required: false }],
  'document/batch-wrap': [...COMMON, { path: ['documentIds'], kind: 'ids', required: true }, { path: ['documentIds', 1], kind: 'text', required: true }],
  // Listed twice: the EDEK is what unwrap is about, so it is broken twice as often.
  'document/unwrap': [...COMMON, { path: ['encryptedDocumentKey'], kind: 'edek', required: true }, { path: ['encryptedDocumentKey'], kind: 'edek', required: true }],
  'document/batch-unwrap': [...COMMON, { path: ['edeks'], kind: 'edekMap', required: true }, { path: ['edeks', 'doc-b'], kind: 'edekItem', required: true }],
  'document/rekey': [...COMMON, { path: ['encryptedDocumentKey'], kind: 'edek', required: true }, { path: ['newTenantId'], kind: 'newTenant', required: true, max: 256 }],
  'event/security-event': [...COMMON, { path: ['iclFields', 'event'], kind: 'event', required: true }, { path: ['event'], kind: 'event', required: false }, { path: ['timestampMillis'], kind: 'millis', required: false }],
};
/** Tenants none of whose requests may succeed: unknown, look-alikes, suspended, not approving. */
const NOT_SERVING = ['nobody', 'ACME', 'acme ', ' acme', 'acme\u200b', 'ａｃｍｅ', 'acme/../globex', '%61cme', 'initech', 'umbrella'];
const BAD_TENANT: Record<TRoute, string[]> = {
  'document/wrap': [...NOT_SERVING, 'hooli', 'nopri'],
  'document/batch-wrap': [...NOT_SERVING, 'hooli', 'nopri'],
  'document/unwrap': [...NOT_SERVING, 'hooli', 'nopri', 'globex', 'quiet'],
  'document/batch-unwrap': NOT_SERVING,
  'document/rekey': [...NOT_SERVING, 'hooli', 'nopri', 'globex', 'quiet'],
  'event/security-event': [...NOT_SERVING, 'quiet'],
};
const BAD_EVENTS = ['user_login', 'LOGIN', 'USER_', 'USER_LOGIN ', 'USER_LOGIN\n', 'USER_LOGİN', `CUSTOM_${'A'.repeat(200)}`, 'CUSTOM_my_event', '', '\u0000'];
const NEST = (depth: number, array: boolean) => `\u0001nest:${depth}:${array ? 'a' : 'o'}`;

const manyIds = (n: number) => Array.from({ length: n }, (_, i) => `doc-${i}`);
/** A value of another JSON type than the field's own; with `required`, also null and deletion (undefined). */
function wrongType(r: TRng, required: boolean, own: 'string' | 'number' | 'object' | 'array'): TJson | undefined {
  const values: (TJson | undefined)[] = [true, false, NEST(r.pick([100, 10_000, 100_000]), r.next() < 0.5)];
  if (own !== 'number') values.push(r.int(1e6), -1.5, 1e300);
  if (own !== 'array') values.push([], ['x'], [1, [2]]);
  if (own !== 'object') values.push({}, { a: 'b' });
  if (own !== 'string') values.push('', 'a string');
  if (required) values.push(null, undefined);
  return r.pick(values);
}
function huge(r: TRng, max: number): string {
  return 'x'.repeat(r.pick([max + 1, max * 4, 65_536, 1_000_000]));
}

/** JSON text's own "__proto__" and "constructor" members (an object literal would set the prototype instead). */
const own = (text: string) => JSON.parse(text) as TJson;

/** A value that makes the request invalid; undefined deletes the field. */
function breakField(r: TRng, route: TRoute, field: TField): TJson | undefined {
  const max = field.max ?? 1024;
  const text = () => oneOf<TJson | undefined>(r, [() => '', () => huge(r, max), () => 'ab\u0000cd', () => '\u0000', () => wrongType(r, field.required, 'string')]);
  const map = (n: number, value: (i: number) => TJson) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));
  const edek = edeks[0] as string;
  switch (field.kind) {
    case 'text': return text();
    case 'tenant': return r.next() < 0.5 ? r.pick(BAD_TENANT[route]) : text();
    case 'newTenant': return r.next() < 0.5 ? r.pick([...NOT_SERVING, 'hooli', 'nopri']) : text();
    case 'event': return r.next() < 0.6 ? r.pick(BAD_EVENTS) : wrongType(r, field.required, 'string');
    case 'edek': return oneOf<TJson | undefined>(r, [() => badEdek(r), () => badEdek(r), () => badEdek(r), () => '', () => 'A'.repeat(16 * 1024 + 4), () => wrongType(r, true, 'string')]);
    // Deleting one item of a batch, or one custom field, would leave a valid request.
    case 'edekItem': return oneOf<TJson | undefined>(r, [() => '', () => 'A'.repeat(16 * 1024 + 4), () => wrongType(r, true, 'string') ?? null]);
    case 'custom': return r.next() < 0.3 ? huge(r, 1024) : (wrongType(r, true, 'string') ?? null);
    case 'millis': return oneOf<TJson | undefined>(r, [() => -1, () => 1.5, () => 253_402_300_800_000, () => '1765000000000', () => wrongType(r, false, 'number')]);
    case 'icl': return oneOf<TJson | undefined>(r, [() => ({}), () => own('{"__proto__":{"requestingId":"svc"}}'), () => ({ requestingid: 'svc' }), () => wrongType(r, true, 'object')]);
    case 'customs':
      return oneOf<TJson | undefined>(r, [
        () => map(33, () => 'v'),
        () => map(10_000, () => 'v'),
        () => ({ '': 'v' }),
        () => ({ ['k'.repeat(129)]: 'v' }),
        () => ({ ['k'.repeat(100_000)]: 5 }),
        () => ({ 'a\u0000b': 'v' }),
        () => map(3, (i) => i),
        () => own('{"__proto__":{"polluted":"yes"},"constructor":5}'),
        () => wrongType(r, false, 'object'),
      ]);
    case 'ids': return oneOf<TJson | undefined>(r, [() => [], () => ['a', 'a'], () => manyIds(1001), () => manyIds(10_000), () => ['__proto__', 'constructor', 5], () => wrongType(r, true, 'array')]);
    case 'edekMap':
      return oneOf<TJson | undefined>(r, [
        () => ({}),
        () => map(1001, () => edek),
        () => map(10_000, () => edek),
        () => ({ '': edek }),
        () => ({ ['k'.repeat(1025)]: edek }),
        () => ({ ['k'.repeat(100_000)]: 5 }),
        () => ({ 'a\u0000b': edek }),
        () => own(`{"__proto__":"${edek}"}`),
        () => ({ constructor: 5 }),
        () => wrongType(r, true, 'object'),
      ]);
  }
}

function baseBody(route: TRoute): Record<string, TJson> {
  const common = { tenantId: 'acme', iclFields: { requestingId: 'svc-fuzz', dataLabel: 'PII', sourceIp: '10.0.0.1', objectId: 'obj-1', requestId: 'req-1' }, customFields: { region: 'eu' } };
  const edek = edeks[0] as string;
  switch (route) {
    case 'document/wrap': return common;
    case 'document/batch-wrap': return { ...common, documentIds: ['doc-a', 'doc-b'] };
    case 'document/unwrap': return { ...common, encryptedDocumentKey: edek };
    case 'document/batch-unwrap': return { ...common, edeks: { 'doc-a': edek, 'doc-b': edeks[1] as string } };
    case 'document/rekey': return { ...common, encryptedDocumentKey: edek, newTenantId: 'globex' };
    case 'event/security-event': return { ...common, iclFields: { ...common.iclFields, event: 'USER_LOGIN' }, timestampMillis: 1_765_000_000_000 };
  }
}

/** JSON text, with deep nesting spliced in where a NEST marker stands (JSON.stringify would overflow on it). */
function serialize(body: unknown): string {
  return JSON.stringify(body).replace(/"\\u0001nest:(\d+):([ao])"/g, (_, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'a' ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  });
}

function withField(body: Record<string, TJson>, path: (string | number)[], value: TJson | undefined): Record<string, TJson> {
  const copy = structuredClone(body);
  let parent = copy as Record<string | number, TJson>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, TJson>;
  const last = path.at(-1) as string | number;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

function brokenJson(r: TRng, text: string): string {
  for (let attempt = 0; attempt < 20; attempt++) {
    const at = r.int(text.length);
    const junk = r.pick([',', ':', '{', '}', '[', ']', '"', '\\', "'", 'tru', 'nul', '0x1', '.5', 'NaN', '\u0000', '\n', '/*c*/', 'undefined']);
    const broken = r.pick([text.slice(0, at) + text.slice(at + 1), text.slice(0, at) + junk + text.slice(at), text.slice(0, at) + junk + text.slice(at + 1), `${text},`, `${text}}`, `${text}${text}`, text.replace(/"/g, "'")]);
    try {
      JSON.parse(broken);
    } catch {
      return broken;
    }
  }
  return `${text}}`;
}

const INVALID_UTF8 = [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xfe, 0xff]];

/** One malformed request for `route`, chosen and built by `r`. */
function malformed(r: TRng, route: TRoute): TCase {
  const base = baseBody(route);
  const valid = serialize(base);
  const json = (label: string, text: string | Buffer): TCase => ({ label, body: Buffer.from(text) });
  const roll = r.next();
  if (roll < 0.55) {
    const field = r.pick(FIELDS[route]);
    const value = breakField(r, route, field);
    const shown = value === undefined ? 'deleted' : typeof value === 'string' ? `string(${value.length})` : Array.isArray(value) ? `array(${value.length})` : value === null ? 'null' : typeof value;
    return json(`${field.path.join('.')} = ${shown}`, serialize(withField(base, field.path, value)));
  }
  if (roll < 0.62) return json('truncated JSON', valid.slice(0, r.int(valid.length)));
  if (roll < 0.72) return json('broken JSON', brokenJson(r, valid));
  if (roll < 0.77) {
    const at = r.int(valid.length);
    return json('non-UTF-8 bytes', Buffer.concat([Buffer.from(valid.slice(0, at)), Buffer.from(r.pick(INVALID_UTF8)), Buffer.from(valid.slice(at))]));
  }
  if (roll < 0.8) return json('random bytes', r.bytes(r.int(4096)));
  if (roll < 0.83) return json('not an object', r.pick(['null', '0', '-1', '"acme"', '[]', 'true', '{}', '""', `[${valid}]`, ' ']));
  if (roll < 0.85) return json('deeply nested body', serialize(NEST(r.pick([1000, 100_000, 500_000]), r.next() < 0.5)));
  if (roll < 0.87) return json('prototype pollution', r.pick([`{"__proto__":${valid}}`, `{"constructor":{"prototype":${valid}}}`, `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}`]));
  if (roll < 0.88) return json('UTF-16 body', Buffer.from(valid, 'utf16le'));
  if (roll < 0.93) {
    const contentType = r.pick([null, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/json-patch+json', 'text/json', 'json', 'application/ json']);
    return { label: `Content-Type ${JSON.stringify(contentType)}`, body: Buffer.from(valid), contentType };
  }
  if (roll < 0.97) {
    const key = world.apiKey;
    const authorization = r.pick([null, '', 'cmk', `cmk ${key}x`, `Bearer ${key}`, `cmk  ${key}`, `cmk ${key} extra`, `cmk ${key.slice(0, -2)}`, key, `CMK ${key}`]);
    return { label: `Authorization variant ${r.int(1e6)}`, body: Buffer.from(valid), authorization };
  }
  const method = r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
  return { label: `method ${method}`, body: Buffer.from(valid), method };
}

/** The cases of one route: fixed ones (oversize, huge batches, every truncation of an EDEK), then random up to PER_ROUTE. */
function casesFor(route: TRoute, seed: number): TCase[] {
  const r = prng(seed);
  const base = baseBody(route);
  const oversize = serialize(withField(base, ['iclFields', 'requestingId'], 'x'.repeat(2 * MIB + 1 + r.int(100_000))));
  const cases: TCase[] = [
    { label: 'body over 2 MiB', body: Buffer.from(oversize), fresh: true },
    { label: 'body over 2 MiB, chunked (no Content-Length)', body: Buffer.from(oversize), fresh: true, method: 'POST-chunked' },
    { label: 'body of 3 MiB random bytes', body: r.bytes(3 * MIB), fresh: true },
  ];
  if (route === 'document/batch-wrap') for (const n of [10_000, 10_000, 1001]) cases.push({ label: `${n}-item documentIds`, body: Buffer.from(serialize({ ...base, documentIds: manyIds(n) })) });
  if (route === 'document/batch-unwrap') for (const n of [10_000, 10_000, 1001]) cases.push({ label: `${n}-item edeks`, body: Buffer.from(serialize({ ...base, edeks: Object.fromEntries(manyIds(n).map((id, i) => [id, edeks[i % edeks.length] as string])) })) });
  if (route === 'document/unwrap' || route === 'document/rekey') {
    const edek = edeks[0] as string;
    const bytes = Buffer.from(edek, 'base64');
    for (let n = 0; n < bytes.length; n++) cases.push({ label: `EDEK truncated to ${n} bytes`, body: Buffer.from(serialize({ ...base, encryptedDocumentKey: bytes.subarray(0, n).toString('base64') })) });
    for (let n = 1; n < edek.length; n += 3) cases.push({ label: `EDEK text truncated to ${n} characters`, body: Buffer.from(serialize({ ...base, encryptedDocumentKey: edek.slice(0, n) })) });
    // Well-formed forgeries that only the KMS can refuse: the real ciphertext with one bit flipped, random ciphertexts.
    for (let i = 0; i < 40; i++) {
      const data = Buffer.from(realData);
      const at = r.int(data.length);
      if (i < 20) data[at] = (data[at] as number) ^ (1 << r.int(8));
      const forged = encodeEdek({ encryptedDekData: i < 20 ? data : r.bytes(1 + r.int(r.pick([64, 512, 6144, 8192]))), kmsConfigId: ids.acme, tenantId: 'acme' });
      cases.push({ label: i < 20 ? 'EDEK with one bit flipped' : 'EDEK with a random ciphertext', body: Buffer.from(serialize({ ...base, encryptedDocumentKey: forged })) });
    }
  }
  while (cases.length < PER_ROUTE) cases.push(malformed(r, route));
  return cases;
}

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
