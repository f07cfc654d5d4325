// Byte compatibility, both ways, with the reference product's unmodified Node
// client (@ironcorelabs/tenant-security-nodejs 4.1.3, AGPL: a devDependency
// for tests only, never imported by lib/tsc): documents, batches and streams
// encrypted by ours open with theirs and the reverse, an EDEK rekeyed by one
// opens the other's document, and both surface the same code for the same
// refusal. Both talk to our real TSP (createTsp), whose KMS is this repo's
// AWS KMS protocol double (no cloud is reachable here; lib/testing/tsp-world.ts).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DocumentMetadata, TenantSecurityClient, type TenantSecurityException } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSink, patternDigest, patternStream } from '@/lib/testing/tsc-streams';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { createTenantSecurityClient, TenantSecurityError, type TTenantSecurityClient } from '.';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Odd-sized chunks, so that no boundary falls where the format's parts do. */
const chunked = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 4099) }, (_, i) => bytes.subarray(i * 4099, (i + 1) * 4099)));
const collect = (into: Buffer[]) => new Writable({ write: (chunk: Buffer, _encoding, callback) => (into.push(chunk), callback()) });

let world: TTspWorld;
let ours: TTenantSecurityClient;
let theirs: TenantSecurityClient;
let dir: string;

const meta = (tenantId: string) => ({ tenantId, requestingId: 'svc-orders', dataLabel: 'PII', sourceIp: '10.1.2.3', objectId: 'order-42', requestId: 'req-1', customFields: { region: 'eu' } });
const theirMeta = (tenantId: string) => new DocumentMetadata(tenantId, 'svc-orders', 'PII', '10.1.2.3', 'order-42', 'req-1', { region: 'eu' });

// Empty, one byte, text, binary with every byte value, and larger than one GCM block run.
const document = {
  empty: Buffer.alloc(0),
  one: Buffer.from([0x2a]),
  title: Buffer.from('quarterly numbers — ünïcödé'),
  binary: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  large: Buffer.alloc(100_000, 'ab'),
};

const expectSame = (actual: Record<string, Buffer | undefined>, expected: Record<string, Buffer>) => {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, bytes] of Object.entries(expected)) expect(actual[name]?.equals(bytes), name).toBe(true);
};

async function theirCode(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as TenantSecurityException).errorCode;
  }
  throw new Error('expected the reference client to refuse');
}

async function ourCode(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TenantSecurityError);
  return (error as TenantSecurityError).code;
}

beforeAll(async () => {
  world = await startTspWorld({});
  ours = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true });
  theirs = new TenantSecurityClient(world.url, world.apiKey);
  dir = await mkdtemp(join(tmpdir(), 'tsc-compat-'));
}, 60_000);

