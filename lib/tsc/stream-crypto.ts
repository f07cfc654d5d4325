// Streaming encryption in the reference's stream layout: the same prefix and
// signed header as a field, then the IV, the ciphertext as it is produced,
// and the tag at the very end. Memory stays bounded by the streams'
// high-water marks: the encrypting side holds nothing, the decrypting side
// holds the header (≤ 64 KiB) until the key is known and then only the last
// 16 bytes, which may be the tag. Decrypted bytes flow out before the tag is
// checked at the end (the nature of a stream): a stream that fails must be
// thrown away by the caller, as the promise's rejection says.
import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform } from 'node:stream';
import { decryptFailed, invalidDocument } from './errors';
import { decodeHeader, encodeHeader, IV_BYTES, PREFIX_BYTES, readPrefix, TAG_BYTES, verifyHeader, type TDocumentHeader, type TRandom } from './document-format';

const asBuffer = (chunk: unknown): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));

export function createEncryptTransform(dek: Uint8Array, tenantId: string, random: TRandom = randomBytes): Transform {
  const prefix = encodeHeader(dek, tenantId, random);
  const iv = random(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dek, iv);
  let started = false;
  const start = (stream: Transform) => {
    if (started) return;
    started = true;
    stream.push(Buffer.concat([prefix, iv]));
  };
  return new Transform({
    transform(chunk, _encoding, callback) {
      start(this);
      callback(null, cipher.update(asBuffer(chunk)));
    },
    flush(callback) {
      start(this);
      this.push(cipher.final());
      callback(null, cipher.getAuthTag());
    },
  });
}

/**
 * `openKey` is called once, with the parsed header, before any ciphertext is
 * read: a stream that is not a document is refused (900) without a key use.
 */
export function createDecryptTransform(openKey: (header: TDocumentHeader) => Promise<Uint8Array>): Transform {
  let pending: Buffer = Buffer.alloc(0);
  let headerLength: number | undefined;
  let header: { parsed: TDocumentHeader } | undefined;
  let decipher: DecipherGCM | undefined;
  let tail: Buffer = Buffer.alloc(0);

  /** The plaintext this chunk releases (none until the key is known). */
  async function take(chunk: Buffer): Promise<Buffer[]> {
    if (decipher) {
      // Hold back the last TAG_BYTES: they may be the tag. A large chunk is not copied, only its last bytes.
      if (chunk.length < TAG_BYTES) {
        const data = Buffer.concat([tail, chunk]);
        tail = Buffer.from(data.subarray(Math.max(0, data.length - TAG_BYTES)));
        return data.length > TAG_BYTES ? [decipher.update(data.subarray(0, data.length - TAG_BYTES))] : [];
      }
      const released = [decipher.update(tail), decipher.update(chunk.subarray(0, chunk.length - TAG_BYTES))];
      tail = Buffer.from(chunk.subarray(chunk.length - TAG_BYTES));
      return released;
    }
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (headerLength === undefined) {
      if (pending.length < PREFIX_BYTES) return [];
      headerLength = readPrefix(pending);
    }
    if (header === undefined) {
      if (pending.length < PREFIX_BYTES + headerLength) return [];
      header = { parsed: decodeHeader(pending.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)) };
    }
    if (pending.length < PREFIX_BYTES + headerLength + IV_BYTES) return [];
    const dek = await openKey(header.parsed);
    verifyHeader(dek, header.parsed);
    const ivEnd = PREFIX_BYTES + headerLength + IV_BYTES;
    decipher = createDecipheriv('aes-256-gcm', dek, pending.subarray(PREFIX_BYTES + headerLength, ivEnd));
    const rest = pending.subarray(ivEnd);
    pending = Buffer.alloc(0);
    return rest.length === 0 ? [] : take(Buffer.from(rest));
  }

  return new Transform({
    transform(chunk, _encoding, callback) {
      take(asBuffer(chunk)).then((released) => {
        for (const part of released) if (part.length > 0) this.push(part);
        callback();
      }, callback);
    },
    flush(callback) {
      if (!decipher) {
        // As for a field: no complete prefix is not a document (900); a header without its IV and tag is a failed decryption (902).
        if (headerLength === undefined) return callback(invalidDocument('the stream ended before its prefix.'));
        if (pending.length < PREFIX_BYTES + headerLength) return callback(invalidDocument('the stream is shorter than its header.'));
        return callback(decryptFailed('the stream is too short to hold an IV and a tag.'));
      }
      if (tail.length < TAG_BYTES) return callback(decryptFailed('the stream is too short to hold a tag.'));
      decipher.setAuthTag(tail);
      try {
        callback(null, decipher.final());
      } catch {
        callback(decryptFailed('the authentication tag does not match (the stream was changed, or the key is not its key).'));
      }
    },
  });
}
