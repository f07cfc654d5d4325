// The Azure Monitor Logs schema: its example passes, each kind of bad
// endpoint, rule id, stream, app id and secret gets one clear message.
import { describe, expect, it } from 'vitest';
import { azureMonitor, ZAzureMonitorSettings } from './azure-monitor';

const valid = azureMonitor.example;
const problems = (value: unknown) =>
  ZAzureMonitorSettings.safeParse(value).error?.issues.map((issue) => ({ path: issue.path, message: issue.message })) ?? [];

const ENDPOINT = 'https://cmk-dce-a1b2.westeurope-1.ingest.monitor.azure.com';
const NOT_INGEST = `Use the logs ingestion endpoint of your data collection endpoint, ending in .ingest.monitor.azure.com, like ${ENDPOINT}.`;
const DCR_FORMAT = 'The immutable ID must be dcr- and 32 lower-case hex digits, like dcr-0123456789abcdef0123456789abcdef.';
const STREAM = 'Enter a stream name starting with Custom- or Microsoft-, then letters, digits and _, like Custom-CmkAudit_CL.';

describe('azure-monitor provider', () => {
  it('accepts its example', () => {
    expect(ZAzureMonitorSettings.parse(valid)).toEqual(valid);
  });

  it.each([
    ['a DCR’s own endpoint', 'https://cmk-rule-x9y8.eastus-1.ingest.monitor.azure.com/'],
    ['the US Government cloud', 'https://cmk-dce-a1b2.usgovvirginia-1.ingest.monitor.azure.us'],
    ['the China cloud', 'https://cmk-dce-a1b2.chinanorth3-1.ingest.monitor.azure.cn'],
  ])('accepts %s', (_kind, endpoint) => {
    expect(problems({ ...valid, endpoint })).toEqual([]);
  });

  it('accepts a built-in Microsoft- stream and upper-case UUIDs', () => {
    expect(problems({ ...valid, streamName: 'Microsoft-Syslog', tenantId: valid.tenantId.toUpperCase() })).toEqual([]);
  });

  it.each([
    ['an empty endpoint', '', `Enter the logs ingestion endpoint, like ${ENDPOINT}.`],
    ['plain http', ENDPOINT.replace('https:', 'http:'), `The ingestion endpoint must start with https://, like ${ENDPOINT}.`],
    ['a portal link', 'https://portal.azure.com/#@acme/resource', `Remove the #… part from the ingestion endpoint.`],
    ['another Azure host', 'https://acme.ods.opinsights.azure.com', NOT_INGEST],
    ['a look-alike host', 'https://x.ingest.monitor.azure.com.evil.example', NOT_INGEST],
    [
      'the full ingestion URL',
      `${ENDPOINT}/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/Custom-CmkAudit_CL?api-version=2023-01-01`,
      `Remove the ?… part from the ingestion endpoint.`,
    ],
  ])('refuses %s as endpoint', (_kind, endpoint, message) => {
    expect(problems({ ...valid, endpoint })).toEqual([{ path: ['endpoint'], message }]);
  });

  it('refuses a path after the endpoint', () => {
    expect(problems({ ...valid, endpoint: `${ENDPOINT}/dataCollectionRules/x` })).toEqual([
      { path: ['endpoint'], message: `Enter the endpoint without a path (the key proxies add the rule and stream), like ${ENDPOINT}.` },
    ]);
  });

  it.each([
    ['an empty id', '', "Enter the rule's immutable ID, like dcr-0123456789abcdef0123456789abcdef."],
    [
      'the ARM resource id',
      '/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/cmk',
      "Enter the rule's immutable ID from its JSON view, not its resource ID, like dcr-0123456789abcdef0123456789abcdef.",
    ],
    ['the rule name', 'cmk-audit-rule', DCR_FORMAT],
    ['upper-case hex', 'dcr-0123456789ABCDEF0123456789ABCDEF', DCR_FORMAT],
    ['31 hex digits', 'dcr-0123456789abcdef0123456789abcde', DCR_FORMAT],
  ])('refuses %s as rule id', (_kind, dcrImmutableId, message) => {
    expect(problems({ ...valid, dcrImmutableId })).toEqual([{ path: ['dcrImmutableId'], message }]);
  });

  it.each([
    ['the table name alone', 'CmkAudit_CL'],
    ['another prefix', 'Stream-CmkAudit'],
    ['a hyphen in the name', 'Custom-Cmk-Audit'],
    ['an empty name after the prefix', 'Custom-'],
  ])('refuses %s as stream', (_kind, streamName) => {
    expect(problems({ ...valid, streamName })).toEqual([{ path: ['streamName'], message: STREAM }]);
  });

  it('refuses bad tenant and client ids', () => {
    expect(problems({ ...valid, tenantId: 'acme.onmicrosoft.com' })).toEqual([
      { path: ['tenantId'], message: 'The directory (tenant) id must be a UUID, like 123e4567-e89b-42d3-a456-426614174000.' },
    ]);
    expect(problems({ ...valid, clientId: '' })).toEqual([{ path: ['clientId'], message: 'Enter the application (client) id.' }]);
  });

  it.each([
    ['an empty secret', '', 'Enter the client secret.'],
    ['the Secret ID', '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d', "This is the secret's ID; copy the secret's Value instead (shown once, when the secret was created)."],
    ['a secret with a line break', 'Abc8Q~abc\ndef', 'The client secret contains a line break or another control character; paste it again on one line.'],
  ])('refuses %s as client secret', (_kind, clientSecret, message) => {
    expect(problems({ ...valid, clientSecret })).toEqual([{ path: ['clientSecret'], message }]);
  });

  it('refuses an unknown setting and a non-object', () => {
    expect(problems({ ...valid, workspaceId: 'x' })).toEqual([{ path: [], message: 'Remove "workspaceId": Azure Monitor has no such setting.' }]);
    expect(problems([])).toEqual([{ path: [], message: 'The Azure Monitor settings must be an object of fields.' }]);
  });

  it('describes exactly the schema’s fields, in form order, with the client secret secret and valid examples', () => {
    expect(azureMonitor).toMatchObject({ id: 'azure-monitor', kind: 'siem' });
    expect(azureMonitor.fields.map((f) => f.name)).toEqual(Object.keys(ZAzureMonitorSettings.shape));
    expect(azureMonitor.fields.filter((f) => f.secret).map((f) => f.name)).toEqual(['clientSecret']);
    expect(problems(Object.fromEntries(azureMonitor.fields.map((f) => [f.name, f.example])))).toEqual([]);
  });
});
