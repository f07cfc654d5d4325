// Building blocks shared by every provider schema (KMS and SIEM): https URLs,
// UUIDs, secrets, PEM private keys, Google service-account key files, AWS
// regions, and the helpers that turn them into settings objects and form
// field specs. Runs in the browser, on the server and in the proxy, so it
// uses only what all three have (URL, atob, BigInt) — no Node built-ins.
//
// Every field schema reports at most one problem, as one sentence a person
// can act on: each validator is a `diagnose(value) → message | undefined`
// function wrapped in a single refinement, rather than a chain of zod checks
// that could stack several messages on one field.
//
// Other modules import these names; new exports go at the end of the file.
import { z } from 'zod';
import type { TFieldSpec, TProvider } from './types';

// ---------------------------------------------------------------------------
// Field specs and providers
// ---------------------------------------------------------------------------

/**
 * A field spec, plus when the form should show it. `types.ts` keeps specs one
 * level deep; mutually exclusive credential choices (AWS keys vs role, Vault
 * AppRole vs token) still need the form to know which fields go with which
 * choice, so such fields name the select they depend on. `required` then
 * means "required while shown".
 */
export type TFieldSpecWithCondition = TFieldSpec & {
  showWhen?: { field: string; equals: string };
};

type TFieldSpecInput = Pick<TFieldSpec, 'name' | 'label' | 'help' | 'example'> &
  Partial<Pick<TFieldSpec, 'input' | 'secret' | 'required' | 'options'>> & {
    showWhen?: { field: string; equals: string };
  };

/** A field spec with the usual defaults: a required, non-secret text input. */
export function defineField(spec: TFieldSpecInput): TFieldSpecWithCondition {
  return { input: 'text', secret: false, required: true, ...spec };
}

/** A provider whose field specs may carry `showWhen`. */
export type TProviderWithConditions<S extends z.ZodType, Id extends string = string> = Omit<TProvider<S>, 'id' | 'fields'> & {
  id: Id;
  fields: readonly TFieldSpecWithCondition[];
};

/**
 * Identity function that keeps the provider's literal id, exact schema type
 * (so `example` is checked against that schema's input type) and `showWhen`.
 */
export function defineProvider<const Id extends string, S extends z.ZodType>(
  provider: TProviderWithConditions<S, Id>,
): TProviderWithConditions<S, Id> {
  return provider;
}

/**
 * A provider's settings object. Strict, because a member no field spec
 * describes would be invisible in the form (and never masked if it held a
 * credential); the message says which member to remove.
 */
export function ZSettingsObject<Shape extends z.ZodRawShape>(providerLabel: string, shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((key) => `"${key}"`).join(', ');
        return `Remove ${names}: ${providerLabel} has no such setting.`;
      }
      if (issue.code === 'invalid_type') return `The ${providerLabel} settings must be an object of fields.`;
      return undefined;
    },
  });
}

/**
 * Run an object-level refinement even when some fields are missing, so the
 * form shows every problem at once instead of one round at a time. The
 * refinement must then treat every value as unchecked.
 */
export const whenSettingsObject = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value),
};

type TRuleMessages<T> = Partial<Record<keyof T & string, string>>;

/**
 * Mutually exclusive credential choices: every field of the chosen method must
 * be filled in (message at that field), and every field of the other methods
 * left empty. A field that is both filled in and malformed but belongs to the
 * other method gets only the "leave it empty" message: its format no longer
 * matters, and one message per field is the rule.
 */
export function checkExclusiveFields<T extends object>(
  ctx: z.RefinementCtx<T>,
  settings: T,
  rules: { required: TRuleMessages<T>; refused: TRuleMessages<T> },
): void {
  const values = settings as Record<string, unknown>;
  for (const [field, message] of Object.entries(rules.required) as [string, string][]) {
    if (values[field] === undefined && !hasIssueAt(ctx, field)) {
      ctx.addIssue({ code: 'custom', path: [field], message });
    }
  }
  for (const [field, message] of Object.entries(rules.refused) as [string, string][]) {
    if (values[field] === undefined) continue;
    for (let i = ctx.issues.length - 1; i >= 0; i--) {
      if (ctx.issues[i]?.path?.[0] === field) ctx.issues.splice(i, 1);
    }
    ctx.addIssue({ code: 'custom', path: [field], message });
  }
}

function hasIssueAt(ctx: { issues: readonly { path?: readonly PropertyKey[] }[] }, field: string): boolean {
  return ctx.issues.some((issue) => issue.path?.[0] === field);
}

// ---------------------------------------------------------------------------
// Text fields
// ---------------------------------------------------------------------------

type TDiagnose = (value: string) => string | undefined;

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A check that adds the one problem `diagnose` finds, if any. The issue is
 * pushed without `continue`, which zod treats as "stop checking this value":
 * a refinement chained after ours (`ZHttpsUrl.refine(…)`) is skipped once the
 * value already has a problem, so it cannot stack a second message. Object
 * refinements declared with `whenSettingsObject` still run.
 */
