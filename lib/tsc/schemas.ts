// What the application hands the client, checked with zod before anything is
// sent: the client's options, document and event metadata, and security
// event names. The bounds are the TSP's own (lib/tsp/wire.ts), so a request
// the TSP would refuse is refused here first, naming the field (102) and
// never echoing a value.
import { z } from 'zod';
import { invalidRequest, TenantSecurityError, TSC_ERROR_CODES } from './errors';

const MAX_TEXT = 1024;
const MAX_CUSTOM_FIELDS = 32;

const text = (what: string, max = MAX_TEXT) =>
  z
    .string({ error: `${what} must be a string.` })
    .min(1, { error: `${what} must not be empty.` })
    .max(max, { error: `${what} is longer than ${max} characters.` })
    .refine((value) => !value.includes('\u0000'), { error: `${what} must not contain NUL characters.` });

export const ZTenantId = text('tenantId', 256);
export const ZDocumentId = text('a document id');

export const ZDocumentMetadata = z.strictObject(
  {
    tenantId: ZTenantId,
    /** The user or service the application acts for: every SIEM event names it. */
    requestingId: text('requestingId'),
    dataLabel: text('dataLabel').optional(),
    sourceIp: text('sourceIp').optional(),
    objectId: text('objectId').optional(),
    requestId: text('requestId').optional(),
    customFields: z
      .record(text('a customFields name', 128), z.string({ error: 'customFields values must be strings.' }).max(MAX_TEXT, { error: `customFields values are at most ${MAX_TEXT} characters.` }), {
        error: 'customFields must be an object of strings.',
      })
      .refine((fields) => Object.keys(fields).length <= MAX_CUSTOM_FIELDS, { error: `customFields has more than ${MAX_CUSTOM_FIELDS} entries.` })
      .optional(),
  },
  { error: 'metadata must be an object with tenantId and requestingId (and optionally dataLabel, sourceIp, objectId, requestId, customFields).' },
);

export const ZEventMetadata = ZDocumentMetadata.extend({
  /** When the event happened; default: when it is logged. */
  timestampMillis: z.number({ error: 'timestampMillis must be a number.' }).int({ error: 'timestampMillis must be whole milliseconds.' }).min(0).max(253_402_300_799_999).optional(),
});

export type TDocumentMetadata = z.input<typeof ZDocumentMetadata>;
export type TEventMetadata = z.input<typeof ZEventMetadata>;

/** The security events the reference clients name (TSP.md), and CUSTOM_<SCREAMING_SNAKE>. */
export const SECURITY_EVENTS = [
  'USER_ADD', 'USER_SUSPEND', 'USER_REMOVE', 'USER_LOGIN', 'USER_TIMEOUT_SESSION', 'USER_LOCKOUT', 'USER_LOGOUT',
  'USER_CHANGE_PERMISSIONS', 'USER_EXPIRE_PASSWORD', 'USER_RESET_PASSWORD', 'USER_CHANGE_PASSWORD', 'USER_REJECT_LOGIN',
  'USER_ENABLE_TWO_FACTOR', 'USER_DISABLE_TWO_FACTOR', 'USER_CHANGE_EMAIL', 'USER_REQUEST_EMAIL_VERIFICATION', 'USER_VERIFY_EMAIL',
  'ADMIN_ADD', 'ADMIN_REMOVE', 'ADMIN_CHANGE_PERMISSIONS', 'ADMIN_CHANGE_SETTING',
  'DATA_IMPORT', 'DATA_EXPORT', 'DATA_ENCRYPT', 'DATA_DECRYPT', 'DATA_CREATE', 'DATA_DELETE', 'DATA_DENY_ACCESS', 'DATA_CHANGE_PERMISSIONS',
  'PERIODIC_ENFORCE_RETENTION_POLICY', 'PERIODIC_CREATE_BACKUP',
] as const; // prettier-ignore

export type TSecurityEvent = (typeof SECURITY_EVENTS)[number] | `CUSTOM_${string}`;

export const ZSecurityEvent = z.union([z.enum(SECURITY_EVENTS), z.string().regex(/^CUSTOM_[A-Z][A-Z0-9_]{0,126}$/)], {
  error: 'event must be one of the security events (USER_LOGIN, DATA_EXPORT, …) or CUSTOM_<SCREAMING_SNAKE_CASE>.',
});

export const ZClientOptions = z.strictObject({
  /** The TSP's base address, e.g. https://tsp.internal:7777 (the client adds /api/1/<route>). */
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL.' }),
  /** The TSP's API key, sent as `Authorization: cmk <apiKey>`. */
  apiKey: z.string({ error: 'apiKey must be a string.' }).regex(/^[\x21-\x7e]{1,4096}$/, { error: 'apiKey must be printable ASCII without spaces.' }),
  /** Plain http sends the API key and every DEK in clear: refused unless this is true. */
  allowInsecureHttp: z.boolean().default(false),
  /** Each HTTP request to the TSP (each attempt) is abandoned after this long. */
  timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  /** Further attempts after a 5xx or a connection failure; never after a 4xx. */
  maxRetries: z.number().int().min(0).max(10).default(2),
  /** Full jitter: before retry n the client waits a random time in [0, min(retryMaxMs, retryBaseMs × 2^n)). */
  retryBaseMs: z.number().int().min(0).max(60_000).default(100),
  retryMaxMs: z.number().int().min(0).max(60_000).default(2_000),
  /** Keep-alive connections the client holds open to the TSP at most. */
  maxSockets: z.number().int().min(1).max(1024).default(64),
  /** PEM CA certificates trusted for the TSP's https certificate, instead of the system's (a private PKI). */
  ca: z.union([z.string(), z.instanceof(Uint8Array), z.array(z.union([z.string(), z.instanceof(Uint8Array)]))]).optional(),
});

export type TClientOptions = z.input<typeof ZClientOptions>;
export type TParsedClientOptions = z.output<typeof ZClientOptions>;

function describe(error: z.ZodError, where: string): string {
  const issue = error.issues[0];
  if (!issue) return `${where} is not valid.`;
  const path = issue.path.map(String).join('.');
  return path && !issue.message.includes(String(issue.path.at(-1))) ? `${where}.${path}: ${issue.message}` : issue.message;
}

/** Parses input for a call: a 102 naming the field, before anything is sent. */
export function check<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(describe(parsed.error, where));
  return parsed.data;
}

export function parseClientOptions(options: TClientOptions): TParsedClientOptions {
  const parsed = ZClientOptions.safeParse(options);
  if (!parsed.success) throw new TenantSecurityError(TSC_ERROR_CODES.UNABLE_TO_MAKE_REQUEST, `Invalid client options: ${describe(parsed.error, 'options')}`);
  if (new URL(parsed.data.url).protocol === 'http:' && !parsed.data.allowInsecureHttp) {
    throw new TenantSecurityError(
      TSC_ERROR_CODES.UNABLE_TO_MAKE_REQUEST,
      'Refusing plain http: the API key and every DEK would cross the network in clear. Use https, or set allowInsecureHttp: true for a TSP on the same host.',
    );
  }
  return parsed.data;
}
