// The AWS drivers' HTTP handler: the SDK's own NodeHttpHandler, with each
// response's body read into one Buffer before the SDK sees it. The SDK then
// deserializes from bytes (its collectBody takes a Uint8Array as it is)
// instead of piping the response stream into a Writable of its own, and that
// pipe is what made a KMS call expensive to collect: about 6 % of everything
// an Encrypt allocates survived the young generation's collections and died
// only in a full one (bench/kms-call-garbage.ts measures it, docs/performance.md
// "What one AWS KMS call costs in garbage"). Read here, that share is 0.1 %,
// and the TSP's full collections — the tail of its latency — become rare.
//
// Nothing else changes: the same agents, timeouts and abort signal; an answer
// larger than MAX_BODY_BYTES (KMS answers are a few hundred bytes) is refused
// rather than held in memory; a response cut off, or aborted by the call's
// deadline while its body is read, fails the call as the SDK's stream would.
import type { IncomingMessage } from 'node:http';

import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The most bytes one answer may have (KMS, STS: well under 10 KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

type THandled = Awaited<ReturnType<NodeHttpHandler['handle']>>;
type THandleOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

/** The whole body of `res`, at most `limit` bytes; rejects if it is cut off, too large, or `signal` fires first. */
export function readBody(res: IncomingMessage, limit: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        res.destroy();
        reject(error);
      } else resolve(body as Buffer);
    };
    const onAbort = () => settle(signal?.reason instanceof Error ? signal.reason : Object.assign(new Error('The request was aborted.'), { name: 'AbortError' }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return settle(Object.assign(new Error(`The answer was larger than ${limit} bytes.`), { name: 'ResponseTooLarge' }));
      chunks.push(chunk);
    });
    res.once('end', () => settle(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    res.once('error', (error) => settle(error));
    // 'close' before 'end': the socket went away mid-body.
    res.once('close', () => settle(Object.assign(new Error('The connection closed before the whole answer arrived.'), { code: 'ECONNRESET' })));
  });
}

/** NodeHttpHandler whose responses carry their bodies as a Buffer (see the top of this file). */
export class BufferedBodyHttpHandler extends NodeHttpHandler {
  override async handle(request: Parameters<NodeHttpHandler['handle']>[0], options: THandleOptions = {}): Promise<THandled> {
    const handled = await super.handle(request, options);
    const body = handled.response.body as IncomingMessage | undefined;
    if (body && typeof body.on === 'function') handled.response.body = await readBody(body, MAX_BODY_BYTES, options.abortSignal as AbortSignal | undefined);
    return handled;
  }
}