function reportProblem(diagnose: TDiagnose): z.core.CheckFn<string> {
  return (payload) => {
    const message = diagnose(payload.value);
    if (message !== undefined) payload.issues.push({ code: 'custom', message, input: payload.value });
  };
}

/**
 * A required text field, trimmed (pasted values often carry a stray space or
 * line break at either end). Blank → `missing`; otherwise `diagnose` finds the
 * one problem, if any. Longer than `max` characters is refused before
 * `diagnose` runs, so pathological input never reaches a regular expression.
 */
export function ZRequiredText(missing: string, diagnose?: TDiagnose, max = 2048) {
  return z
    .string({ error: missing })
    .trim()
    .check(
      reportProblem((value) => {
        if (value === '') return missing;
        if (value.length > max) return `This is too long; use at most ${max} characters.`;
        if (CONTROL_CHARACTERS.test(value)) return 'Remove the line breaks, tabs and other control characters.';
        return diagnose?.(value);
      }),
    );
}

/**
 * An optional field: absent, undefined or blank (what an empty form input
 * sends) all mean "not set" and come out as undefined; anything else must pass
 * `schema`.
 */
export function ZOptionalText<T extends z.ZodType<unknown, string>>(schema: T) {
  return z
    .string({ error: 'Enter this as text.' })
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value))
    .pipe(schema.optional());
}

/** Like ZOptionalText, but "not set" becomes `fallback` (via zod's `.default`). */
export function ZTextWithDefault(schema: z.ZodString, fallback: string) {
  return z
    .string({ error: 'Enter this as text.' })
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value))
    .pipe(schema.default(fallback));
}

export const MAX_SECRET_LENGTH = 4096;

/**
 * A password, token or client secret, kept exactly as entered (spaces may be
 * part of a password). `label` is a lower-case noun phrase ("client secret").
 * Control characters are refused: a secret never contains a line break, so one
 * means the paste picked up something else. PEM keys, which do have line
 * breaks, use ZPemPrivateKey instead.
 */
export function ZNonEmptySecret(label: string) {
  const missing = `Enter the ${label}.`;
  return z.string({ error: missing }).check(
    reportProblem((value) => {
      if (value.trim() === '') return missing;
      if (value.length > MAX_SECRET_LENGTH) return `The ${label} is too long; use at most ${MAX_SECRET_LENGTH} characters.`;
      if (CONTROL_CHARACTERS.test(value)) return `The ${label} contains a line break or another control character; paste it again on one line.`;
      return undefined;
    }),
  );
}

// ---------------------------------------------------------------------------
// https URLs
// ---------------------------------------------------------------------------

export const MAX_URL_LENGTH = 2048;

export type THttpsUrlOptions = {
  /** Whether a `?query` is allowed (webhooks may need one; API base URLs never do). Default true. */
  query?: boolean;
};

/**
 * The one problem with `value` as an https URL, or undefined. `what` names the
 * field in the message ("Vault address"), `example` shows a good value.
 * `new URL` alone is too forgiving: it accepts `https:example.com`,
 * `https:\\example.com` and strips tabs and line breaks, so the raw text is
 * checked first.
 */
export function httpsUrlProblem(value: string, what: string, example: string, options: THttpsUrlOptions = {}): string | undefined {
  if (value === '') return `Enter the ${what}, like ${example}.`;
  if (value.length > MAX_URL_LENGTH) return `The ${what} is too long; use at most ${MAX_URL_LENGTH} characters.`;
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return `Remove the spaces and line breaks from the ${what}.`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1];
  if (scheme !== undefined && scheme.toLowerCase() !== 'https') return `The ${what} must start with https://, like ${example}.`;
  if (!/^https:\/\/[^/\\]/i.test(value)) return `Enter the ${what} as a full address starting with https://, like ${example}.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `The ${what} is not a valid address; enter it like ${example}.`;
  }
  if (url.hostname === '') return `The ${what} needs a host name, like ${example}.`;
  if (url.username !== '' || url.password !== '') {
    return `Remove the user name and password from the ${what}; credentials go in their own fields.`;
  }
  if (value.includes('#')) return `Remove the #… part from the ${what}.`;
  if (options.query === false && value.includes('?')) return `Remove the ?… part from the ${what}.`;
  return undefined;
}

/** An https URL field with messages that name it: `ZHttpsUrlFor('Vault address', 'https://vault.example.com:8200')`. */
export function ZHttpsUrlFor(what: string, example: string, options: THttpsUrlOptions = {}) {
  return ZRequiredText(`Enter the ${what}, like ${example}.`, (value) => httpsUrlProblem(value, what, example, options), MAX_URL_LENGTH);
}

/** An absolute https URL with a host, no credentials and no fragment. */
export const ZHttpsUrl = ZHttpsUrlFor('URL', 'https://example.com');
export type THttpsUrl = z.infer<typeof ZHttpsUrl>;

// ---------------------------------------------------------------------------
// UUIDs
// ---------------------------------------------------------------------------

