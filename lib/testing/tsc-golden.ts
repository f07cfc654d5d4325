// Makes the golden files of lib/tsc/golden/ once, with the reference
// product's own Node client (@ironcorelabs/tenant-security-nodejs, the
// devDependency; AGPL, so only this script and tests touch it): documents, a
// batch and a stream it encrypted for tenant `acme`, with what they must
// decrypt to. lib/tsc/golden.test.ts then opens them with our client, so the
// compatibility is pinned to bytes the reference wrote, not to what either
// client writes today.
//
// The EDEKs must open again later: the TSP world runs with acme's AWS KMS key
// (a key of the local AWS KMS *protocol double*, never a real AWS key) fixed
// to the id and material written to kms-key.json, which is test material
// made from a public seed and protects nothing. Re-running this script
// replaces every file; the test must then still pass.
//
//   node scripts/node.mjs lib/testing/tsc-golden.ts
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DocumentMetadata, TenantSecurityClient } from '@ironcorelabs/tenant-security-nodejs';
import { patternStream } from '@/lib/testing/tsc-streams';
import { startTspWorld } from '@/lib/testing/tsp-world';

const DIR = join(import.meta.dirname, '../tsc/golden');
const VERSION = '4.1.3';
const KEY = {
  note: 'A key of the AWS KMS protocol double in lib/testing/kms, for the golden test only: SHA-256 of a public seed. It protects nothing.',
  tenantId: 'acme',
  keyId: '6f0e3c2a-9d1b-4c8e-a5f7-0b2d4e6f8a1c',
  material: createHash('sha256').update('cmk-broker lib/tsc golden test key (public, protects nothing)').digest('base64'),
};
const STREAM = { size: 256 * 1024 + 7, seed: 'tsc-golden-stream' };

const b64 = (document: Record<string, Buffer | undefined>) => Object.fromEntries(Object.entries(document).map(([name, bytes]) => [name, (bytes as Buffer).toString('base64')]));

const documents = {
  fields: {
    empty: Buffer.alloc(0),
    text: Buffer.from('quarterly numbers — ünïcödé ✓'),
    binary: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    large: Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 31 + 7) % 251)),
  },
  batch: { first: { note: Buffer.from('first of the batch') }, second: { note: Buffer.from('second'), more: Buffer.from('and more') } },
};

const world = await startTspWorld({ kmsKeys: { acme: { keyId: KEY.keyId, material: Buffer.from(KEY.material, 'base64') } } });
try {
  const client = new TenantSecurityClient(world.url, world.apiKey);
  const meta = new DocumentMetadata('acme', 'tsc-golden', 'PII');
  const single = await client.encryptDocument(documents.fields, meta);
  const batch = await client.encryptDocumentBatch(documents.batch, meta);
  if (batch.hasFailures) throw new Error('the batch had failures');
  const chunks: Buffer[] = [];
  const output = new PassThrough();
  output.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => output.on('end', resolve));
  const stream = await client.encryptStream(patternStream(STREAM.size, STREAM.seed, 10_000), output, meta);
  await ended;
  const plaintext = Buffer.concat(await patternStream(STREAM.size, STREAM.seed).toArray());

  const golden = {
    madeBy: `@ironcorelabs/tenant-security-nodejs ${VERSION}, by lib/testing/tsc-golden.ts`,
    madeAt: new Date().toISOString().slice(0, 10),
    tenantId: 'acme',
    kmsConfigId: world.kmsConfig.acme?.kmsConfigId,
    document: { edek: single.edek, encrypted: b64(single.encryptedDocument), plaintext: b64(documents.fields) },
    batch: Object.fromEntries(
      Object.entries(batch.successes).map(([id, doc]) => [id, { edek: doc.edek, encrypted: b64(doc.encryptedDocument), plaintext: b64(documents.batch[id as keyof typeof documents.batch]) }]),
    ),
    stream: { file: 'stream.bin', edek: stream.edek, size: STREAM.size, seed: STREAM.seed, sha256: createHash('sha256').update(plaintext).digest('hex') },
  };
  await writeFile(join(DIR, 'kms-key.json'), `${JSON.stringify(KEY, null, 2)}\n`);
  await writeFile(join(DIR, 'documents.json'), `${JSON.stringify(golden, null, 2)}\n`);
  await writeFile(join(DIR, 'stream.bin'), Buffer.concat(chunks));
  console.log(`Wrote ${DIR}: kms-key.json, documents.json, stream.bin (${Buffer.concat(chunks).length} bytes).`);
} finally {
  await world.stop();
}
process.exit(0);
