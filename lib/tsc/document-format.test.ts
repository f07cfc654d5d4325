// The document format without a TSP: our writer against the reference's own
// .proto file (loaded from the reference package, independent of our
// definition), round trips of fields and streams cut at every byte, the
// refusal of each malformed part with its code, and the DEK wiped after use.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable, type Transform } from 'node:stream';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { withDek } from './documents';
import { openField, parseField, sealField } from './document-format';
import { TenantSecurityError } from './errors';
import { createDecryptTransform, createEncryptTransform } from './stream-crypto';

const PROTO = join(import.meta.dirname, '../../node_modules/@ironcorelabs/tenant-security-nodejs/proto/document_header.proto');
const dek = randomBytes(32);

function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TenantSecurityError);
    return (error as TenantSecurityError).code;
  }
  throw new Error('expected a refusal');
}

async function throughStream(transform: Transform, bytes: Buffer, chunk: number): Promise<Buffer> {
  const parts = Array.from({ length: Math.ceil(bytes.length / chunk) || 1 }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  return Buffer.concat(await Readable.from(parts).pipe(transform).toArray());
}

describe('the document format', () => {
  it('writes 0x03 "IRON", the header length, a v3DocumentHeader the reference’s .proto reads, then IV, ciphertext and tag', async () => {
    const root = await protobuf.load(PROTO);
    const V3 = root.lookupType('ironcorelabs.proto.v3DocumentHeader');
    const field = sealField(dek, 'tenant-Ω', Buffer.from('hello'));
    expect([...field.subarray(0, 5)]).toEqual([3, 0x49, 0x52, 0x4f, 0x4e]);
    const length = field.readUInt16BE(5);
    const header = V3.toObject(V3.decode(field.subarray(7, 7 + length))) as { sig: Uint8Array; saasShield: { tenantId: string } };
    expect(header.saasShield.tenantId).toBe('tenant-Ω');
    expect(header.sig).toHaveLength(28);
    expect(field.length).toBe(7 + length + 12 + 5 + 16);
  });

  it('round-trips fields of 0, 1, 15, 16, 17 and 100 000 bytes; every field gets its own IVs', () => {
    for (const size of [0, 1, 15, 16, 17, 100_000]) {
      const plaintext = randomBytes(size);
      expect(openField(dek, parseField(sealField(dek, 'acme', plaintext))).equals(plaintext), String(size)).toBe(true);
    }
    const [a, b] = [sealField(dek, 'acme', Buffer.from('same')), sealField(dek, 'acme', Buffer.from('same'))];
    expect(a.equals(b)).toBe(false);
  });

  it('a stream is the field format: it decrypts as a field, and a field decrypts as a stream cut at every byte', async () => {
    const plaintext = randomBytes(3000);
    const streamed = await throughStream(createEncryptTransform(dek, 'acme'), plaintext, 7);
    expect(openField(dek, parseField(streamed)).equals(plaintext)).toBe(true);
    const field = sealField(dek, 'acme', plaintext);
    for (const chunk of [1, 2, 13, 16, 17, 4096]) {
      const opened = await throughStream(createDecryptTransform(async () => dek), field, chunk);
      expect(opened.equals(plaintext), String(chunk)).toBe(true);
    }
    expect(openField(dek, parseField(await throughStream(createEncryptTransform(dek, 'acme'), Buffer.alloc(0), 1)))).toHaveLength(0);
  });

  it('refuses what is not a document (900) and what does not authenticate (902)', () => {
    const field = sealField(dek, 'acme', Buffer.from('hello world'));
    const length = field.readUInt16BE(5);
    expect(codeOf(() => parseField(Buffer.alloc(0)))).toBe(900);
    expect(codeOf(() => parseField(Buffer.from([2, 0x49, 0x52, 0x4f, 0x4e, 0, 0])))).toBe(900);
    expect(codeOf(() => parseField(field.subarray(0, 7 + length - 1)))).toBe(900);
    // A header naming no SaaS Shield tenant (a Data Control Platform header) is not ours to read.
    const dataControl = Buffer.concat([Buffer.from([3, 0x49, 0x52, 0x4f, 0x4e, 0, 4]), Buffer.from([0x12, 0x02, 0x0a, 0x00])]);
    expect(codeOf(() => parseField(dataControl))).toBe(900);
    expect(codeOf(() => openField(randomBytes(32), parseField(field)))).toBe(902);
    expect(codeOf(() => openField(dek, parseField(field.subarray(0, field.length - 17))))).toBe(902);
  });

  it('a streamed document without its tag, or cut in its header, is refused at its end', async () => {
    const field = sealField(dek, 'acme', Buffer.from('hello world'));
    const refusal = (bytes: Buffer) => throughStream(createDecryptTransform(async () => dek), bytes, 5).then(() => 0, (e: TenantSecurityError) => e.code);
    expect(await refusal(field.subarray(0, field.length - 1))).toBe(902);
    expect(await refusal(field.subarray(0, 10))).toBe(900);
    expect(await refusal(Buffer.alloc(0))).toBe(900);
  });

  it('withDek wipes the DEK after the work, also when the work throws', () => {
    const key = Buffer.from(randomBytes(32));
    withDek(key, (k) => sealField(k, 'acme', Buffer.from('x')));
    expect(key.every((b) => b === 0)).toBe(true);
    const other = Buffer.from(randomBytes(32));
    expect(() => withDek(other, () => openField(other, parseField(sealField(randomBytes(32), 'acme', Buffer.from('x')))))).toThrow(TenantSecurityError);
    expect(other.every((b) => b === 0)).toBe(true);
  });
});
