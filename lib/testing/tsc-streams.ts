// Streams for the Tenant Security client's tests and bench: a deterministic
// plaintext of any size made on the fly (AES-256-CTR keystream of a seed, so
// no test holds it in memory), and a sink that only hashes what it is given.
import { createCipheriv, createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';

const CHUNK = 1024 * 1024;

/** `size` bytes derived from `seed`, in chunks of at most `chunk` bytes. */
export function patternStream(size: number, seed: string, chunk = CHUNK): Readable {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunk);
  let left = size;
  return new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(chunk, left);
      left -= n;
      this.push(cipher.update(zeros.subarray(0, n)));
    },
  });
}

/** The SHA-256 of patternStream(size, seed), without keeping it. */
export async function patternDigest(size: number, seed: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of patternStream(size, seed)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export type THashSink = Writable & { digest(): string; bytes(): number };

export function hashSink(): THashSink {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback();
    },
  }) as THashSink;
  sink.digest = () => hash.copy().digest('hex');
  sink.bytes = () => bytes;
  return sink;
}