/** RFC 4122 / RFC 9562 UUID: versions 1–8 and the RFC variant, any case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/**
 * 8-4-4-4-12 hex digits without the version and variant rules. Some systems
 * print random bytes in UUID layout (HashiCorp's go-uuid, behind Vault's
 * AppRole ids; AWS's documented example key ids) — those must pass too.
 */
export const UUID_SHAPE_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const EXAMPLE_UUID = '123e4567-e89b-42d3-a456-426614174000';

/** A UUID field with messages that name it: `ZUuidFor('application (client) id')`. */
export function ZUuidFor(what: string) {
  return ZRequiredText(`Enter the ${what}.`, (value) =>
    UUID_PATTERN.test(value) ? undefined : `The ${what} must be a UUID, like ${EXAMPLE_UUID}.`,
  );
}

/** Like ZUuidFor, for ids that only have the UUID layout (see UUID_SHAPE_PATTERN). */
export function ZUuidShapeFor(what: string, example = EXAMPLE_UUID) {
  return ZRequiredText(`Enter the ${what}.`, (value) =>
    UUID_SHAPE_PATTERN.test(value) ? undefined : `The ${what} must be a UUID, like ${example}.`,
  );
}

/** Any RFC 4122 UUID, case-insensitive. */
export const ZUuid = ZUuidFor('UUID');
export type TUuid = z.infer<typeof ZUuid>;

// ---------------------------------------------------------------------------
// AWS regions
// ---------------------------------------------------------------------------

/** us-east-1, eu-central-2, cn-north-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1, … */
export const AWS_REGION_PATTERN = /^[a-z]{2,4}(?:-gov|-iso[a-z]?|-[a-z]{2})?-[a-z]+-\d{1,2}$/;

export const ZAwsRegion = ZRequiredText('Enter the AWS region, like eu-west-1.', (value) =>
  AWS_REGION_PATTERN.test(value) ? undefined : 'Enter an AWS region code, like eu-west-1.',
);
export type TAwsRegion = z.infer<typeof ZAwsRegion>;

// ---------------------------------------------------------------------------
// PEM private keys
// ---------------------------------------------------------------------------

export const MAX_PEM_LENGTH = 16_384;

export type TPrivateKeyAlgorithm = 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | 'ed448' | 'x25519' | 'x448' | 'other';

export type TPemPrivateKeyInfo = {
  /** The PEM label: PKCS#8, or the traditional RSA / SEC 1 EC forms. */
  format: 'PRIVATE KEY' | 'RSA PRIVATE KEY' | 'EC PRIVATE KEY';
  algorithm: TPrivateKeyAlgorithm;
  /** For EC keys on a curve this module knows: 'P-256', 'P-384', 'P-521', 'secp256k1'. */
  curve?: string;
};

export type TPemInspection = ({ ok: true } & TPemPrivateKeyInfo) | { ok: false; message: string };

const PEM_EXAMPLE = 'from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----';

/**
 * Reads a PEM private key far enough to know it is one, intact: the armor, the
 * base64 body, the DER structure (PKCS#8 PrivateKeyInfo with its version and
 * AlgorithmIdentifier, or the traditional RSA/EC forms), and, where cheap,
 * that the numbers belong together — an RSA key's n = p·q and CRT values, an
 * EC key's public point on its curve — so a truncated or altered paste is
 * caught here rather than by the proxy at 3 a.m. `subject` starts each
 * message ("The key file's private_key").
 */
export function inspectPemPrivateKey(pem: string, subject = 'The key'): TPemInspection {
  const fail = (message: string): TPemInspection => ({ ok: false, message });
  const text = pem.trim();
  if (text === '') return fail(`Paste the private key, ${PEM_EXAMPLE}.`);
  if (text.length > MAX_PEM_LENGTH) return fail(`${subject} is too long to be a private key.`);
  if (!/[\r\n]/.test(text) && text.includes('\\n')) {
    return fail(`${subject} contains \\n sequences instead of line breaks; paste it with real line breaks.`);
  }
  const labels = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((match) => match[1] ?? '');
  const label = labels[0];
  if (label === undefined) {
    // A long run of base64 alone is a key body whose BEGIN and END lines were left behind.
    if (text.length >= 64 && /^[A-Za-z0-9+/=\r\n]+$/.test(text)) return fail(`${subject} is missing its PEM lines; paste everything ${PEM_EXAMPLE}.`);
    return fail(`${subject} is not a PEM private key; paste everything ${PEM_EXAMPLE}.`);
  }
  if (labels.length > 1) return fail(`${subject} holds several PEM blocks; paste only the private key.`);
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY' || label === 'EC PUBLIC KEY') {
    return fail(`${subject} is a public key; paste the private key instead.`);
  }
  if (label.endsWith('CERTIFICATE')) return fail(`${subject} is a certificate; paste the private key instead.`);
  if (label.endsWith('CERTIFICATE REQUEST')) return fail(`${subject} is a certificate signing request; paste the private key instead.`);
  if (label === 'ENCRYPTED PRIVATE KEY') {
    return fail(`${subject} is encrypted; export it without a passphrase (the configuration is sealed end to end anyway).`);
  }
  if (label === 'OPENSSH PRIVATE KEY') {
    return fail(`${subject} is in OpenSSH format; convert it to PKCS#8 with ssh-keygen -p -m PKCS8 -f <file>.`);
  }
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY' && label !== 'EC PRIVATE KEY') {
    return fail(`${subject} is a PEM "${label}" block, not a private key in PKCS#8, RSA or EC form.`);
  }
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  if (!text.startsWith(begin)) return fail(`${subject} has text before the PEM block; paste only the lines ${PEM_EXAMPLE}.`);
  const endAt = text.indexOf(end);
  if (endAt === -1) return fail(`${subject} is incomplete: the ${end} line is missing.`);
  if (endAt + end.length !== text.length) return fail(`${subject} has text after the PEM block; paste only the lines ${PEM_EXAMPLE}.`);
  const body = text.slice(begin.length, endAt);
  // Traditional PEM may carry RFC 1421 headers; in a key, they only ever say it is encrypted.
  if (/Proc-Type:\s*4,ENCRYPTED/i.test(body)) {
    return fail(`${subject} is encrypted; export it without a passphrase (the configuration is sealed end to end anyway).`);
  }
  const damaged = `${subject} is damaged or incomplete; paste the whole key again, unchanged.`;
  const bytes = base64ToBytes(body.replace(/\s+/g, ''));
  if (bytes === undefined) return fail(`${subject} is damaged (its body is not valid base64); paste the whole key again, unchanged.`);
  const info =
    label === 'PRIVATE KEY' ? readPkcs8(bytes) : label === 'RSA PRIVATE KEY' ? readRsaPrivateKey(bytes) : readEcPrivateKey(bytes, undefined);
  if (info === undefined) return fail(damaged);
  return { ok: true, format: label, ...info };
}

