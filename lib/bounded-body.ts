// Reading an HTTP body up to a bound, for both sides of the wire: the
// broker's routes (what a client may send) and the proxy client (what a
// broker may answer). Neither lets the other fill its memory.

/**
 * The whole body, or null when it is larger than `limit` bytes — said by its
 * Content-Length, or found while streaming, in which case the rest is
 * cancelled unread.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, contentLength: string | null, limit: number): Promise<Buffer | null> {
  const declared = Number(contentLength ?? '0');
  if (Number.isFinite(declared) && declared > limit) {
    await body?.cancel().catch(() => {});
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, size);
}
