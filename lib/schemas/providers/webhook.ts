// Generic HTTPS webhook settings: where the key proxies POST audit events,
// the secret they sign each body with (HMAC), and extra request headers.
import { z } from 'zod';
import {
  defineField,
  defineProvider,
  httpsUrlProblem,
  isLocalHost,
  MAX_URL_LENGTH,
  siemQueueFullField,
  whenSettingsObject,
  ZRequiredText,
  ZSiemSettingsObject,
} from './common';

const URL_EXAMPLE = 'https://hooks.example.com/cmk/audit';
const HMAC_EXAMPLE = 'the output of openssl rand -hex 32';
const HEADER_NAME_EXAMPLE = 'X-Acme-Tenant';
const HEADER_VALUE_EXAMPLE = 'Bearer 3f9a1c2d';

export const WEBHOOK_MAX_HEADERS = 20;

/** Any https URL with a host the proxies can reach; a query is allowed, since some receivers take their token there. */
function webhookUrlProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'webhook URL', URL_EXAMPLE);
  if (urlProblem !== undefined) return urlProblem;
  if (isLocalHost(new URL(value).hostname)) {
    return `Enter an address the key proxies reach over the network, not a loopback or link-local one, like ${URL_EXAMPLE}.`;
  }
  return undefined;
}

export const ZWebhookUrl = ZRequiredText(`Enter the webhook URL, like ${URL_EXAMPLE}.`, webhookUrlProblem, MAX_URL_LENGTH);

/**
 * The signing secret, shared with the receiver. 32 characters is the floor
 * for a random hex or base64 string to carry 128 bits or more; the
 * distinct-character check catches placeholders like "aaaa…" or "1234…".
 */
export const ZWebhookHmacSecret = ZRequiredText(
  `Enter an HMAC secret of at least 32 characters, like ${HMAC_EXAMPLE}.`,
  (value) => {
    if (value.length < 32) return `Use an HMAC secret of at least 32 characters, like ${HMAC_EXAMPLE}.`;
    if (!/^[\x21-\x7e]+$/.test(value)) return `Use only printable ASCII characters without spaces in the HMAC secret, like ${HMAC_EXAMPLE}.`;
    if (new Set(value).size < 8) return `This secret repeats too few characters; use a random one, like ${HMAC_EXAMPLE}.`;
    return undefined;
  },
  512,
);

/** RFC 7230 `token`: what a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers the key proxies must control for the request to mean what it
 * says: framing and routing (hop-by-hop headers, Host, Content-Length…), the
 * body's type and encoding (the HMAC covers the body as sent), `Proxy-` and
 * `Sec-` names, and the `X-CMK-` prefix, reserved for the proxies' own
 * signature and timestamp headers. `Authorization` is allowed on purpose:
 * many receivers authenticate with a bearer token and cannot check an HMAC,
 * and header values are sealed like every other credential and masked in
 * the form.
 */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);
const RESERVED_PREFIXES = ['x-cmk-', 'proxy-', 'sec-'];

function headerNameProblem(name: string): string | undefined {
  if (name.length > 100 || !TOKEN.test(name)) {
    return `Use a header name of at most 100 letters, digits and hyphens, without spaces or a colon, like ${HEADER_NAME_EXAMPLE}.`;
  }
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower) || RESERVED_PREFIXES.some((prefix) => lower.startsWith(prefix))) {
    return `The key proxies set ${name} themselves; use a header of your own, like ${HEADER_NAME_EXAMPLE}.`;
  }
  return undefined;
}

export const ZWebhookHeaderName = ZRequiredText(`Enter a header name, like ${HEADER_NAME_EXAMPLE}.`, headerNameProblem, 100);

/**
 * A field value (RFC 7230): visible ASCII, spaces and Latin-1. Line breaks,
 * which would let a value inject further headers, are refused by
 * ZRequiredText with every other control character.
 */
export const ZWebhookHeaderValue = ZRequiredText(
  `Enter a value for this header, like ${HEADER_VALUE_EXAMPLE}.`,
  (value) => (/^[\x20-\x7e\x80-\xff]+$/.test(value) ? undefined : `Use only printable characters in the header value, like ${HEADER_VALUE_EXAMPLE}.`),
  4096,
);

const TOO_MANY = `Add at most ${WEBHOOK_MAX_HEADERS} extra headers.`;
const DUPLICATE = `This header is already set (names are case-insensitive); keep one, like ${HEADER_NAME_EXAMPLE}.`;

/** The index of the first name already seen (ignoring case, as HTTP does), or -1. */
function firstDuplicate(names: string[]): number {
  const seen = new Set<string>();
  return names.findIndex((name) => {
    const lower = name.trim().toLowerCase();
    if (seen.has(lower)) return true;
    seen.add(lower);
    return false;
  });
}

