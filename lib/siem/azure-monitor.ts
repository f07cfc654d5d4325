// The Azure Monitor Logs sink: the Logs Ingestion API through
// @azure/monitor-ingestion, signed in as the configuration's Entra app with
// @azure/identity's ClientSecretCredential. On the wire (learn.microsoft.com/
// azure/azure-monitor/logs/logs-ingestion-api-overview): POST {endpoint}/
// dataCollectionRules/{dcrImmutableId}/streams/{streamName}?api-version=2023-01-01,
// a bearer token for https://monitor.azure.com/.default, a gzip'd JSON array,
// 204 on success, at most 1 MB per call, 429 with Retry-After.
// The SDK splits an array into 1 MB chunks and keeps uploading after one
// fails; the batch limits keep every batch to one chunk, and a larger array
// is sent one chunk after another, stopping at the first failure, so order
// holds. The SDKs' retries are off: the queue retries, honouring Retry-After.
// Both the endpoint and Entra are reached through our own agents, so the
// sink options' CA, resolve and connect-to apply to both.
import { ClientSecretCredential } from '@azure/identity';
import { KnownMonitorAudience, LogsIngestionClient } from '@azure/monitor-ingestion';
import { ZAzureMonitorSettings, type TAzureMonitorSettings } from '@/lib/schemas/providers/azure-monitor';
import { mapAzureMonitorError } from './azure-monitor-errors';
import { createSiemAgent, DEFAULT_TIMEOUT_MS } from './http';
import { defineSiemSink, SiemError, type TSiemEvent } from './types';

const WHAT = 'Azure Monitor';
/** The SDK's chunk size: a call carries less than this many bytes of rows' JSON. */
export const AZURE_MAX_CALL_BYTES = 1_000_000;
const RECENT_FAILURE_MS = 10_000;

/** The Entra authority and Monitor audience of the endpoint's cloud (learn.microsoft.com/entra/identity-platform/authentication-national-cloud). */
export function azureCloudOf(endpointHost: string): { authorityHost: string; audience: string } {
  if (endpointHost.endsWith('.azure.cn')) return { authorityHost: 'https://login.chinacloudapi.cn', audience: KnownMonitorAudience.AzureChina };
  if (endpointHost.endsWith('.azure.us')) return { authorityHost: 'https://login.microsoftonline.us', audience: KnownMonitorAudience.AzureGovernment };
  return { authorityHost: 'https://login.microsoftonline.com', audience: KnownMonitorAudience.AzurePublicCloud };
}

/** One row per event: the event's fields as columns, and TimeGenerated, which every Log Analytics table needs. */
export function azureRow(event: TSiemEvent): Record<string, unknown> {
  return { TimeGenerated: event.time, ...event };
}

/** Rows in order, cut where the SDK would cut them (each call under 1 MB of JSON). */
function chunksOf(rows: Record<string, unknown>[]): Record<string, unknown>[][] {
  const chunks: Record<string, unknown>[][] = [];
  let size = AZURE_MAX_CALL_BYTES;
  for (const row of rows) {
    const bytes = Buffer.byteLength(JSON.stringify(row), 'utf8');
    if (size + bytes >= AZURE_MAX_CALL_BYTES) {
      chunks.push([]);
      size = 0;
    }
    chunks.at(-1)?.push(row);
    size += bytes;
  }
  return chunks;
}

export const azureMonitorSink = defineSiemSink<TAzureMonitorSettings>({
  provider: 'azure-monitor',
  schema: ZAzureMonitorSettings,
  // TimeGenerated adds about 40 bytes a row: 500 rows and 900 000 bytes of events stay one call under 1 MB.
  maxBatchEvents: 500,
  maxBatchBytes: 900_000,
  create(settings, options) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const endpoint = new URL(settings.endpoint).origin;
    const cloud = azureCloudOf(new URL(endpoint).hostname);
    let entraFailure: { code: string; at: number } | undefined;
    const entraAgent = createSiemAgent(options, (code) => void (entraFailure = code === undefined ? undefined : { code, at: Date.now() }));
    const ingestionAgent = createSiemAgent(options);
    const noRetries = { maxRetries: 0 };
    const credential = new ClientSecretCredential(settings.tenantId, settings.clientId, settings.clientSecret, {
      authorityHost: cloud.authorityHost,
      agent: entraAgent,
      retryOptions: noRetries,
    });
    const client = new LogsIngestionClient(endpoint, credential, { agent: ingestionAgent, retryOptions: noRetries, audience: cloud.audience });
    const recentEntraFailure = () => (entraFailure && Date.now() - entraFailure.at < RECENT_FAILURE_MS ? entraFailure.code : undefined);

    return {
      provider: 'azure-monitor',
      async send(events, signal) {
        if (events.length === 0) return;
        if (signal?.aborted) throw new SiemError(`Delivery to ${WHAT} was cancelled.`, { code: 'cancelled', retryable: true });
        const timeout = AbortSignal.timeout(timeoutMs);
        const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
        try {
          for (const chunk of chunksOf(events.map(azureRow))) {
            await client.upload(settings.dcrImmutableId, settings.streamName, chunk, { maxConcurrency: 1, abortSignal });
          }
        } catch (error) {
          if (signal?.aborted) throw new SiemError(`Delivery to ${WHAT} was cancelled.`, { code: 'cancelled', retryable: true });
          if (timeout.aborted) throw new SiemError(`${WHAT} did not answer within ${timeoutMs} ms.`, { code: 'timeout', retryable: true });
          throw mapAzureMonitorError(WHAT, error, recentEntraFailure());
        }
      },
      close() {
        entraAgent.destroy();
        ingestionAgent.destroy();
      },
    };
  },
});