afterAll(async () => {
  ours?.close();
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('documents', () => {
  it('ours → theirs: every field opens with the reference client', async () => {
    const encrypted = await ours.encryptDocument(document, meta('acme'));
    for (const [name, bytes] of Object.entries(encrypted.encryptedDocument)) expect(bytes.includes(Buffer.from('quarterly')), name).toBe(false);
    expect(theirs.isCiphertext(encrypted.encryptedDocument.title as Buffer)).toBe(true);
    const opened = await theirs.decryptDocument(encrypted, theirMeta('acme'));
    expectSame(opened.plaintextDocument, document);
  });

  it('theirs → ours: every field opens with our client', async () => {
    const encrypted = await theirs.encryptDocument(document, theirMeta('acme'));
    const opened = await ours.decryptDocument(encrypted, meta('acme'));
    expectSame(opened.plaintextDocument, document);
    expect(opened.edek).toBe(encrypted.edek);
  });

  it('rekeyed by either client, the other opens the document as the new tenant', async () => {
    const byUs = await ours.encryptDocument(document, meta('acme'));
    const edek = await theirs.rekeyEdek(byUs.edek, 'globex', theirMeta('acme'));
    expectSame((await ours.decryptDocument({ ...byUs, edek }, meta('globex'))).plaintextDocument, document);

    const byThem = await theirs.encryptDocument(document, theirMeta('acme'));
    const ourEdek = await ours.rekey(byThem.edek, 'globex', meta('acme'));
    expectSame((await theirs.decryptDocument({ ...byThem, edek: ourEdek }, theirMeta('globex'))).plaintextDocument, document);
    // And the old tenant can no longer open it with that EDEK.
    expect(await ourCode(ours.decryptDocument({ ...byThem, edek: ourEdek }, meta('acme')))).toBe(203);
  });
});

describe('batches', () => {
  const docs = { a: document, b: { only: Buffer.from('b') }, c: { note: Buffer.from('c') } };

  it('ours → theirs and theirs → ours, with a per-document failure on each side', async () => {
    const byUs = await ours.encryptDocumentBatch(docs, meta('acme'));
    expect(byUs.hasFailures).toBe(false);
    const byThem = await theirs.encryptDocumentBatch(docs, theirMeta('acme'));
    expect(byThem.hasFailures).toBe(false);

    const forged = Buffer.from('not an edek at all').toString('base64');
    const theyOpen = await theirs.decryptDocumentBatch({ ...byUs.successes, c: { ...byUs.successes.c!, edek: forged } }, theirMeta('acme'));
    expect(Object.keys(theyOpen.successes).sort()).toEqual(['a', 'b']);
    expectSame(theyOpen.successes.a!.plaintextDocument, docs.a);
    expect(theyOpen.failures.c?.errorCode).toBe(203);

    const weOpen = await ours.decryptDocumentBatch({ ...byThem.successes, c: { ...byThem.successes.c!, edek: forged } }, meta('acme'));
    expect(Object.keys(weOpen.successes).sort()).toEqual(['a', 'b']);
    expectSame(weOpen.successes.a!.plaintextDocument, docs.a);
    expectSame(weOpen.successes.b!.plaintextDocument, docs.b);
    expect(weOpen.failures.c?.code).toBe(203);
    expect(weOpen.hasSuccesses && weOpen.hasFailures).toBe(true);
  });

  it('a document that is not one fails alone (900), without failing the batch', async () => {
    const byThem = await theirs.encryptDocumentBatch(docs, theirMeta('acme'));
    const broken = { ...byThem.successes.b!, encryptedDocument: { only: Buffer.from('plain text, not a document') } };
    const opened = await ours.decryptDocumentBatch({ ...byThem.successes, b: broken }, meta('acme'));
    expect(Object.keys(opened.successes).sort()).toEqual(['a', 'c']);
    expect(opened.failures.b?.code).toBe(900);
  });

  it('more than 1 000 documents go in several calls', async () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`doc-${i}`, { n: Buffer.from(String(i)) }]));
    const encrypted = await ours.encryptDocumentBatch(many, meta('quiet'));
    expect(Object.keys(encrypted.successes)).toHaveLength(1001);
    const opened = await ours.decryptDocumentBatch(encrypted.successes, meta('quiet'));
    expect(Object.keys(opened.successes)).toHaveLength(1001);
    expect(opened.successes['doc-1000']?.plaintextDocument.n?.toString()).toBe('1000');
    expect(opened.hasFailures).toBe(false);
    // The reference sends one call per batch, which the TSP bounds at 1 000: it opens a part of them.
    const part = await theirs.decryptDocumentBatch({ first: encrypted.successes['doc-0']!, last: encrypted.successes['doc-1000']! }, theirMeta('quiet'));
    expect(part.successes.last?.plaintextDocument.n?.toString()).toBe('1000');
  });
});

describe('streams (64 MiB, through files on disk)', () => {
  const size = 64 * 1024 * 1024;
  let digest: string;
  beforeAll(async () => {
    digest = await patternDigest(size, 'compat');
  });

  it('ours → theirs', async () => {
    const file = join(dir, 'ours.enc');
    const { edek } = await ours.encryptStream(patternStream(size, 'compat'), createWriteStream(file), meta('acme'));
    expect((await stat(file)).size).toBeGreaterThan(size);
    const sink = hashSink();
    await theirs.decryptStream(edek, createReadStream(file), sink, theirMeta('acme'));
    await finished(sink);
    expect(sink.bytes()).toBe(size);
    expect(sink.digest()).toBe(digest);
  }, 60_000);

  it('theirs → ours', async () => {
    const file = join(dir, 'theirs.enc');
    const output = createWriteStream(file);
    const { edek } = await theirs.encryptStream(patternStream(size, 'compat'), output, theirMeta('acme'));
    await finished(output);
    const sink = hashSink();
    await ours.decryptStream(edek, createReadStream(file), sink, meta('acme'));
    expect(sink.bytes()).toBe(size);
    expect(sink.digest()).toBe(digest);
  }, 60_000);

  it('a document field and a stream are one format: a field opens as a stream and the reverse', async () => {
    const encrypted = await theirs.encryptDocument({ title: document.large }, theirMeta('acme'));
    const sink = hashSink();
    await ours.decryptStream(encrypted.edek, chunked(encrypted.encryptedDocument.title as Buffer), sink, meta('acme'));
    expect(sink.digest()).toBe(sha256(document.large));
    const chunks: Buffer[] = [];
    const { edek } = await ours.encryptStream(chunked(document.title), collect(chunks), meta('acme'));
    const opened = await theirs.decryptDocument({ encryptedDocument: { title: Buffer.concat(chunks) }, edek }, theirMeta('acme'));
    expect(opened.plaintextDocument.title?.equals(document.title)).toBe(true);
  });
});

