// No DEK, plaintext, EDEK or API key reaches an error or a log line of the
// client. Every kind of refusal is provoked — tampered documents and
// streams, another document's or tenant's EDEK, a wrong API key, metadata
// and fields that do not parse (holding the plaintext canary), an
// unreachable TSP, batch failures, a rejected security event — and each
// error is scanned as a caller would see it (message, stack, util.inspect
// with its cause, JSON), with everything written to the console or stdout
// and stderr meanwhile, for every spelling (text, base64, hex) of every
// canary. The TSP is the real one; its KMS the AWS KMS protocol double.
import { inspect } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatFindings, scanForSecrets, type Canary } from '@/lib/testing/secret-scan';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { decodeEdek } from '@/lib/tsp';
import { createTenantSecurityClient, TenantSecurityError, type TEncryptedDocument, type TTenantSecurityClient } from '.';

const PLAINTEXT = 'canary-plaintext-7d41c9e2a8 the tenant’s secret';
const WRONG_KEY = Buffer.from('canary-wrong-api-key-3f9b0c').toString('base64');

let world: TTspWorld;
let tsc: TTenantSecurityClient;
const meta = (tenantId = 'acme') => ({ tenantId, requestingId: 'svc-canary' });
const canaries: Canary[] = [{ label: 'plaintext', value: PLAINTEXT }];

async function dekOf(edek: string): Promise<Uint8Array> {
  const response = await fetch(`${world.url}/api/1/document/unwrap`, {
    method: 'POST',
    headers: { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...{ tenantId: decodeEdek(edek)[0]?.tenantId, iclFields: { requestingId: 'test' } }, encryptedDocumentKey: edek }),
  });
  return Buffer.from(((await response.json()) as { dek: string }).dek, 'base64');
}

async function remember(document: TEncryptedDocument): Promise<TEncryptedDocument> {
  canaries.push({ label: 'a DEK', value: await dekOf(document.edek) }, { label: 'an EDEK', value: document.edek }, { label: 'EDEK key material', value: decodeEdek(document.edek)[0]!.encryptedDekData });
  return document;
}

beforeAll(async () => {
  world = await startTspWorld({});
  tsc = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true, retryBaseMs: 1 });
  canaries.push({ label: 'API key', value: world.apiKey }, { label: 'wrong API key', value: WRONG_KEY });
}, 60_000);

afterAll(async () => {
  tsc?.close();
  await world?.stop();
});

describe('secrets in errors and logs', () => {
  it('no canary in any error, in the client object or in anything written meanwhile', async () => {
    const written: string[] = [];
    const spies = [
      ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((level) => vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(inspect(args)))),
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (written.push(String(chunk)), true)),
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (written.push(String(chunk)), true)),
    ];
    const errors: unknown[] = [];
    const refuse = async (promise: Promise<unknown>) => errors.push(await promise.then(() => new Error('expected a refusal'), (e: unknown) => e));
    try {
      const doc = await remember(await tsc.encryptDocument({ body: Buffer.from(PLAINTEXT) }, meta()));
      const other = await remember(await tsc.encryptDocument({ body: Buffer.from(PLAINTEXT) }, meta()));
      const globex = await remember(await tsc.encryptDocument({ body: Buffer.from(PLAINTEXT) }, meta('globex')));
      const field = doc.encryptedDocument.body as Buffer;
      const flipped = (at: number) => ({ ...doc, encryptedDocument: { body: Buffer.from(field.map((b, i) => (i === at ? b ^ 1 : b))) } });

      await refuse(tsc.decryptDocument(flipped(field.length - 1), meta())); // tag: 902
      await refuse(tsc.decryptDocument(flipped(12), meta())); // header signature: 902
      await refuse(tsc.decryptDocument({ ...doc, edek: other.edek }, meta())); // another document's DEK: 902
      await refuse(tsc.decryptDocument({ ...doc, edek: globex.edek }, meta())); // another tenant's EDEK: 203
      await refuse(tsc.decryptDocument({ ...doc, encryptedDocument: { body: Buffer.from(PLAINTEXT) } }, meta())); // 900
      await refuse(tsc.encryptDocument({ body: PLAINTEXT as unknown as Buffer }, meta())); // a field that is not bytes: 102
      await refuse(tsc.encryptDocument({ body: Buffer.from(PLAINTEXT) }, { ...meta(), customFields: { note: PLAINTEXT.repeat(40) } })); // 102
      await refuse(tsc.encryptDocument({ body: Buffer.from(PLAINTEXT) }, { ...meta(), requestingId: `${PLAINTEXT}\u0000` })); // 102
      await refuse(tsc.logSecurityEvent(`CUSTOM_${PLAINTEXT}` as 'CUSTOM_X', meta())); // 102
      await refuse(tsc.logSecurityEvent('USER_LOGIN', meta('quiet'))); // 301
      await refuse(tsc.rekey(doc.edek, 'nobody', meta())); // 201
      const wrong = createTenantSecurityClient({ url: world.url, apiKey: WRONG_KEY, allowInsecureHttp: true });
      await refuse(wrong.decryptDocument(doc, meta())); // 101
      wrong.close();
      const away = createTenantSecurityClient({ url: 'http://127.0.0.1:9', apiKey: world.apiKey, allowInsecureHttp: true, maxRetries: 1, retryBaseMs: 1 });
      await refuse(away.decryptDocument(doc, meta())); // 0, with the network error as its cause
      errors.push(inspect(away, { depth: 5 }), inspect(tsc, { depth: 5 }));
      away.close();
      const batch = await tsc.decryptDocumentBatch({ a: doc, b: { ...doc, edek: globex.edek }, c: flipped(field.length - 1), d: { ...doc, encryptedDocument: { body: Buffer.from(PLAINTEXT) } } }, meta());
      expect(Object.keys(batch.failures).sort()).toEqual(['b', 'c', 'd']);
      errors.push(...['b', 'c', 'd'].map((id) => batch.failures[id]));
      const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
      await refuse(tsc.decryptStream(doc.edek, Readable.from([flipped(field.length - 1).encryptedDocument.body]), sink, meta())); // 902
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }

    const refusals = errors.filter((e): e is TenantSecurityError => e instanceof TenantSecurityError);
    expect(refusals.map((e) => e.code)).toEqual([902, 902, 902, 203, 900, 102, 102, 102, 102, 301, 201, 101, 0, 203, 902, 900, 902]);
    const records = errors.flatMap((error, i) =>
      typeof error === 'string'
        ? [{ where: `inspected client ${i}`, value: error }]
        : [
            { where: `error ${i} message`, value: String(error) },
            { where: `error ${i} stack`, value: (error as Error).stack },
            { where: `error ${i} inspected`, value: inspect(error, { depth: 10 }) },
            { where: `error ${i} JSON`, value: JSON.stringify(error) },
          ],
    );
    records.push(...written.map((value, i) => ({ where: `written ${i}`, value })));
    const report = scanForSecrets(records, canaries);
    expect(report.findings, formatFindings(report.findings)).toEqual([]);
    expect(report.stats.values).toBe(records.length);
    // The scan can fail: the same scan finds a DEK and the API key where they are.
    const control = scanForSecrets([{ where: 'control', value: `dek ${Buffer.from(canaries.find((c) => c.label === 'a DEK')!.value as Uint8Array).toString('base64')} key ${world.apiKey}` }], canaries);
    expect(control.findings.map((f) => f.reason).join()).toMatch(/a DEK.*API key|API key.*a DEK/);
  });
});
