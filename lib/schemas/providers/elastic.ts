// Elasticsearch settings: the cluster's https endpoint, an API key, and the
// index or data stream that receives the key proxies' audit events.
import type { z } from 'zod';
import { defineField, defineProvider, httpsUrlProblem, isLocalHost, MAX_URL_LENGTH, siemQueueFullField, ZRequiredText, ZSiemSettingsObject } from './common';

const URL_EXAMPLE = 'https://acme.es.us-east-1.aws.elastic.cloud:443';
// The example key from Elastic's own documentation (base64 of id:api_key).
const API_KEY_EXAMPLE = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const INDEX_EXAMPLE = 'logs-cmk.audit-default';

/** The cluster endpoint; a path is allowed for clusters behind a reverse proxy. */
function elasticUrlProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'Elasticsearch URL', URL_EXAMPLE, { query: false });
  if (urlProblem !== undefined) return urlProblem;
  if (isLocalHost(new URL(value).hostname)) {
    return `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`;
  }
  return undefined;
}

export const ZElasticUrl = ZRequiredText(`Enter the Elasticsearch URL, like ${URL_EXAMPLE}.`, elasticUrlProblem, MAX_URL_LENGTH);

function decodeBase64(value: string): string | undefined {
  try {
    return atob(value);
  } catch {
    return undefined;
  }
}

/**
 * The "encoded" API key Elasticsearch returns: base64 of `id:api_key`, sent
 * as `Authorization: ApiKey <encoded>`. The decoded form is checked too, so
 * a key id or the bare secret half is caught before the first failed request.
 */
export const ZElasticApiKey = ZRequiredText(
  `Enter the encoded API key, like ${API_KEY_EXAMPLE}.`,
  (value) => {
    if (/^ApiKey\s/i.test(value)) return `Enter the key alone, without the "ApiKey " prefix, like ${API_KEY_EXAMPLE}.`;
    if (value.length < 20) return `Enter the whole encoded API key (at least 20 characters), like ${API_KEY_EXAMPLE}.`;
    if (value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return `The encoded API key must be base64, like ${API_KEY_EXAMPLE}.`;
    if (!/^[^:\s]+:[^:\s]+$/.test(decodeBase64(value) ?? '')) {
      return `Use the "encoded" value Elastic shows (base64 of id:key), not the id or the key alone, like ${API_KEY_EXAMPLE}.`;
    }
    return undefined;
  },
  1024,
);

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

/** Data stream types of Elastic's naming scheme, `<type>-<dataset>-<namespace>`. */
const DATA_STREAM_TYPES = ['logs', 'metrics', 'traces', 'synthetics', 'profiling'];

/**
 * Elasticsearch's rules for index and data stream names: lower case; none of
 * \ / * ? " < > | , # : or space; not starting with - _ +; not . or ..; at
 * most 255 bytes. A leading dot is refused too: such names are hidden or
 * system indices. A name with a data stream type prefix (logs-…) must follow
 * the naming scheme (dataset and namespace without hyphens, at most 100 bytes
 * each), since Elastic's built-in templates only match that.
 */
function indexProblem(value: string): string | undefined {
  if (value !== value.toLowerCase()) return `Index names are lower case; write it like ${INDEX_EXAMPLE}.`;
  if (/[\\/*?"<>|,#:\s]/.test(value)) return `Leave out spaces and the characters \\ / * ? " < > | , # : from the name, like ${INDEX_EXAMPLE}.`;
  if (/^[-_+.]/.test(value)) return `Start the name with a letter or digit (names starting with - _ + or . are reserved), like ${INDEX_EXAMPLE}.`;
  if (utf8Length(value) > 255) return `Use a name of at most 255 bytes, like ${INDEX_EXAMPLE}.`;
  const [type = '', ...parts] = value.split('-');
  if (DATA_STREAM_TYPES.includes(type)) {
    const [dataset = '', namespace = ''] = parts;
    if (parts.length !== 2 || dataset === '' || namespace === '' || utf8Length(dataset) > 100 || utf8Length(namespace) > 100) {
      return `Name a data stream type-dataset-namespace, with dots rather than hyphens inside the dataset and namespace, like ${INDEX_EXAMPLE}.`;
    }
  }
  return undefined;
}

export const ZElasticIndex = ZRequiredText(`Enter an index or data stream name, like ${INDEX_EXAMPLE}.`, indexProblem, 255);

export const ZElasticSettings = ZSiemSettingsObject('Elastic', {
  url: ZElasticUrl,
  apiKey: ZElasticApiKey,
  index: ZElasticIndex,
});
export type TElasticSettings = z.infer<typeof ZElasticSettings>;

export const elastic = defineProvider({
  id: 'elastic',
  kind: 'siem',
  label: 'Elastic',
  description: 'Lets the key proxies index audit events into your Elasticsearch cluster or Elastic Cloud deployment.',
  schema: ZElasticSettings,
  fields: [
    defineField({
      name: 'url',
      label: 'Elasticsearch URL',
      help: 'The https:// endpoint of your cluster; in Elastic Cloud, copy the deployment’s Elasticsearch endpoint.',
      example: URL_EXAMPLE,
    }),
    defineField({
      name: 'apiKey',
      label: 'API key',
      help: 'An API key that may write (create_doc) to the index below; paste the "encoded" value shown when the key is created.',
      example: API_KEY_EXAMPLE,
      secret: true,
    }),
    defineField({
      name: 'index',
      label: 'Index or data stream',
      help: 'Where events are written. A data stream is named type-dataset-namespace, like logs-cmk.audit-default; any other lower-case index name works too.',
      example: INDEX_EXAMPLE,
    }),
    siemQueueFullField,
  ],
  example: {
    url: 'https://acme-siem.es.eu-west-1.aws.elastic.cloud',
    // base64 of "fakeKeyId123:fakeApiKeySecret456"
    apiKey: 'ZmFrZUtleUlkMTIzOmZha2VBcGlLZXlTZWNyZXQ0NTY=',
    index: INDEX_EXAMPLE,
    onQueueFull: 'drop',
  },
});
