import 'server-only';
// Structured JSON logs (pino). Two layers keep secrets out: pino's `redact`
// for the known header paths, and a walk over every logged object that masks
// any field whose name looks secret (password, token, key, cookie, …), however
// deeply nested. Errors are reduced to name/code/message/stack.
import pino, { type DestinationStream, type Logger } from 'pino';
import { getEnv } from '@/lib/env';

export const REDACTED = '[redacted]';

/** Field names that must never be logged with their value. */
const SECRET_NAME =
  /pass(word|phrase)?|secret|token|api[-_]?key|private|credential|authorization|cookie|session|authkey|wrapkey|masterkey|encryptionkey|signingkey|^kek$|^jwe$|ciphertext|^d$|^otp|totp|recovery/i;

/** Header paths that pino's fast redaction handles before our walk. */
const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

const MAX_DEPTH = 8;

export function isSecretFieldName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Returns a copy of `value` with secret-looking fields masked. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  if (value instanceof Error) {
    const error = value as Error & { code?: unknown };
    return redactSecrets(
      { name: error.name, code: error.code, message: error.message, stack: error.stack, cause: error.cause },
      depth + 1,
      seen,
    );
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  if (value instanceof Headers) return redactSecrets(Object.fromEntries(value.entries()), depth + 1, seen);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretFieldName(key) && item !== undefined && item !== null ? REDACTED : redactSecrets(item, depth + 1, seen);
  }
  return out;
}

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? getEnv().LOG_LEVEL,
      base: { service: 'cmk-broker' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: (error: unknown) => redactSecrets(error) },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSecrets(object) as Record<string, unknown>,
      },
    },
    options.destination,
  );
}

const LOGGER = Symbol.for('cmk-broker.logger');
type GlobalWithLogger = typeof globalThis & { [LOGGER]?: Logger };

/** The process-wide logger (shared by the custom server and Next's bundles). */
export function getLogger(): Logger {
  const g = globalThis as GlobalWithLogger;
  g[LOGGER] ??= createLogger();
  return g[LOGGER];
}