/** A PEM private key (PKCS#8, or traditional RSA / EC), checked down to its DER structure. */
export const ZPemPrivateKey = z.string({ error: `Paste the private key, ${PEM_EXAMPLE}.` }).trim().check(
  reportProblem((value) => {
    const inspection = inspectPemPrivateKey(value);
    return inspection.ok ? undefined : inspection.message;
  }),
);
export type TPemPrivateKey = z.infer<typeof ZPemPrivateKey>;

function base64ToBytes(base64: string): Uint8Array | undefined {
  if (base64.length === 0 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// A tiny DER reader: just enough ASN.1 for private keys. Each function returns
// undefined for anything malformed; callers turn that into "damaged".

const TAG = { integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30, context0: 0xa0, context1: 0xa1, implicit1: 0x81 };

type TDerNode = { tag: number; start: number; end: number };

function readNode(bytes: Uint8Array, offset: number, limit: number): TDerNode | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset] ?? 0;
  // High tag numbers never occur in key structures.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes[offset + 1] ?? 0;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0 is BER's indefinite length; more than 4 bytes of length cannot fit a 16 KiB PEM.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0);
    // DER: the long form only when needed, with no leading zero bytes.
    if (length < 0x80 || bytes[start] === 0) return undefined;
    start += count;
  }
  const end = start + length;
  if (end > limit) return undefined;
  return { tag, start, end };
}

