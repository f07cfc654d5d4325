// The EDEK: what the application stores beside its ciphertext and sends back
// to unwrap. The reference's protobuf layout (TSP.md "EDEK"), base64:
//   package ironcorelabs.proto.cmk;
//   message EncryptedDek  { bytes encryptedDekData = 1; int32 kmsConfigId = 2; int32 leasedKeyId = 3;
//                           bytes leasedKeyIv = 4; bytes encryptedLeasedKeyData = 5; string tenantId = 6; }
//   message EncryptedDeks { repeated EncryptedDek encryptedDeks = 1; }
// Ours hold one EncryptedDek: the KMS's ciphertext of the DEK, the signed
// kmsConfigId of the configuration that wrapped it, and the tenant id. With a
// leased key (lib/tsp/lease.ts), field 1 is the DEK under the leased key
// (AES-256-GCM, ciphertext ‖ tag), field 3 the leased key's id, field 4 the IV
// and field 5 the leased key as an EncryptedDeks of one entry wrapped by the
// KMS.
// Decoding is strict: an EDEK is attacker-controlled input until it opens.
import protobuf from 'protobufjs';
import { TspError } from './errors';

const root = protobuf.parse(`
syntax = "proto3";
package ironcorelabs.proto.cmk;
message EncryptedDek {
  bytes encryptedDekData = 1;
  int32 kmsConfigId = 2;
  int32 leasedKeyId = 3;
  bytes leasedKeyIv = 4;
  bytes encryptedLeasedKeyData = 5;
  string tenantId = 6;
}
message EncryptedDeks { repeated EncryptedDek encryptedDeks = 1; }
`).root;

const EncryptedDeks = root.lookupType('ironcorelabs.proto.cmk.EncryptedDeks');

export type TEncryptedDek = {
  encryptedDekData: Uint8Array;
  kmsConfigId: number;
  leasedKeyId: number;
  leasedKeyIv: Uint8Array;
  encryptedLeasedKeyData: Uint8Array;
  tenantId: string;
};

/** A KMS ciphertext of a 32-byte DEK is far below this in every KMS we speak to. */
const MAX_DEK_DATA = 8 * 1024;
const MAX_ENTRIES = 16;

const invalid = (message: string) => new TspError('invalid_edek', `The EDEK is not valid: ${message}`);

/** Canonical standard base64 only: anything that does not round-trip is refused, not repaired. */
export function decodeBase64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw invalid(`${what} is not base64.`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) throw invalid(`${what} is not canonical base64.`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

type TEdekInput = { encryptedDekData: Uint8Array; kmsConfigId: number; tenantId: string } & Partial<Pick<TEncryptedDek, 'leasedKeyId' | 'leasedKeyIv' | 'encryptedLeasedKeyData'>>;

/** One EncryptedDek in an EncryptedDeks message, as bytes. */
export function encodeEdekBytes(entry: TEdekInput): Uint8Array {
  const message = EncryptedDeks.fromObject({ encryptedDeks: [entry] });
  return EncryptedDeks.encode(message).finish();
}

export function encodeEdek(entry: TEdekInput): string {
  return Buffer.from(encodeEdekBytes(entry)).toString('base64');
}

/** Decodes and checks an EDEK's shape; which entry to use, and the tenant binding, is the caller's (unwrap). */
export function decodeEdek(base64: string): TEncryptedDek[] {
  return decodeEdekBytes(decodeBase64(base64, 'the EDEK'), 'the EDEK');
}

/** decodeEdek for bytes: an EDEK, or the KMS-wrapped leased key inside a leased one (field 5), named `what` in errors. */
export function decodeEdekBytes(bytes: Uint8Array, what: string): TEncryptedDek[] {
  if (bytes.length === 0) throw invalid(`${what === 'the EDEK' ? 'it' : what} is empty.`);
  let decoded: protobuf.Message;
  try {
    decoded = EncryptedDeks.decode(bytes);
  } catch {
    throw invalid(`${what === 'the EDEK' ? 'it' : what} is not an EncryptedDeks protobuf (truncated or damaged).`);
  }
  const plain = EncryptedDeks.toObject(decoded, { defaults: true, bytes: Array, longs: Number }) as { encryptedDeks: Record<string, unknown>[] };
  const entries = plain.encryptedDeks;
  if (entries.length === 0) throw invalid('it holds no encrypted key.');
  if (entries.length > MAX_ENTRIES) throw invalid(`it holds more than ${MAX_ENTRIES} encrypted keys.`);
  return entries.map((e) => {
    const entry: TEncryptedDek = {
      encryptedDekData: Uint8Array.from(e.encryptedDekData as number[]),
      kmsConfigId: e.kmsConfigId as number,
      leasedKeyId: e.leasedKeyId as number,
      leasedKeyIv: Uint8Array.from(e.leasedKeyIv as number[]),
      encryptedLeasedKeyData: Uint8Array.from(e.encryptedLeasedKeyData as number[]),
      tenantId: e.tenantId as string,
    };
    if (entry.kmsConfigId <= 0) throw invalid('it names no KMS configuration (kmsConfigId must be positive).');
    if (entry.encryptedDekData.length === 0) throw invalid('its encrypted key is empty.');
    if (entry.encryptedDekData.length > MAX_DEK_DATA) throw invalid('its encrypted key is too long.');
    if (entry.leasedKeyId < 0) throw invalid('its leased key id is negative.');
    if (entry.encryptedLeasedKeyData.length > MAX_DEK_DATA + 256) throw invalid('its leased key is too long.');
    if (entry.leasedKeyId === 0 && (entry.leasedKeyIv.length > 0 || entry.encryptedLeasedKeyData.length > 0)) throw invalid('it holds leased-key fields without a leased key id.');
    return entry;
  });
}
