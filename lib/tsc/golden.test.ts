// The golden files (lib/tsc/golden/, made once by lib/testing/tsc-golden.ts with
// the reference product's Node client 4.1.3): a document of several fields,
// a batch and a stream it encrypted. Our client must open each to the
// recorded plaintext, and, given the same DEK and the IVs read from them,
// our writer must produce the very same bytes. The EDEKs open because the
// TSP world's AWS KMS protocol double (no cloud is reachable here) gets
// acme's key with the recorded id and material (golden/kms-key.json, test
// material from a public seed); the TSP is the real one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DocumentMetadata, TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSink, patternStream } from '@/lib/testing/tsc-streams';
import { startTspWorld, type TTspWorld } from '@/lib/testing/tsp-world';
import { createTenantSecurityClient, type TTenantSecurityClient } from '.';
import { sealField } from './document-format';
import { createEncryptTransform } from './stream-crypto';

type TGoldenDocument = { edek: string; encrypted: Record<string, string>; plaintext: Record<string, string> };
type TGolden = {
  tenantId: string;
  kmsConfigId: number;
  document: TGoldenDocument;
  batch: Record<string, TGoldenDocument>;
  stream: { file: string; edek: string; size: number; seed: string; sha256: string };
};

const DIR = join(import.meta.dirname, 'golden');
const golden = JSON.parse(readFileSync(join(DIR, 'documents.json'), 'utf8')) as TGolden;
const key = JSON.parse(readFileSync(join(DIR, 'kms-key.json'), 'utf8')) as { keyId: string; material: string };
const streamBytes = readFileSync(join(DIR, golden.stream.file));

const bytesOf = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
const encryptedOf = (doc: TGoldenDocument) => ({ edek: doc.edek, encryptedDocument: bytesOf(doc.encrypted) });
const meta = { tenantId: 'acme', requestingId: 'tsc-golden-test' };

let world: TTspWorld;
let ours: TTenantSecurityClient;

async function dekOf(edek: string): Promise<Buffer> {
  const response = await fetch(`${world.url}/api/1/document/unwrap`, {
    method: 'POST',
    headers: { authorization: `cmk ${world.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 'acme', iclFields: { requestingId: 'tsc-golden-test' }, encryptedDocumentKey: edek }),
  });
  expect(response.status).toBe(200);
  return Buffer.from(((await response.json()) as { dek: string }).dek, 'base64');
}

/** Hands out the recorded IVs in the order the writer asks for them: the header signature's, then the body's. */
function replay(ivs: Buffer[]): (size: number) => Buffer {
  return (size) => {
    const iv = ivs.shift();
    expect(iv?.length).toBe(size);
    return iv as Buffer;
  };
}

/** The signature IV (in the header) and the body IV of a field or stream. */
function ivsOf(bytes: Buffer): Buffer[] {
  const headerLength = bytes.readUInt16BE(5);
  return [bytes.subarray(7 + 2, 7 + 2 + 12), bytes.subarray(7 + headerLength, 7 + headerLength + 12)];
}

beforeAll(async () => {
  world = await startTspWorld({ kmsKeys: { acme: { keyId: key.keyId, material: Buffer.from(key.material, 'base64') } } });
  ours = createTenantSecurityClient({ url: world.url, apiKey: world.apiKey, allowInsecureHttp: true });
}, 60_000);

afterAll(async () => {
  ours?.close();
  await world?.stop();
});

describe('golden files written by the reference client', () => {
  it('name the configuration the world gives acme (kmsConfigId) and the tenant', () => {
    expect(golden.tenantId).toBe('acme');
    expect(world.kmsConfig.acme?.kmsConfigId).toBe(golden.kmsConfigId);
    expect(Object.keys(golden.document.encrypted).sort()).toEqual(['binary', 'empty', 'large', 'text']);
  });

  it('the document opens with our client to the recorded plaintext', async () => {
    const opened = await ours.decryptDocument(encryptedOf(golden.document), meta);
    expect(Object.fromEntries(Object.entries(opened.plaintextDocument).map(([name, bytes]) => [name, bytes.toString('base64')]))).toEqual(golden.document.plaintext);
  });

  it('the batch opens with our client, each document to its plaintext', async () => {
    const opened = await ours.decryptDocumentBatch(Object.fromEntries(Object.entries(golden.batch).map(([id, doc]) => [id, encryptedOf(doc)])), meta);
    expect(opened.hasFailures).toBe(false);
    for (const [id, doc] of Object.entries(golden.batch)) {
      expect(Object.fromEntries(Object.entries(opened.successes[id]!.plaintextDocument).map(([name, bytes]) => [name, bytes.toString('base64')])), id).toEqual(doc.plaintext);
    }
  });

  it('the stream opens with our client, in small chunks, to the recorded digest', async () => {
    const sink = hashSink();
    const chunks = Array.from({ length: Math.ceil(streamBytes.length / 1000) }, (_, i) => streamBytes.subarray(i * 1000, (i + 1) * 1000));
    await ours.decryptStream(golden.stream.edek, Readable.from(chunks), sink, meta);
    expect(sink.bytes()).toBe(golden.stream.size);
    expect(sink.digest()).toBe(golden.stream.sha256);
  });

  it('with the same DEK and IVs, our writer produces the reference’s bytes exactly: every field and the stream', async () => {
    for (const doc of [golden.document, ...Object.values(golden.batch)]) {
      const dek = await dekOf(doc.edek);
      for (const [name, b64] of Object.entries(doc.encrypted)) {
        const recorded = Buffer.from(b64, 'base64');
        const written = sealField(dek, 'acme', Buffer.from(doc.plaintext[name] as string, 'base64'), replay(ivsOf(recorded)));
        expect(written.equals(recorded), name).toBe(true);
      }
    }
    const dek = await dekOf(golden.stream.edek);
    const written = Buffer.concat(await patternStream(golden.stream.size, golden.stream.seed, 4096).pipe(createEncryptTransform(dek, 'acme', replay(ivsOf(streamBytes)))).toArray());
    expect(written.equals(streamBytes)).toBe(true);
  });

  it('the reference client still opens its own golden document (the files are sound)', async () => {
    const theirs = new TenantSecurityClient(world.url, world.apiKey);
    const opened = await theirs.decryptDocument(encryptedOf(golden.document), new DocumentMetadata('acme', 'tsc-golden-test'));
    expect(opened.plaintextDocument.text?.toString('base64')).toBe(golden.document.plaintext.text);
  });
});
