// The request bodies of API v1 (TSP.md "Wire API"), checked with zod before
// anything else reads them. Optional fields come absent or as JSON null, as
// the reference clients send them. Every bound here keeps one request's work
// bounded: strings, maps and batches have limits, and a message names the
// field that broke one.
import { z } from 'zod';
import { isSecretPath, MAX_SECRET_PATH_LENGTH } from '@/lib/crypto/tenant-secrets';

export const MAX_BATCH = 1000;
export const MAX_FIELD_LENGTH = 1024;
export const MAX_EDEK_LENGTH = 16 * 1024;
export const MAX_CUSTOM_FIELDS = 32;
// With these bounds one event stays far below every SIEM sink's batch size (≈ 40 KiB at most).
export const MAX_CUSTOM_VALUE_LENGTH = 1024;
const MAX_TENANT_ID_LENGTH = 256;

const text = (what: string, max = MAX_FIELD_LENGTH) =>
  z
    .string({ error: `${what} must be a string.` })
    .min(1, { error: `${what} must not be empty.` })
    .max(max, { error: `${what} is longer than ${max} characters.` })
    .refine((value) => !value.includes('\u0000'), { error: `${what} must not contain NUL characters.` });

/** Absent or null → undefined. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const ZTenantId = text('tenantId', MAX_TENANT_ID_LENGTH);

/** An event name: USER_LOGIN, DATA_EXPORT, CUSTOM_MY_EVENT … (SCREAMING_SNAKE_CASE). */
export const EVENT_NAME = /^(USER|ADMIN|DATA|PERIODIC|CUSTOM)_[A-Z][A-Z0-9_]{0,126}$/;
const ZEventName = z
  .string({ error: 'event must be a string.' })
  .regex(EVENT_NAME, { error: 'event must be a security event name like USER_LOGIN or CUSTOM_MY_EVENT (SCREAMING_SNAKE_CASE, with a USER_, ADMIN_, DATA_, PERIODIC_ or CUSTOM_ prefix).' });

export const ZIclFields = z.object(
  {
    requestingId: text('iclFields.requestingId'),
    dataLabel: optional(text('iclFields.dataLabel')),
    sourceIp: optional(text('iclFields.sourceIp')),
    objectId: optional(text('iclFields.objectId')),
    requestId: optional(text('iclFields.requestId')),
    event: optional(ZEventName),
  },
  { error: 'iclFields must be an object with at least requestingId.' },
);

export const ZCustomFields = optional(
  z
    .record(text('a customFields name', 128), z.string({ error: 'customFields values must be strings.' }).max(MAX_CUSTOM_VALUE_LENGTH, { error: `customFields values are at most ${MAX_CUSTOM_VALUE_LENGTH} characters.` }), {
      error: 'customFields must be an object of strings.',
    })
    .refine((fields) => Object.keys(fields).length <= MAX_CUSTOM_FIELDS, { error: `customFields has more than ${MAX_CUSTOM_FIELDS} entries.` }),
).transform((fields) => fields ?? {});

const common = { tenantId: ZTenantId, iclFields: ZIclFields, customFields: ZCustomFields };

const ZEdek = z
  .string({ error: 'The EDEK must be a base64 string.' })
  .min(1, { error: 'The EDEK must not be empty.' })
  .max(MAX_EDEK_LENGTH, { error: `The EDEK is longer than ${MAX_EDEK_LENGTH} characters.` });

const batchOf = <T extends z.ZodType>(schema: T, what: string) =>
  z
    .record(text(`a ${what} id`), schema, { error: `${what} must be an object of document id → EDEK.` })
    .refine((items) => Object.keys(items).length >= 1, { error: `${what} must name at least one document.` })
    .refine((items) => Object.keys(items).length <= MAX_BATCH, { error: `${what} may name at most ${MAX_BATCH} documents.` });