/** The nodes that exactly fill `node`'s contents (or the whole buffer). */
function readChildren(bytes: Uint8Array, node: { start: number; end: number }): TDerNode[] | undefined {
  const children: TDerNode[] = [];
  let offset = node.start;
  while (offset < node.end) {
    const child = readNode(bytes, offset, node.end);
    if (child === undefined) return undefined;
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** The single top-level SEQUENCE that must span all of `bytes`, as its children. */
function readTopSequence(bytes: Uint8Array): TDerNode[] | undefined {
  const top = readNode(bytes, 0, bytes.length);
  if (top === undefined || top.tag !== TAG.sequence || top.end !== bytes.length) return undefined;
  return readChildren(bytes, top);
}

/** A non-negative INTEGER. */
function readUnsigned(bytes: Uint8Array, node: TDerNode | undefined): bigint | undefined {
  if (node === undefined || node.tag !== TAG.integer || node.end === node.start) return undefined;
  if ((bytes[node.start] ?? 0) & 0x80) return undefined;
  let hex = '';
  for (let i = node.start; i < node.end; i++) hex += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

function readOid(bytes: Uint8Array, node: TDerNode | undefined): string | undefined {
  if (node === undefined || node.tag !== TAG.oid || node.end === node.start) return undefined;
  const arcs: number[] = [];
  let value = 0;
  for (let i = node.start; i < node.end; i++) {
    const byte = bytes[i] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) return undefined;
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if (((bytes[node.end - 1] ?? 0) & 0x80) !== 0) return undefined;
  const first = arcs[0] ?? 0;
  const root = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [root, first - root * 40, ...arcs.slice(1)].join('.');
}

const ALGORITHM_OIDS: Record<string, TPrivateKeyAlgorithm> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.3.101.110': 'x25519',
  '1.3.101.111': 'x448',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

/** Private key lengths of the RFC 8410 curves, whose PKCS#8 key is an OCTET STRING inside the OCTET STRING. */
const CURVE_KEY_LENGTHS: Partial<Record<TPrivateKeyAlgorithm, number>> = { x25519: 32, x448: 56, ed25519: 32, ed448: 57 };

type TWeierstrassCurve = { name: string; size: number; p: bigint; a: bigint; b: bigint };

// y² = x³ + ax + b over GF(p); enough to tell whether a public point is on the curve.
const P256_P = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;
const P384_P = 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n;
const P521_P = 2n ** 521n - 1n;
const CURVES: Record<string, TWeierstrassCurve> = {
  '1.2.840.10045.3.1.7': {
    name: 'P-256',
    size: 32,
    p: P256_P,
    a: P256_P - 3n,
    b: BigInt('0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
  },
  '1.3.132.0.34': {
    name: 'P-384',
    size: 48,
    p: P384_P,
    a: P384_P - 3n,
    b: BigInt('0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef'),
  },
  '1.3.132.0.35': {
    name: 'P-521',
    size: 66,
    p: P521_P,
    a: P521_P - 3n,
    b: BigInt(
      '0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00',
    ),
  },
  '1.3.132.0.10': { name: 'secp256k1', size: 32, p: 2n ** 256n - 2n ** 32n - 977n, a: 0n, b: 7n },
};

type TKeyInfo = Omit<TPemPrivateKeyInfo, 'format'>;

/** PKCS#8 PrivateKeyInfo (RFC 5208), or its v2 OneAsymmetricKey (RFC 5958). */
function readPkcs8(bytes: Uint8Array): TKeyInfo | undefined {
  const fields = readTopSequence(bytes);
  if (fields === undefined || fields.length < 3 || fields.length > 5) return undefined;
  const [versionNode, algorithmNode, keyNode, ...optional] = fields;
  const version = readUnsigned(bytes, versionNode);
  if (version !== 0n && version !== 1n) return undefined;
  if (algorithmNode?.tag !== TAG.sequence || keyNode?.tag !== TAG.octetString || keyNode.end === keyNode.start) return undefined;
  // Optional [0] attributes, then (v2 only) [1] publicKey, in that order.
  const optionalTags = optional.map((node) => node.tag);
  const allowed = version === 0n ? [[], [TAG.context0]] : [[], [TAG.context0], [TAG.implicit1], [TAG.context0, TAG.implicit1]];
  if (!allowed.some((tags) => tags.join() === optionalTags.join())) return undefined;

  const algorithmFields = readChildren(bytes, algorithmNode);
  if (algorithmFields === undefined || algorithmFields.length < 1 || algorithmFields.length > 2) return undefined;
  const oid = readOid(bytes, algorithmFields[0]);
  if (oid === undefined) return undefined;
  const algorithm = ALGORITHM_OIDS[oid] ?? 'other';
  const inner = bytes.subarray(keyNode.start, keyNode.end);

  if (algorithm === 'rsa' || algorithm === 'rsa-pss') {
    return readRsaPrivateKey(inner) === undefined ? undefined : { algorithm };
  }
  if (algorithm === 'ec') {
    // The curve is the AlgorithmIdentifier's parameter: a named-curve OID.
    const curveOid = readOid(bytes, algorithmFields[1]);
    if (curveOid === undefined) return undefined;
    return readEcPrivateKey(inner, curveOid);
  }
  const keyLength = CURVE_KEY_LENGTHS[algorithm];
  if (keyLength !== undefined) {
    const key = readNode(inner, 0, inner.length);
    if (key?.tag !== TAG.octetString || key.end !== inner.length || key.end - key.start !== keyLength) return undefined;
  }
  // Other algorithms (DSA, post-quantum, …): the PKCS#8 envelope is all we check.
  return { algorithm };
}

/** RSAPrivateKey (RFC 8017 A.1.2), two-prime, with its numbers cross-checked. */
function readRsaPrivateKey(bytes: Uint8Array): TKeyInfo | undefined {
  const fields = readTopSequence(bytes);
  if (fields === undefined || fields.length !== 9) return undefined;
  const numbers = fields.map((node) => readUnsigned(bytes, node));
  if (numbers.some((value) => value === undefined)) return undefined;
  const [version, n, e, d, p, q, dp, dq, qInv] = numbers as bigint[];
  if (version !== 0n || n === undefined || e === undefined || d === undefined || p === undefined || q === undefined) return undefined;
  if (dp === undefined || dq === undefined || qInv === undefined) return undefined;
  if (p < 2n || q < 2n || e < 3n || d < 1n) return undefined;
  // Every number is tied to the others, so changing any byte of any of them is caught.
  const consistent =
    p * q === n &&
    dp === d % (p - 1n) &&
    dq === d % (q - 1n) &&
    (e * dp) % (p - 1n) === 1n % (p - 1n) &&
    (e * dq) % (q - 1n) === 1n % (q - 1n) &&
    (q * qInv) % p === 1n;
  return consistent ? { algorithm: 'rsa' } : undefined;
}

/** ECPrivateKey (RFC 5915); `outerCurveOid` comes from the PKCS#8 AlgorithmIdentifier. */
function readEcPrivateKey(bytes: Uint8Array, outerCurveOid: string | undefined): TKeyInfo | undefined {
  const fields = readTopSequence(bytes);
  if (fields === undefined || fields.length < 2 || fields.length > 4) return undefined;
  const [versionNode, keyNode, ...optional] = fields;
  if (readUnsigned(bytes, versionNode) !== 1n || keyNode?.tag !== TAG.octetString) return undefined;
  let curveOid = outerCurveOid;
  let publicKey: TDerNode | undefined;
  let lastTag = 0;
  for (const node of optional) {
    // [0] parameters, then [1] publicKey, each at most once.
    if (node.tag <= lastTag) return undefined;
    lastTag = node.tag;
    const wrapped = readChildren(bytes, node);
    if (wrapped?.length !== 1) return undefined;
    if (node.tag === TAG.context0) {
      const inner = readOid(bytes, wrapped[0]);
      if (inner === undefined || (curveOid !== undefined && inner !== curveOid)) return undefined;
      curveOid = inner;
    } else if (node.tag === TAG.context1) {
      publicKey = wrapped[0];
      if (publicKey?.tag !== TAG.bitString) return undefined;
    } else {
      return undefined;
    }
  }
  const curve = curveOid === undefined ? undefined : CURVES[curveOid];
  const privateLength = keyNode.end - keyNode.start;
  if (privateLength === 0 || (curve !== undefined && privateLength !== curve.size)) return undefined;
  if (bytes.subarray(keyNode.start, keyNode.end).every((byte) => byte === 0)) return undefined;
  if (publicKey !== undefined && curve !== undefined && !isPointOnCurve(bytes.subarray(publicKey.start, publicKey.end), curve)) {
    return undefined;
  }
  return curve === undefined ? { algorithm: 'ec' } : { algorithm: 'ec', curve: curve.name };
}

/** `bitString` is a BIT STRING's contents: unused-bits byte, then the SEC 1 point. */
function isPointOnCurve(bitString: Uint8Array, curve: TWeierstrassCurve): boolean {
  if (bitString[0] !== 0) return false;
  const point = bitString.subarray(1);
  // Compressed points (02/03 ‖ x) are valid too; checking them would need a square root.
  if ((point[0] === 2 || point[0] === 3) && point.length === 1 + curve.size) return true;
  if (point[0] !== 4 || point.length !== 1 + 2 * curve.size) return false;
  const toBigInt = (part: Uint8Array) => BigInt(`0x${Array.from(part, (byte) => byte.toString(16).padStart(2, '0')).join('')}`);
  const x = toBigInt(point.subarray(1, 1 + curve.size));
  const y = toBigInt(point.subarray(1 + curve.size));
  const { p, a, b } = curve;
  if (x >= p || y >= p) return false;
  return (((y * y - (x * x * x + a * x + b)) % p) + p) % p === 0n;
}

// ---------------------------------------------------------------------------
// Google service-account key files
// ---------------------------------------------------------------------------

/** A service account's JSON key file, as Google Cloud issues it; other members are kept as they are. */
export type TGoogleServiceAccount = {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  token_uri: string;
  [member: string]: unknown;
};

/** Project ids: 6–30 lowercase letters, digits and hyphens; legacy domain-scoped ones carry `domain:`. */
export const GOOGLE_PROJECT_ID_PATTERN = /^(?:[a-z0-9.-]+\.[a-z]{2,}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

const MAX_SERVICE_ACCOUNT_JSON_LENGTH = 65_536;
const KEY_FILE = 'The key file';

/** The problems with a parsed key file, one per member, each naming the member. */
function serviceAccountProblems(file: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const text = (member: string) => (typeof file[member] === 'string' ? (file[member] as string) : undefined);

  const type = text('type');
  if (type === undefined) {
    problems.push(`${KEY_FILE} has no "type"; download a JSON key for a service account (IAM → Service accounts → Keys).`);
  } else if (type !== 'service_account') {
    problems.push(`${KEY_FILE}'s type is "${type.slice(0, 40)}", not "service_account"; download a JSON key for a service account instead.`);
  }

  const projectId = text('project_id');
  if (projectId === undefined || !GOOGLE_PROJECT_ID_PATTERN.test(projectId)) {
    problems.push(`${KEY_FILE}'s project_id is missing or not a Google Cloud project id.`);
  }

  const privateKeyId = text('private_key_id');
  if (privateKeyId === undefined || !/^[0-9a-f]{40}$/i.test(privateKeyId)) {
    problems.push(`${KEY_FILE}'s private_key_id must be 40 hexadecimal characters.`);
  }

  const privateKey = text('private_key');
  if (privateKey === undefined || privateKey.trim() === '') {
    problems.push(`${KEY_FILE} has no private_key; download a new JSON key for the service account.`);
  } else {
    const inspection = inspectPemPrivateKey(privateKey, `${KEY_FILE}'s private_key`);
    if (!inspection.ok) problems.push(inspection.message);
    else if (inspection.algorithm !== 'rsa') problems.push(`${KEY_FILE}'s private_key must be an RSA key, as Google issues for service accounts.`);
  }

  // Outside Google's default universe (sovereign clouds), addresses have other domains.
  const universe = text('universe_domain');
  const googleUniverse = universe === undefined || universe === 'googleapis.com';
  const clientEmail = text('client_email');
  const emailShape = /^[a-z0-9][a-z0-9._+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
  if (clientEmail === undefined || !emailShape.test(clientEmail) || (googleUniverse && !/\.gserviceaccount\.com$/i.test(clientEmail))) {
    problems.push(`${KEY_FILE}'s client_email must be the service account's address, like name@my-project.iam.gserviceaccount.com.`);
  }

  const tokenUri = text('token_uri');
  if (tokenUri === undefined || httpsUrlProblem(tokenUri.trim(), 'token_uri', 'https://oauth2.googleapis.com/token') !== undefined) {
    problems.push(`${KEY_FILE}'s token_uri must be an https URL, like https://oauth2.googleapis.com/token.`);
  }
  return problems;
}

/**
 * A Google Cloud service-account key file, pasted (a JSON string) or uploaded
 * and already parsed (an object); the output is always the object. Problems
 * are reported on the field itself, not on nested paths (the form knows one
 * level of fields), with messages that name the member.
 */
export const ZGoogleServiceAccountJson = z
  .union([z.string(), z.record(z.string(), z.unknown())], {
    error: "Paste the service account's JSON key file, or upload it.",
  })
  .transform((input, ctx): TGoogleServiceAccount => {
    let parsed: unknown = input;
    if (typeof input === 'string') {
      if (input.trim() === '') {
        ctx.addIssue({ code: 'custom', message: "Paste the service account's JSON key file, or upload it." });
        return z.NEVER;
      }
      if (input.length > MAX_SERVICE_ACCOUNT_JSON_LENGTH) {
        ctx.addIssue({ code: 'custom', message: `${KEY_FILE} is too large to be a service-account key.` });
        return z.NEVER;
      }
      try {
        parsed = JSON.parse(input);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${KEY_FILE} is not valid JSON; paste the whole file, from { to }.` });
        return z.NEVER;
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      ctx.addIssue({ code: 'custom', message: `${KEY_FILE} must be a JSON object, from { to }.` });
      return z.NEVER;
    }
    const file = parsed as Record<string, unknown>;
    const problems = serviceAccountProblems(file);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length === 0 ? (file as TGoogleServiceAccount) : z.NEVER;
  });
export type TGoogleServiceAccountJson = z.input<typeof ZGoogleServiceAccountJson>;

// ---------------------------------------------------------------------------
// Hosts that are never a tenant's service (added for the SIEM providers)
// ---------------------------------------------------------------------------

const IPV4_LITERAL = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function isLocalIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  // 0/8 "this network", 127/8 loopback, 169.254/16 link-local (cloud metadata), 224/4 multicast and 240/4 reserved.
  return a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224;
}

/** The eight 16-bit groups of an IPv6 literal (an embedded IPv4 tail allowed), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const tail = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail !== undefined) {
    if (!IPV4_LITERAL.test(tail)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const rest = halves.length === 2 && halves[1] !== '' ? (halves[1] ?? '').split(':') : [];
  if (![...head, ...rest].every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  return [...head, ...new Array<string>(missing).fill('0'), ...rest].map((group) => parseInt(group, 16));
}

/**
 * Whether `host` (a bare host, or a URL's `hostname` with IPv6 in brackets)
 * is localhost or a loopback, link-local, unspecified or multicast literal:
 * addresses that reach the key proxy's own machine or network (169.254.169.254
 * is the cloud metadata service), never a tenant's service. Private ranges
 * pass, since tenants may reach a collector over a VPN; and a DNS name can
 * resolve anywhere, so the proxy still applies its egress policy after
 * resolving. This only refuses the literal cases early, with a message.
 */
export function isLocalHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (IPV4_LITERAL.test(name)) return isLocalIpv4(name);
  const groups = ipv6Groups(name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name);
  if (groups === undefined) return false;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d.
  if (upperZero && g5 === 0xffff) return isLocalIpv4(`${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`);
  const unspecifiedOrLoopback = upperZero && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1);
  return unspecifiedOrLoopback || (g0 & 0xffc0) === 0xfe80 || g0 >= 0xff00;
}

// ---------------------------------------------------------------------------
// What the key proxies do when a SIEM falls behind (every SIEM provider)
// ---------------------------------------------------------------------------

export const SIEM_QUEUE_FULL_POLICIES = [
  { value: 'drop', label: 'Drop the oldest events and count them (key use continues)' },
  { value: 'refuse', label: 'Refuse key use until the SIEM catches up' },
] as const;

export type TSiemQueueFullPolicy = (typeof SIEM_QUEUE_FULL_POLICIES)[number]['value'];

const QUEUE_FULL_MESSAGE = 'Choose what the key proxies do when events back up: "drop" (drop and count them) or "refuse" (refuse key use).';

/**
 * The tenant's choice, signed with the configuration, between availability
 * and a complete audit trail. Absent (every configuration sealed before the
 * field existed) or blank (the form's "not set") means "drop": it keeps the
 * behaviour those configurations were approved with, and a SIEM outage never
 * stops encryption unless the tenant asked for that.
 */
export const ZSiemQueueFull = z
  .string({ error: QUEUE_FULL_MESSAGE })
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
  .pipe(z.enum(['drop', 'refuse'], { error: QUEUE_FULL_MESSAGE }).default('drop'));

/** The form field for ZSiemQueueFull; every SIEM provider lists it last. */
export const siemQueueFullField = defineField({
  name: 'onQueueFull',
  label: 'When the SIEM falls behind',
  help:
    'Each key proxy holds events in a bounded queue while your SIEM is slow or unreachable. When the queue is full it either drops the oldest waiting events and counts them (encryption and decryption go on, but your SIEM misses those events), or refuses key use until the SIEM catches up (nothing goes unlogged, but a SIEM outage stops your data being encrypted or decrypted). Not set means drop.',
  example: 'drop',
  input: 'select',
  required: false,
  options: SIEM_QUEUE_FULL_POLICIES,
});

/** A SIEM provider's settings object: its own fields, then `onQueueFull`. */
export function ZSiemSettingsObject<Shape extends z.ZodRawShape>(providerLabel: string, shape: Shape) {
  return ZSettingsObject(providerLabel, { ...shape, onQueueFull: ZSiemQueueFull });
}

// ---------------------------------------------------------------------------
// Leased keys (every KMS provider; TSP.md "Leased keys", docs/tsp.md)
// ---------------------------------------------------------------------------

/** The lifetimes a tenant admin can choose, in seconds: from 1 minute to 24 hours. */
export const LEASED_KEY_LIFETIMES = [
  { value: '60', label: '1 minute' },
  { value: '300', label: '5 minutes' },
  { value: '900', label: '15 minutes' },
  { value: '1800', label: '30 minutes' },
  { value: '3600', label: '1 hour' },
  { value: '14400', label: '4 hours' },
  { value: '28800', label: '8 hours' },
  { value: '86400', label: '24 hours' },
] as const;

export const MIN_LEASED_KEY_LIFETIME_S = 60;
export const MAX_LEASED_KEY_LIFETIME_S = 86_400;

const LEASE_MESSAGE = `Choose a lifetime for leased keys (${LEASED_KEY_LIFETIMES.map((l) => l.label).join(', ')}), or leave it empty to keep leasing off.`;

/**
 * Leased keys: off unless the tenant admin chooses a maximum lifetime, in
 * seconds, signed with the configuration. Absent (every configuration sealed
 * before the field existed) or blank means off: each document key goes to the
 * KMS. The value stays the option's string, as the form's select sends it.
 */
export const ZLeasedKeyLifetime = z
  .string({ error: LEASE_MESSAGE })
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()))
  .pipe(z.enum(LEASED_KEY_LIFETIMES.map((l) => l.value) as [string, ...string[]], { error: LEASE_MESSAGE }).optional());

/** The lifetime in seconds a KMS configuration's settings choose, or undefined when leasing is off. */
export function leasedKeyLifetimeSeconds(settings: unknown): number | undefined {
  const value = typeof settings === 'object' && settings !== null ? (settings as { leasedKeyLifetime?: unknown }).leasedKeyLifetime : undefined;
  if (typeof value !== 'string' || !LEASED_KEY_LIFETIMES.some((l) => l.value === value)) return undefined;
  return Number(value);
}

/** "1 hour" for '3600'; undefined when off or unknown. */
export function leasedKeyLifetimeLabel(value: unknown): string | undefined {
  return LEASED_KEY_LIFETIMES.find((l) => l.value === value)?.label;
}

/** What leasing means for revocation, in the words the form and the configuration page show once a lifetime is chosen. */
export function leasedKeyWarning(lifetimeLabel: string): string {
  return `With leased keys, a key you disable or delete inside your KMS keeps working for up to ${lifetimeLabel} on every key proxy that already holds a lease from it. Disabling this configuration here stops it at once.`;
}

/** The form field for ZLeasedKeyLifetime; every KMS provider lists it last. */
export const leasedKeyLifetimeField = defineField({
  name: 'leasedKeyLifetime',
  label: 'Leased keys',
  help:
    'Off by default: every document key is wrapped and unwrapped by your KMS, and you see each call in it. With a lifetime, each key proxy asks your KMS for a leased key and wraps document keys with it locally for up to that long, which saves a KMS round trip per document. The cost: a key disabled inside your KMS keeps working until the lease ends. Disabling this configuration here still stops it at once. Every key use still goes to your SIEM.',
  example: '3600',
  input: 'select',
  required: false,
  options: LEASED_KEY_LIFETIMES,
});

/** A KMS provider's settings object: its own fields, then `leasedKeyLifetime`. */
export function ZKmsSettingsObject<Shape extends z.ZodRawShape>(providerLabel: string, shape: Shape) {
  return ZSettingsObject(providerLabel, { ...shape, leasedKeyLifetime: ZLeasedKeyLifetime });
}
