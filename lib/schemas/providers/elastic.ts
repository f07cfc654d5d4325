// Elasticsearch settings: the cluster's https endpoint, how the key proxies
// sign in (an API key, or a user name and password for clusters that only
// have native users), and the index or data stream that receives the key
// proxies' audit events. Settings stored before basic auth existed (url,
// apiKey, index) stay valid as they are: there is no separate "method" field,
// the credentials filled in are the choice.
import type { z } from 'zod';
import {
  checkExclusiveFields,
  defineField,
  defineProvider,
  httpsUrlProblem,
  isLocalHost,
  MAX_URL_LENGTH,
  siemQueueFullField,
  whenSettingsObject,
  ZNonEmptySecret,
  ZOptionalText,
  ZRequiredText,
  ZSiemSettingsObject,
} from './common';

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

/**
 * A native or file-realm user name. Elasticsearch refuses a colon in it
 * (Basic auth could not carry one) and leading or trailing spaces.
 */
export const ZElasticUsername = ZRequiredText(
  'Enter the user name.',
  (value) => (value.includes(':') ? 'A user name cannot contain a colon (:).' : undefined),
  1024,
);

const NO_CREDENTIALS = 'Enter an API key, or a user name and password.';

export const ZElasticSettings = ZSiemSettingsObject('Elastic', {
  url: ZElasticUrl,
  apiKey: ZOptionalText(ZElasticApiKey),
  username: ZOptionalText(ZElasticUsername),
  // Blank means not set; a set password is kept exactly, spaces included.
  password: ZOptionalText(ZNonEmptySecret('password')),
  index: ZElasticIndex,
}).superRefine((settings, ctx) => {
  // Exactly one way to sign in: an API key, or a user name with its password.
  if (settings.apiKey !== undefined || ctx.issues.some((issue) => issue.path?.[0] === 'apiKey')) {
    checkExclusiveFields(ctx, settings, {
      required: {},
      refused: {
        username: 'Leave the user name empty when the key proxies sign in with an API key.',
        password: 'Leave the password empty when the key proxies sign in with an API key.',
      },
    });
  } else if (settings.username !== undefined || settings.password !== undefined) {
    checkExclusiveFields(ctx, settings, {
      required: { username: 'Enter the user name that goes with the password.', password: 'Enter the password of this user.' },
      refused: {},
    });
  } else {
    ctx.addIssue({ code: 'custom', path: ['apiKey'], message: NO_CREDENTIALS });
  }
}, whenSettingsObject);
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
      help: 'An API key that may write (create_doc) to the index below; paste the "encoded" value shown when the key is created. Recommended; leave it empty only to sign in with a user name and password instead.',
      example: API_KEY_EXAMPLE,
      secret: true,
      required: false,
    }),
    defineField({
      name: 'username',
      label: 'User name',
      help: 'Instead of an API key: a user whose role may write (create_doc) to the index below. Leave empty when you use an API key.',
      example: 'cmk_proxy_writer',
      required: false,
    }),
    defineField({
      name: 'password',
      label: 'Password',
      help: 'The password of that user. Leave empty when you use an API key.',
      example: 'correct-horse-battery-staple',
      secret: true,
      required: false,
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
