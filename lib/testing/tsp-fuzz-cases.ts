// The malformed requests of lib/tsp/fuzz.test.ts: a seeded PRNG, protobuf
// written by hand (so wire types, lengths and varints can be wrong), and per
// route the fields, what breaks each, and the fixed cases (oversize bodies,
// huge batches, every truncation of a real EDEK, forgeries only the KMS can
// refuse). What they are built from (real EDEKs, kmsConfigIds, the API key)
// comes from the test's world through a context read when cases are made.
import { encodeEdek } from '@/lib/tsp/edek';

export type TFuzzContext = { edeks: string[]; globexEdek: string; realData: Buffer; ids: { acme: number; globex: number; hooli: number }; apiKey: string };
export const PER_ROUTE = 2_100;
export const MIB = 1024 * 1024;
export const ROUTES = ['document/wrap', 'document/batch-wrap', 'document/unwrap', 'document/batch-unwrap', 'document/rekey', 'event/security-event'] as const;
export type TRoute = (typeof ROUTES)[number];
export type TJson = null | boolean | number | string | TJson[] | { [key: string]: TJson };
export type TCase = { label: string; body: Buffer; contentType?: string | null; authorization?: string | null; method?: string; fresh?: boolean };

/** mulberry32: small, seedable, good enough to pick mutations. */
export function prng(seed: number) {
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
export type TRng = ReturnType<typeof prng>;
export const oneOf = <T>(r: TRng, makers: (() => T)[]): T => r.pick(makers)();

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

/** Case makers over `ctx` (read when cases are made, so the test may fill it in beforeAll). */
export function createFuzzCases(ctx: TFuzzContext) {
  /** A forged EncryptedDeks: random fields, wrong wire types, bad ids; never one that should open. */
  function forgeEdek(r: TRng): string {
    const entry = (): number[] => {
      const out: number[] = [];
      const real = r.next() < 0.3;
      const data = real ? ctx.realData : oneOf(r, [() => r.bytes(r.int(300)), () => Buffer.alloc(0), () => r.bytes(8193), () => r.bytes(6200)]);
      if (r.next() < 0.9) out.push(...(r.next() < 0.1 ? [...tag(1, 0), ...varint(r.int(1e6))] : ld(1, data)));
      const id = r.pick([0, -1, -2147483648, 2147483647, 2 ** 31, 2 ** 32 + ctx.ids.acme, ctx.ids.acme, ctx.ids.acme, ctx.ids.globex, ctx.ids.hooli, r.int(1e9)]);
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
    return ctx.edeks.includes(bad) || bad === ctx.globexEdek ? `${edek}!` : bad;
  }

  /** An EDEK string that must not open: bad base64, random bytes, forged protobuf, truncated, or another tenant's. */
  function badEdek(r: TRng): string {
    const edek = r.pick(ctx.edeks);
    const bytes = Buffer.from(edek, 'base64');
    switch (r.int(5)) {
      case 0: return badBase64(r, edek);
      case 1: return r.bytes(1 + r.int(400)).toString('base64');
      case 2: return bytes.subarray(0, 1 + r.int(bytes.length - 1)).toString('base64');
      case 3: return ctx.globexEdek;
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
    const edek = ctx.edeks[0] as string;
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
    const edek = ctx.edeks[0] as string;
    switch (route) {
      case 'document/wrap': return common;
      case 'document/batch-wrap': return { ...common, documentIds: ['doc-a', 'doc-b'] };
      case 'document/unwrap': return { ...common, encryptedDocumentKey: edek };
      case 'document/batch-unwrap': return { ...common, edeks: { 'doc-a': edek, 'doc-b': ctx.edeks[1] as string } };
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
      const key = ctx.apiKey;
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
    if (route === 'document/batch-unwrap') for (const n of [10_000, 10_000, 1001]) cases.push({ label: `${n}-item edeks`, body: Buffer.from(serialize({ ...base, edeks: Object.fromEntries(manyIds(n).map((id, i) => [id, ctx.edeks[i % ctx.edeks.length] as string])) })) });
    if (route === 'document/unwrap' || route === 'document/rekey') {
      const edek = ctx.edeks[0] as string;
      const bytes = Buffer.from(edek, 'base64');
      for (let n = 0; n < bytes.length; n++) cases.push({ label: `EDEK truncated to ${n} bytes`, body: Buffer.from(serialize({ ...base, encryptedDocumentKey: bytes.subarray(0, n).toString('base64') })) });
      for (let n = 1; n < edek.length; n += 3) cases.push({ label: `EDEK text truncated to ${n} characters`, body: Buffer.from(serialize({ ...base, encryptedDocumentKey: edek.slice(0, n) })) });
      // Well-formed forgeries that only the KMS can refuse: the real ciphertext with one bit flipped, random ciphertexts.
      for (let i = 0; i < 40; i++) {
        const data = Buffer.from(ctx.realData);
        const at = r.int(data.length);
        if (i < 20) data[at] = (data[at] as number) ^ (1 << r.int(8));
        const forged = encodeEdek({ encryptedDekData: i < 20 ? data : r.bytes(1 + r.int(r.pick([64, 512, 6144, 8192]))), kmsConfigId: ctx.ids.acme, tenantId: 'acme' });
        cases.push({ label: i < 20 ? 'EDEK with one bit flipped' : 'EDEK with a random ciphertext', body: Buffer.from(serialize({ ...base, encryptedDocumentKey: forged })) });
      }
    }
    while (cases.length < PER_ROUTE) cases.push(malformed(r, route));
    return cases;
  }

  return { casesFor, malformed, badEdek, forgeEdek, own };
}
