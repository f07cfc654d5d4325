// Splunk HTTP Event Collector settings: the HEC endpoint, its token, and
// the index and sourcetype the key proxies' audit events are filed under.
import type { z } from 'zod';
import { defineField, defineProvider, httpsUrlProblem, isLocalHost, MAX_URL_LENGTH, siemQueueFullField, UUID_SHAPE_PATTERN, ZRequiredText, ZSiemSettingsObject } from './common';

const URL_EXAMPLE = 'https://http-inputs-acme.splunkcloud.com/services/collector/event';
const TOKEN_EXAMPLE = '3f2b8c1e-6d4a-4f7e-9b2c-1a5d8e7f0c3b';
const INDEX_EXAMPLE = 'cmk_audit';
const SOURCETYPE_EXAMPLE = 'cmk:proxy:audit';

/**
 * The proxies post JSON events, so the URL is the HEC base (no path) or its
 * event endpoint. Anything else is usually the Splunk Web URL (port 8000,
 * /en-US/app/…) pasted by mistake, which never accepts events.
 */
const HEC_PATHS = new Set(['/', '/services/collector', '/services/collector/', '/services/collector/event', '/services/collector/event/']);

function hecUrlProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'HEC URL', URL_EXAMPLE, { query: false });
  if (urlProblem !== undefined) return urlProblem;
  const url = new URL(value);
  if (isLocalHost(url.hostname)) return `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`;
  if (!HEC_PATHS.has(url.pathname)) return `Use the HEC endpoint, with no path or ending in /services/collector/event, like ${URL_EXAMPLE}.`;
  return undefined;
}

export const ZSplunkHecUrl = ZRequiredText(`Enter the HEC URL, like ${URL_EXAMPLE}.`, hecUrlProblem, MAX_URL_LENGTH);

/**
 * HEC tokens are GUIDs, shown in either case. Only the layout is checked: a
 * token set in inputs.conf need not follow RFC 4122's version rules.
 */
export const ZSplunkHecToken = ZRequiredText(`Enter the HEC token, like ${TOKEN_EXAMPLE}.`, (value) => {
  if (/^Splunk\s/i.test(value)) return `Enter the token alone, without the "Splunk " prefix, like ${TOKEN_EXAMPLE}.`;
  if (!UUID_SHAPE_PATTERN.test(value)) return `The HEC token must be a UUID, like ${TOKEN_EXAMPLE}.`;
  return undefined;
});

/**
 * Splunk's rules for index names: lower-case letters, digits, `_` and `-`,
 * not starting with `_` or `-` (those are internal indexes), and never
 * containing "kvstore". 255 is a sanity cap, well above real names.
 */
export const ZSplunkIndex = ZRequiredText(
  `Enter the Splunk index name, like ${INDEX_EXAMPLE}.`,
  (value) => {
    if (value !== value.toLowerCase()) return `Splunk index names are lower case; write it like ${INDEX_EXAMPLE}.`;
    if (/^[_-]/.test(value)) return `Start the index name with a letter or digit (names starting with _ or - are internal), like ${INDEX_EXAMPLE}.`;
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(value)) return `Use only lower-case letters, digits, _ and - in the index name, like ${INDEX_EXAMPLE}.`;
    if (value.includes('kvstore')) return `Splunk reserves index names containing "kvstore"; choose another, like ${INDEX_EXAMPLE}.`;
    return undefined;
  },
  255,
);

/**
 * Splunk accepts almost any sourcetype, but spaces and control characters
 * make them awkward to search; the vendor:product:format convention fits in
 * printable ASCII.
 */
export const ZSplunkSourcetype = ZRequiredText(
  `Enter a sourcetype, like ${SOURCETYPE_EXAMPLE}.`,
  (value) => (/^[\x21-\x7e]+$/.test(value) ? undefined : `Use printable characters without spaces in the sourcetype, like ${SOURCETYPE_EXAMPLE}.`),
  256,
);

export const ZSplunkHecSettings = ZSiemSettingsObject('Splunk HEC', {
  url: ZSplunkHecUrl,
  token: ZSplunkHecToken,
  index: ZSplunkIndex,
  sourcetype: ZSplunkSourcetype,
});
export type TSplunkHecSettings = z.infer<typeof ZSplunkHecSettings>;

export const splunkHec = defineProvider({
  id: 'splunk-hec',
  kind: 'siem',
  label: 'Splunk HTTP Event Collector',
  description: 'Lets the key proxies send audit events to your Splunk index through the HTTP Event Collector.',
  schema: ZSplunkHecSettings,
  fields: [
    defineField({
      name: 'url',
      label: 'HEC URL',
      help: 'The https:// address of your HTTP Event Collector, with its port if not 443 (Splunk Enterprise usually listens on 8088).',
      example: URL_EXAMPLE,
    }),
    defineField({
      name: 'token',
      label: 'HEC token',
      help: 'The token of an HEC input (Settings → Data inputs → HTTP Event Collector) that may write to the index below.',
      example: TOKEN_EXAMPLE,
      secret: true,
    }),
    defineField({
      name: 'index',
      label: 'Index',
      help: 'The index the events are written to; it must be among the token’s allowed indexes.',
      example: INDEX_EXAMPLE,
    }),
    defineField({
      name: 'sourcetype',
      label: 'Sourcetype',
      help: 'The sourcetype stamped on every event, so your searches and dashboards can find them.',
      example: SOURCETYPE_EXAMPLE,
    }),
    siemQueueFullField,
  ],
  example: {
    url: 'https://splunk.example.com:8088/services/collector/event',
    token: '8d3f6a2c-1b4e-4c7d-9a0f-5e2b7c9d1a34',
    index: INDEX_EXAMPLE,
    sourcetype: SOURCETYPE_EXAMPLE,
    onQueueFull: 'drop',
  },
});