const HEADERS_SHAPE = `Enter the extra headers as names and values, like {"${HEADER_NAME_EXAMPLE}": "acme"}.`;

/**
 * The canonical form, stored in the configuration: `{ "X-Name": "value" }`.
 * Names are checked even when some value is wrong, so every problem shows at once.
 */
const ZHeaderObject = z.record(z.string(), ZWebhookHeaderValue, { error: HEADERS_SHAPE }).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > WEBHOOK_MAX_HEADERS) {
    ctx.addIssue({ code: 'custom', message: TOO_MANY, input: headers });
    return;
  }
  for (const name of names) {
    const message = ZWebhookHeaderName.safeParse(name).error?.issues[0]?.message;
    if (message === undefined) continue;
    // One message per header: a bad name matters more than its value.
    for (let i = ctx.issues.length - 1; i >= 0; i--) if (ctx.issues[i]?.path?.[0] === name) ctx.issues.splice(i, 1);
    ctx.addIssue({ code: 'custom', message, input: name, path: [name] });
  }
  const duplicate = names[firstDuplicate(names)];
  if (duplicate !== undefined) ctx.addIssue({ code: 'custom', message: DUPLICATE, input: duplicate, path: [duplicate] });
}, whenSettingsObject);

/** What a form of name/value rows sends. */
const ZHeaderRows = z
  .array(z.strictObject({ name: ZWebhookHeaderName, value: ZWebhookHeaderValue }, { error: 'Give each header a name and a value.' }))
  .max(WEBHOOK_MAX_HEADERS, { error: TOO_MANY })
  .check((ctx) => {
    const duplicate = firstDuplicate(ctx.value.map((row) => row.name));
    if (duplicate >= 0) ctx.issues.push({ code: 'custom', message: DUPLICATE, input: ctx.value[duplicate], path: [duplicate, 'name'] });
  });

export type TWebhookHeadersInput = Record<string, string> | { name: string; value: string }[];

/**
 * At most 20 extra headers, as an object or as name/value rows; stored as an
 * object with trimmed names. Absent means none. The form is chosen by shape
 * rather than with z.union, which would hide each row's precise message
 * behind a generic one.
 */
export const ZWebhookHeaders = z
  .custom<TWebhookHeadersInput>()
  .optional()
  .transform((value, ctx): Record<string, string> => {
    if (value === undefined) return {};
    const result = Array.isArray(value) ? ZHeaderRows.safeParse(value) : ZHeaderObject.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
      return z.NEVER;
    }
    const rows = Array.isArray(result.data) ? result.data.map((row) => [row.name, row.value] as const) : Object.entries(result.data);
    return Object.fromEntries(rows.map(([name, value]) => [name.trim(), value]));
  });

export const ZWebhookSettings = ZSiemSettingsObject('HTTPS webhook', {
  url: ZWebhookUrl,
  hmacSecret: ZWebhookHmacSecret,
  headers: ZWebhookHeaders,
});
export type TWebhookSettings = z.infer<typeof ZWebhookSettings>;

export const webhook = defineProvider({
  id: 'webhook',
  kind: 'siem',
  label: 'HTTPS webhook',
  description: 'Lets the key proxies POST audit events as JSON to your HTTPS endpoint, each body signed with a shared HMAC secret.',
  schema: ZWebhookSettings,
  fields: [
    defineField({
      name: 'url',
      label: 'Webhook URL',
      help: 'The https:// address that receives the events. It is kept secret, since many receivers embed a token in it.',
      example: URL_EXAMPLE,
      // Masked: many receivers carry a token in the URL's path or query.
      secret: true,
    }),
    defineField({
      name: 'hmacSecret',
      label: 'HMAC secret',
      help: 'A random secret of at least 32 characters, shared with your receiver, which checks the signature header on every request.',
      example: '9c1e5f7a3b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f',
      secret: true,
    }),
    defineField({
      name: 'headers',
      label: 'Extra headers',
      help: `Up to ${WEBHOOK_MAX_HEADERS} headers added to every request, such as an Authorization bearer token. Host, Content-Type, Content-Length, hop-by-hop and X-CMK- headers are set by the key proxies.`,
      example: '{"Authorization": "Bearer 3f9a1c2d", "X-Acme-Tenant": "acme"}',
      input: 'headers',
      // Header values are usually credentials (bearer tokens, API keys).
      secret: true,
      required: false,
    }),
    siemQueueFullField,
  ],
  example: {
    url: URL_EXAMPLE,
    hmacSecret: '9c1e5f7a3b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f',
    headers: { Authorization: 'Bearer 3f9a1c2d4b5e6f70', 'X-Acme-Tenant': 'acme' },
    onQueueFull: 'drop',
  },
});