describe('security events', () => {
  it('reach the tenant’s SIEM as the reference client’s do, with the metadata and the event’s time', async () => {
    await ours.logSecurityEvent('USER_LOGIN', { ...meta('acme'), requestingId: 'alice@acme', timestampMillis: 1_765_000_000_000 });
    await ours.logSecurityEvent('CUSTOM_INVOICE_EXPORTED', { tenantId: 'acme', requestingId: 'bob@acme' });
    await expect.poll(() => world.webhook.events.filter((e) => e.category === 'security_event').length, { timeout: 10_000 }).toBe(2);
    const login = world.webhook.events.find((e) => e.event === 'USER_LOGIN');
    expect(login).toMatchObject({ tenantId: 'acme', iclFields: { requestingId: 'alice@acme', sourceIp: '10.1.2.3', requestId: 'req-1' }, customFields: { region: 'eu' }, details: { timestampMillis: 1_765_000_000_000 } });
    expect(world.webhook.events.some((e) => e.event === 'CUSTOM_INVOICE_EXPORTED')).toBe(true);
  });

  it('refuses an event name the TSP would refuse, before sending it (102), and the TSP’s 301', async () => {
    expect(await ourCode(ours.logSecurityEvent('USER_LOGGED_IN' as 'USER_LOGIN', meta('acme')))).toBe(102);
    expect(await ourCode(ours.logSecurityEvent('CUSTOM_lower' as 'CUSTOM_X', meta('acme')))).toBe(102);
    expect(await ourCode(ours.logSecurityEvent('USER_LOGOUT', meta('quiet')))).toBe(301);
  });
});

describe('refusals: the same code from both clients', () => {
  it('101, 201, 200 and 203', async () => {
    const wrongKey = Buffer.from('a-wrong-key-of-sixteen+').toString('base64');
    const ourWrong = createTenantSecurityClient({ url: world.url, apiKey: wrongKey, allowInsecureHttp: true });
    const theirWrong = new TenantSecurityClient(world.url, wrongKey);
    expect(await ourCode(ourWrong.encryptDocument(document, meta('acme')))).toBe(await theirCode(theirWrong.encryptDocument(document, theirMeta('acme'))));
    ourWrong.close();
    const encrypted = await theirs.encryptDocument(document, theirMeta('acme'));
    const cases: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
      ['unknown tenant', () => ours.encryptDocument(document, meta('nobody')), () => theirs.encryptDocument(document, theirMeta('nobody'))],
      ['suspended tenant', () => ours.decryptDocument(encrypted, meta('initech')), () => theirs.decryptDocument(encrypted, theirMeta('initech'))],
      ['no primary', () => ours.encryptDocument(document, meta('nopri')), () => theirs.encryptDocument(document, theirMeta('nopri'))],
      ['another tenant’s EDEK', () => ours.decryptDocument(encrypted, meta('globex')), () => theirs.decryptDocument(encrypted, theirMeta('globex'))],
      ['a rekey to an unknown tenant', () => ours.rekey(encrypted.edek, 'nobody', meta('acme')), () => theirs.rekeyEdek(encrypted.edek, 'nobody', theirMeta('acme'))],
    ];
    const codes = [];
    for (const [name, mine, reference] of cases) {
      const [a, b] = [await ourCode(mine()), await theirCode(reference())];
      expect(a, name).toBe(b);
      codes.push(a);
    }
    expect(codes).toEqual([201, 201, 200, 203, 201]);
  });
});

