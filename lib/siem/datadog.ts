// The Datadog Logs sink: one POST per batch to the logs intake of the
// tenant's site, `https://http-intake.logs.<site>/api/v2/logs`, with
// `DD-API-KEY`, a gzip-compressed JSON array of log objects (Datadog API
// reference, "Send logs": at most 5 MB uncompressed, 1 000 entries and 1 MB
// per log; 202 on success; 400, 401, 403, 408, 413, 429, 500 and 503 answers).
// Each log carries the reserved attributes Datadog reads (ddsource, ddtags,
// hostname, service, status, date, message) and the whole event under `cmk`:
//   {"ddsource":"cmk-tsp","ddtags":"tenant:acme,…","hostname":<TSP instance>,"service":"cmk-tsp",
//    "status":"info"|"error","date":<event time>,"message":"key_use unwrap success","cmk":<event>}
// The host is built from the schema's fixed list of sites only, so a
// configuration can send its API key nowhere but to Datadog.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ZDatadogSettings, type TDatadogSettings } from '@/lib/schemas/providers/datadog';
import { createHttpClient, statusError } from './http';
import { defineSiemSink, SiemError, type TSiemEvent } from './types';

const WHAT = 'Datadog Logs';
const compress = promisify(gzip);

export const DATADOG_LOGS_PATH = '/api/v2/logs';

export function datadogEndpoint(site: TDatadogSettings['site']): URL {
  return new URL(DATADOG_LOGS_PATH, `https://http-intake.logs.${site}`);
}

/** A Datadog tag: lower case, letters, digits and _ - : . / only (Datadog would rewrite the rest; a comma would split it). */
function tag(name: string, value: string): string {
  return `${name}:${value.toLowerCase().replace(/[^a-z0-9_\-:./]/g, '_').slice(0, 190)}`;
}

export function datadogLog(event: TSiemEvent): Record<string, unknown> {
  return {
    ddsource: 'cmk-tsp',
    ddtags: [tag('tenant', event.tenantId), tag('deployment', event.deploymentId), tag('category', event.category), tag('outcome', event.outcome)].join(','),
    hostname: event.instanceId,
    service: 'cmk-tsp',
    status: event.outcome === 'failure' ? 'error' : 'info',
    date: event.time,
    message: `${event.category} ${event.event} ${event.outcome}`,
    cmk: event,
  };
}

export function datadogBody(events: readonly TSiemEvent[]): Buffer {
  return Buffer.from(JSON.stringify(events.map(datadogLog)), 'utf8');
}

export const datadogSink = defineSiemSink<TDatadogSettings>({
  provider: 'datadog',
  schema: ZDatadogSettings,
  // Datadog's limits are 1 000 logs and 5 MB uncompressed; 4 MB of events leaves room for each log's few hundred bytes of attributes.
  maxBatchEvents: 1000,
  maxBatchBytes: 4 * 1024 * 1024,
  create(settings, options) {
    const endpoint = datadogEndpoint(settings.site);
    const http = createHttpClient(WHAT, options);
    const headers = {
      'user-agent': 'cmk-tsp',
      'dd-api-key': settings.apiKey,
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    };
    return {
      provider: 'datadog',
      async send(events, signal) {
        if (events.length === 0) return;
        const answer = await http.post(endpoint, headers, await compress(datadogBody(events)), signal);
        if (answer.status === 202 || answer.status === 200) return;
        if (answer.status === 401 || answer.status === 403) {
          throw new SiemError(
            `${WHAT} refused the API key (HTTP ${answer.status}); check that it is an API key (not an application key) of the organisation on the ${settings.site} site.`,
            { code: 'auth', retryable: false },
          );
        }
        throw statusError(WHAT, answer);
      },
      close: () => http.close(),
    };
  },
});
