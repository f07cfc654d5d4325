// Outbound HTTPS for the Google Cloud KMS driver: one keep-alive agent per
// driver (sockets to the KMS and token endpoints are reused), trusting the
// public roots plus the vendor's extra CA certificates, if any. It returns
// every answer as it came (status and body, at most 64 KiB) and rejects only
// when no answer arrived; the driver's error table decides what each means.
import https from 'node:https';
import tls from 'node:tls';

import { keepAliveOptions } from './keep-alive';

const MAX_ANSWER_BYTES = 64 * 1024;

export type TGoogleAnswer = { status: number; body: Buffer };

export type TGoogleHttp = {
  post(url: URL, headers: Record<string, string>, body: string | Buffer, signal: AbortSignal): Promise<TGoogleAnswer>;
  close(): void;
};

export function createGoogleHttp(options: { ca?: readonly string[]; maxSockets: number }): TGoogleHttp {
  // `ca` replaces Node's trust store, so the defaults (bundled, NODE_EXTRA_CA_CERTS) go first.
  const ca = options.ca?.length ? [...tls.getCACertificates('default'), ...options.ca] : undefined;
  const agent = new https.Agent({ ...keepAliveOptions(options.maxSockets), ...(ca ? { ca } : {}) });

  function post(url: URL, headers: Record<string, string>, body: string | Buffer, signal: AbortSignal): Promise<TGoogleAnswer> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const request = https.request(
        url,
        { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) } },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          });
          response.on('end', () => {
            signal.removeEventListener('abort', onAbort);
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          response.on('error', fail);
        },
      );
      function fail(error: unknown) {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      }
      function onAbort() {
        request.destroy();
        fail(signal.reason);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      request.end(payload);
    });
  }

  return { post, close: () => agent.destroy() };
}
