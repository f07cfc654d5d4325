// The reference's encrypted-document bytes (TSP.md, last section), written and
// read here so that a document moves between the reference client and ours
// with no re-encryption:
//   0x03 ‖ "IRON" ‖ u16 BE header length ‖ v3DocumentHeader ‖ IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
// The header (package ironcorelabs.proto) names the tenant and carries `sig`:
// the IV and tag of an AES-256-GCM encryption of the encoded SaaSShieldHeader
// under the document's DEK, so that a header (or a DEK) that is not this
// document's is refused before any plaintext is produced. A header length of
// 0 means no header (nothing to check but the GCM tag). Reading is strict:
// the bytes are attacker-controlled until the tag checks out.
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import protobuf from 'protobufjs';
import { decryptFailed, invalidDocument } from './errors';

const root = protobuf.parse(`
syntax = "proto3";
package ironcorelabs.proto;
message DataControlPlatformHeader { string document_id = 1; uint64 segment_id = 2; }
message SaaSShieldHeader { string tenant_id = 1; }
message v3DocumentHeader {
  bytes sig = 1;
  oneof header { DataControlPlatformHeader data_control = 2; SaaSShieldHeader saas_shield = 3; }
}
`).root;
const V3DocumentHeader = root.lookupType('ironcorelabs.proto.v3DocumentHeader');
const SaaSShieldHeader = root.lookupType('ironcorelabs.proto.SaaSShieldHeader');

export const VERSION = 0x03;
export const MAGIC = Buffer.from('IRON', 'ascii');
/** Version, magic and the header length. */
export const PREFIX_BYTES = 7;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const DEK_BYTES = 32;
const SIG_BYTES = IV_BYTES + TAG_BYTES;

/** Where the random bytes come from; tests give fixed ones to compare bytes with a recorded document. */
export type TRandom = (size: number) => Buffer;

/** A parsed header: the tenant it names and its signature, or none (header length 0). */
export type TDocumentHeader = { tenantId: string; sig: Buffer } | undefined;

function gcmTag(dek: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', dek, iv);
  cipher.update(data);
  cipher.final();
  return cipher.getAuthTag();
}

/** Prefix and header for `tenantId`, signed under `dek`. */
export function encodeHeader(dek: Uint8Array, tenantId: string, random: TRandom = randomBytes): Buffer {
  const shield = { tenantId };
  const sigIv = random(IV_BYTES);
  const sig = Buffer.concat([sigIv, gcmTag(dek, sigIv, SaaSShieldHeader.encode(SaaSShieldHeader.fromObject(shield)).finish())]);
  const header = V3DocumentHeader.encode(V3DocumentHeader.fromObject({ sig, saasShield: shield })).finish();
  if (header.length > 0xffff) throw new RangeError('The tenant id is too long for a document header.');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix[0] = VERSION;
  MAGIC.copy(prefix, 1);
  prefix.writeUInt16BE(header.length, 5);
  return Buffer.concat([prefix, header]);
}

/** The header length the prefix announces; 900 unless `bytes` starts like a document. */
export function readPrefix(bytes: Uint8Array): number {
  if (bytes.length < PREFIX_BYTES || bytes[0] !== VERSION || !MAGIC.equals(bytes.subarray(1, 5))) throw invalidDocument('it does not start with the version 3 "IRON" prefix.');
  return ((bytes[5] as number) << 8) | (bytes[6] as number);
}

export function decodeHeader(bytes: Uint8Array): TDocumentHeader {
  if (bytes.length === 0) return undefined;
  let decoded: { sig?: Uint8Array; saasShield?: { tenantId?: string } };
  try {
    decoded = V3DocumentHeader.toObject(V3DocumentHeader.decode(bytes), { defaults: false }) as typeof decoded;
  } catch {
    throw invalidDocument('its header is not a v3DocumentHeader protobuf.');
  }
  if (!decoded.saasShield) throw invalidDocument('its header is not a SaaS Shield header.');
  if (!decoded.sig || decoded.sig.length !== SIG_BYTES) throw invalidDocument(`its header signature is not ${SIG_BYTES} bytes.`);
  return { tenantId: decoded.saasShield.tenantId ?? '', sig: Buffer.from(decoded.sig) };
}

/** 902 unless the header was signed under `dek`: another document's DEK, or a changed header, stops here. */
export function verifyHeader(dek: Uint8Array, header: TDocumentHeader): void {
  if (!header) return;
  const iv = header.sig.subarray(0, IV_BYTES);
  const expected = gcmTag(dek, iv, SaaSShieldHeader.encode(SaaSShieldHeader.fromObject({ tenantId: header.tenantId })).finish());
  if (!timingSafeEqual(expected, header.sig.subarray(IV_BYTES))) throw decryptFailed('its header was not signed with this document key (the header or the EDEK is not this document’s).');
}

/** A field split into its header and its IV ‖ ciphertext ‖ tag; nothing is checked that needs the DEK. */
export type TParsedField = { header: TDocumentHeader; body: Uint8Array };

export function parseField(bytes: Uint8Array): TParsedField {
  const headerLength = readPrefix(bytes);
  if (bytes.length < PREFIX_BYTES + headerLength) throw invalidDocument('it is shorter than its header.');
  return { header: decodeHeader(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)), body: bytes.subarray(PREFIX_BYTES + headerLength) };
}

export function sealField(dek: Uint8Array, tenantId: string, plaintext: Uint8Array, random: TRandom = randomBytes): Buffer {
  const prefix = encodeHeader(dek, tenantId, random);
  const iv = random(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dek, iv);
  return Buffer.concat([prefix, iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

export function openField(dek: Uint8Array, field: TParsedField): Buffer {
  verifyHeader(dek, field.header);
  const { body } = field;
  // The reference answers a body too short for an IV and a tag as a failed decryption (902), not 900.
  if (body.length < IV_BYTES + TAG_BYTES) throw decryptFailed('it is too short to hold an IV and a tag.');
  const decipher = createDecipheriv('aes-256-gcm', dek, body.subarray(0, IV_BYTES));
  decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
  const opened = decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES));
  try {
    const last = decipher.final();
    return last.length === 0 ? opened : Buffer.concat([opened, last]);
  } catch {
    opened.fill(0);
    throw decryptFailed('the authentication tag does not match (the document was changed, or the key is not its key).');
  }
}
