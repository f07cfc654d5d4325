// The Sumo Logic sink: one POST per batch to the HTTP Logs source URL (which
// embeds the source's token, so it is a credential: it never reaches a
// message), the body being one JSON event per line, gzip-compressed.
// Sources: help.sumologic.com "HTTP Logs and Metrics Source" (payload 100 KB–1 MB
// before compression, never over 1 MB; gzip or deflate) and "Troubleshooting
// HTTP Sources" (200 success; 401 missing or invalid token; 408, 429, 503, 504).
// X-Sumo-Category is not sent: the category the tenant set on the source
// stays in force. X-Sumo-Name names the proxy, X-Sumo-Host the TSP instance.
import { gzipSync } from 'node:zlib';
import { ZSumoLogicSettings, type TSumoLogicSettings } from '@/lib/schemas/providers/sumo-logic';
import { createHttpClient, statusError } from './http';
import { defineSiemSink, type TSiemEvent } from './types';

/** Sumo's ceiling for one request, before compression. */
export const SUMO_MAX_REQUEST_BYTES = 1_000_000;
export const SUMO_SOURCE_NAME = 'cmk-tsp';

/** One event per line: Sumo splits messages on line breaks (JSON.stringify never emits a raw one). */
export function sumoBody(events: readonly TSiemEvent[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n');
}

/** Sumo's per-request metadata: the source name, and the host when every event of the batch comes from one TSP instance. */
export function sumoHeaders(events: readonly TSiemEvent[]): Record<string, string> {
  const hosts = new Set(events.map((event) => event.instanceId));
  const [host] = hosts;
  return {
    'x-sumo-name': SUMO_SOURCE_NAME,
    // Header values must be plain visible ASCII; an instance id is, but a header is no place to find out otherwise.
    ...(hosts.size === 1 && host !== undefined && /^[\x21-\x7e]{1,128}$/.test(host) ? { 'x-sumo-host': host } : {}),
  };
}

export const sumoLogicSink = defineSiemSink<TSumoLogicSettings>({
  provider: 'sumo-logic',
  schema: ZSumoLogicSettings,
  // The events' JSON plus one line break each stays under Sumo's 1 MB per request, in its recommended 100 KB–1 MB.
  maxBatchEvents: 1000,
  maxBatchBytes: 900_000,
  create(settings, options) {
    const url = new URL(settings.url);
    const http = createHttpClient('Sumo Logic', options);
    return {
      provider: 'sumo-logic',
      async send(events, signal) {
        if (events.length === 0) return;
        const body = gzipSync(Buffer.from(sumoBody(events), 'utf8'));
        const headers = {
          'user-agent': 'cmk-tsp',
          'content-type': 'text/plain; charset=utf-8',
          'content-encoding': 'gzip',
          ...sumoHeaders(events),
        };
        const answer = await http.post(url, headers, body, signal);
        // Sumo's answer bodies are not ours to repeat; the status says enough.
        if (answer.status === 401 || answer.status === 404) throw statusError('Sumo Logic', answer, 'the source URL’s token is invalid, or the source was deleted or its URL regenerated');
        if (answer.status !== 200) throw statusError('Sumo Logic', answer);
      },
      close: () => http.close(),
    };
  },
});