export const ZWrapRequest = z.object(common);
export const ZBatchWrapRequest = z.object({
  ...common,
  documentIds: z
    .array(text('a documentIds entry'), { error: 'documentIds must be an array of strings.' })
    .min(1, { error: 'documentIds must name at least one document.' })
    .max(MAX_BATCH, { error: `documentIds may name at most ${MAX_BATCH} documents.` })
    .refine((ids) => new Set(ids).size === ids.length, { error: 'documentIds must not repeat an id.' }),
});
export const ZUnwrapRequest = z.object({ ...common, encryptedDocumentKey: ZEdek });
export const ZBatchUnwrapRequest = z.object({ ...common, edeks: batchOf(ZEdek, 'edeks') });
export const ZRekeyRequest = z.object({ ...common, encryptedDocumentKey: ZEdek, newTenantId: ZTenantId });
export const ZSecurityEventRequest = z
  .object({
    ...common,
    // The Rust client sends the event at the top level, the others in iclFields.
    event: optional(ZEventName),
    timestampMillis: optional(z.number({ error: 'timestampMillis must be a number.' }).int({ error: 'timestampMillis must be whole milliseconds.' }).min(0).max(253_402_300_799_999)),
  })
  .refine((body) => (body.iclFields.event ?? body.event) !== undefined, { error: 'A security event needs its name, in iclFields.event (or event).' });

/** Secret paths one derivation request may name, and derivation paths in all: a deterministic batch is one request. */
export const MAX_SECRET_PATHS = 100;
export const MAX_DERIVATION_PATHS = MAX_BATCH;

// key/derive-with-secret-path (TSP.md "Wire API"): paths { secretPath: [derivationPath] }. Only what this
// proxy derives is accepted: SHA-512 keys (docs/tsp.md "Deterministic keys") from deterministic secrets.
export const ZDeriveRequest = z
  .object({
    ...common,
    paths: z
      .record(
        text('a secretPath', MAX_SECRET_PATH_LENGTH).refine(isSecretPath, { error: 'a secretPath must not contain control characters.' }),
        z.array(text('a derivationPath'), { error: 'paths must map each secretPath to an array of derivationPaths.' }).min(1, { error: 'each secretPath needs at least one derivationPath.' }),
        { error: 'paths must be an object of secretPath → [derivationPath]; a secretPath is 1 to 256 characters without control characters.' },
      )
      .refine((paths) => Object.keys(paths).length >= 1, { error: 'paths must name at least one secretPath.' })
      .refine((paths) => Object.keys(paths).length <= MAX_SECRET_PATHS, { error: `paths may name at most ${MAX_SECRET_PATHS} secretPaths.` })
      .refine((paths) => Object.values(paths).reduce((n, list) => n + list.length, 0) <= MAX_DERIVATION_PATHS, { error: `paths may name at most ${MAX_DERIVATION_PATHS} derivationPaths in all.` }),
    derivationType: z.literal('sha512', { error: 'derivationType must be "sha512": this proxy derives SHA-512 keys only.' }),
    secretType: z.literal('deterministic', { error: 'secretType must be "deterministic": this proxy keeps deterministic secrets only.' }),
  });

export type TDeriveRequest = z.infer<typeof ZDeriveRequest>;
export type TWrapRequest = z.infer<typeof ZWrapRequest>;
export type TBatchWrapRequest = z.infer<typeof ZBatchWrapRequest>;
export type TUnwrapRequest = z.infer<typeof ZUnwrapRequest>;
export type TBatchUnwrapRequest = z.infer<typeof ZBatchUnwrapRequest>;
export type TRekeyRequest = z.infer<typeof ZRekeyRequest>;
export type TSecurityEventRequest = z.infer<typeof ZSecurityEventRequest>;
export type TIclFields = z.infer<typeof ZIclFields>;

/** The first problem of a failed parse, as one sentence for the `message` of a 102. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The request body is not valid.';
  // Our messages name their field; zod's generic ones (a missing member) get the path, whose
  // segments (the client's own map keys) are clipped so that a message never echoes a huge input.
  const clip = (segment: PropertyKey) => (String(segment).length > 64 ? `${String(segment).slice(0, 64)}…` : String(segment));
  const where = issue.path.length ? issue.path.map(clip).join('.') : 'body';
  return issue.message.includes(String(issue.path.at(-1) ?? '\u0000')) || issue.code === 'custom' ? issue.message : `${where}: ${issue.message}`;
}
