// Azure Monitor Logs (Logs Ingestion API) settings: the data collection
// endpoint, the data collection rule and stream that shape the events, and
// the Microsoft Entra app the key proxies sign in as.
import type { z } from 'zod';
import {
  defineField,
  defineProvider,
  httpsUrlProblem,
  MAX_URL_LENGTH,
  siemQueueFullField,
  ZRequiredText,
  ZSiemSettingsObject,
} from './common';
import { AZURE_APP_CREDENTIALS, AZURE_APP_CREDENTIALS_EXAMPLE, azureAppCredentialFields } from './azure-credentials';

const ENDPOINT_EXAMPLE = 'https://cmk-dce-a1b2.westeurope-1.ingest.monitor.azure.com';
const DCR_EXAMPLE = 'dcr-0123456789abcdef0123456789abcdef';
const STREAM_EXAMPLE = 'Custom-CmkAudit_CL';

/**
 * Logs Ingestion endpoints (a DCE, or a DCR's own endpoint) live under
 * ingest.monitor.azure.com; the US Government and China clouds use .us and
 * .cn. Pinning the domain means events can only go to Azure Monitor.
 */
const INGEST_HOST = /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.ingest\.monitor\.azure\.(?:com|us|cn)$/;

function endpointProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'ingestion endpoint', ENDPOINT_EXAMPLE, { query: false });
  if (urlProblem !== undefined) return urlProblem;
  const url = new URL(value);
  if (!INGEST_HOST.test(url.hostname)) {
    return `Use the logs ingestion endpoint of your data collection endpoint, ending in .ingest.monitor.azure.com, like ${ENDPOINT_EXAMPLE}.`;
  }
  if (url.pathname !== '/') return `Enter the endpoint without a path (the key proxies add the rule and stream), like ${ENDPOINT_EXAMPLE}.`;
  return undefined;
}

export const ZAzureIngestionEndpoint = ZRequiredText(`Enter the logs ingestion endpoint, like ${ENDPOINT_EXAMPLE}.`, endpointProblem, MAX_URL_LENGTH);

/** The rule's immutable id (not its name or ARM resource id): `dcr-` and 32 hex digits. */
export const ZAzureDcrImmutableId = ZRequiredText(`Enter the rule's immutable ID, like ${DCR_EXAMPLE}.`, (value) => {
  if (value.startsWith('/subscriptions/')) return `Enter the rule's immutable ID from its JSON view, not its resource ID, like ${DCR_EXAMPLE}.`;
  if (!/^dcr-[0-9a-f]{32}$/.test(value)) return `The immutable ID must be dcr- and 32 lower-case hex digits, like ${DCR_EXAMPLE}.`;
  return undefined;
});

/** The input stream declared in the rule: `Custom-<name>` for custom tables, `Microsoft-<table>` for built-in ones. */
export const ZAzureStreamName = ZRequiredText(`Enter the stream name declared in the rule, like ${STREAM_EXAMPLE}.`, (value) =>
  /^(?:Custom|Microsoft)-[A-Za-z][A-Za-z0-9_]{0,99}$/.test(value)
    ? undefined
    : `Enter a stream name starting with Custom- or Microsoft-, then letters, digits and _, like ${STREAM_EXAMPLE}.`,
);

export const ZAzureMonitorSettings = ZSiemSettingsObject('Azure Monitor', {
  endpoint: ZAzureIngestionEndpoint,
  dcrImmutableId: ZAzureDcrImmutableId,
  streamName: ZAzureStreamName,
  ...AZURE_APP_CREDENTIALS,
});
export type TAzureMonitorSettings = z.infer<typeof ZAzureMonitorSettings>;

export const azureMonitor = defineProvider({
  id: 'azure-monitor',
  kind: 'siem',
  label: 'Azure Monitor Logs',
  description: 'Lets the key proxies send audit events to a Log Analytics workspace through the Azure Monitor Logs Ingestion API.',
  schema: ZAzureMonitorSettings,
  fields: [
    defineField({
      name: 'endpoint',
      label: 'Logs ingestion endpoint',
      help: 'The "Logs ingestion" URL of your data collection endpoint (or of the rule itself, if it has one).',
      example: ENDPOINT_EXAMPLE,
    }),
    defineField({
      name: 'dcrImmutableId',
      label: 'Data collection rule immutable ID',
      help: 'In the rule’s JSON view: the immutableId property, which starts with dcr-.',
      example: DCR_EXAMPLE,
    }),
    defineField({
      name: 'streamName',
      label: 'Stream name',
      help: 'The input stream declared in the rule’s streamDeclarations, like Custom-CmkAudit_CL.',
      example: STREAM_EXAMPLE,
    }),
    ...azureAppCredentialFields('the Monitoring Metrics Publisher role on the rule'),
    siemQueueFullField,
  ],
  example: {
    endpoint: ENDPOINT_EXAMPLE,
    dcrImmutableId: 'dcr-4f1c2e3d5a6b7c8d9e0f1a2b3c4d5e6f',
    streamName: STREAM_EXAMPLE,
    ...AZURE_APP_CREDENTIALS_EXAMPLE,
    onQueueFull: 'drop',
  },
});
