import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeEdek, encodeEdek } from './edek';
import { TspError } from './errors';

// The layout written out independently of edek.ts, with protobufjs's reflection API: the two must agree.
const EncryptedDek = new protobuf.Type('EncryptedDek')
  .add(new protobuf.Field('encryptedDekData', 1, 'bytes'))
  .add(new protobuf.Field('kmsConfigId', 2, 'int32'))
  .add(new protobuf.Field('leasedKeyId', 3, 'int32'))
  .add(new protobuf.Field('leasedKeyIv', 4, 'bytes'))
  .add(new protobuf.Field('encryptedLeasedKeyData', 5, 'bytes'))
  .add(new protobuf.Field('tenantId', 6, 'string'));
const EncryptedDeks = new protobuf.Type('EncryptedDeks').add(new protobuf.Field('encryptedDeks', 1, 'EncryptedDek', 'repeated'));
new protobuf.Root().define('ironcorelabs.proto.cmk').add(EncryptedDek).add(EncryptedDeks);

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TspError);
    return (error as TspError).code;
  }
  throw new Error('expected a refusal');
};

describe('EDEK codec', () => {
  it('writes the reference layout: one EncryptedDek with the KMS ciphertext, kmsConfigId and tenant', () => {
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    const edek = encodeEdek({ encryptedDekData: data, kmsConfigId: 3, tenantId: 'acme' });
    const decoded = EncryptedDeks.toObject(EncryptedDeks.decode(Buffer.from(edek, 'base64')), { defaults: true }) as { encryptedDeks: { encryptedDekData: Uint8Array; kmsConfigId: number; leasedKeyId: number; tenantId: string }[] };
    expect(decoded.encryptedDeks).toHaveLength(1);
    expect(Buffer.from(decoded.encryptedDeks[0]!.encryptedDekData)).toEqual(Buffer.from(data));
    expect(decoded.encryptedDeks[0]).toMatchObject({ kmsConfigId: 3, leasedKeyId: 0, tenantId: 'acme' });
    expect(decodeEdek(edek)[0]).toMatchObject({ kmsConfigId: 3, tenantId: 'acme', leasedKeyId: 0 });
  });

  it('reads an EDEK another implementation wrote, with several entries', () => {
    const message = EncryptedDeks.create({ encryptedDeks: [EncryptedDek.create({ encryptedDekData: Buffer.from('a'.repeat(20)), kmsConfigId: 7 }), EncryptedDek.create({ encryptedDekData: Buffer.from('b'.repeat(20)), kmsConfigId: 9, tenantId: 'globex' })] });
    const entries = decodeEdek(Buffer.from(EncryptedDeks.encode(message).finish()).toString('base64'));
    expect(entries.map((e) => [e.kmsConfigId, e.tenantId])).toEqual([[7, ''], [9, 'globex']]);
  });

  it('refuses what is not an EDEK with 203', () => {
    const good = encodeEdek({ encryptedDekData: new Uint8Array(30).fill(1), kmsConfigId: 1, tenantId: 'acme' });
    for (const bad of ['', 'not base64!', 'AAA', `${good}=`, 'YWJjZA', Buffer.from(good, 'base64').subarray(0, 10).toString('base64'), Buffer.from([0xff, 0xff, 0xff]).toString('base64')]) {
      expect(refusal(() => decodeEdek(bad)), JSON.stringify(bad)).toBe(203);
    }
    const zero = EncryptedDeks.encode(EncryptedDeks.create({ encryptedDeks: [EncryptedDek.create({ encryptedDekData: Buffer.from('x'.repeat(20)), kmsConfigId: 0 })] })).finish();
    expect(refusal(() => decodeEdek(Buffer.from(zero).toString('base64')))).toBe(203);
    const empty = EncryptedDeks.encode(EncryptedDeks.create({ encryptedDeks: [] })).finish();
    expect(refusal(() => decodeEdek(Buffer.from(empty).toString('base64') || 'AA=='))).toBe(203);
    const negative = EncryptedDeks.encode(EncryptedDeks.create({ encryptedDeks: [EncryptedDek.create({ encryptedDekData: Buffer.from('x'.repeat(20)), kmsConfigId: -5 })] })).finish();
    expect(refusal(() => decodeEdek(Buffer.from(negative).toString('base64')))).toBe(203);
  });
});
