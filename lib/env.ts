// The broker's configuration, parsed once from the environment with zod.
// A wrong value stops the process with a message naming the variable and what
// it expects; values of secret variables are never echoed back.
import { z } from 'zod';

const SECRET_VARIABLES = new Set(['AUTH_SECRET', 'BROKER_KEY_ENCRYPTION_KEY', 'DATABASE_URL', 'DATABASE_MIGRATION_URL', 'SMTP_URL']);

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const ZBoolean = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: 'expected true or false' }),
).transform((v) => v === '1' || v === 'true' || v === 'yes');

const ZPort = z.coerce
  .number({ error: 'expected an integer from 1 to 65535' })
  .int({ error: 'expected an integer from 1 to 65535' })
  .min(1, { error: 'expected an integer from 1 to 65535' })
  .max(65535, { error: 'expected an integer from 1 to 65535' });

const ZPostgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v) && URL.canParse(v), {
    error: 'expected a postgresql://user:password@host:port/database URL',
  });

const ZHttpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
    error: 'expected an absolute http:// or https:// URL',
  })
  .transform((v) => v.replace(/\/+$/, ''));

/** 32 random bytes, base64url-encoded (43 characters, no padding). */
const ZKey256 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, {
  error: 'expected 32 random bytes encoded as base64url (43 characters); generate one with `openssl rand -base64 32 | tr "+/" "-_" | tr -d "="`',
});

export const ZEnv = z
  .object({
    NODE_ENV: z.preprocess(
      emptyToUndefined,
      z.enum(['development', 'production', 'test'], { error: 'expected development, production or test' }).default('development'),
    ),
    HOST: z.preprocess(emptyToUndefined, z.string().min(1).default('127.0.0.1')),
    PORT: z.preprocess(emptyToUndefined, ZPort.default(3000)),
    PUBLIC_URL: z.preprocess(emptyToUndefined, ZHttpUrl.optional()),
    DATABASE_URL: z.preprocess(emptyToUndefined, ZPostgresUrl.optional()),
    /** Applies migrations as another role (the tables' owner), so DATABASE_URL's role need not own them. */
    DATABASE_MIGRATION_URL: z.preprocess(emptyToUndefined, ZPostgresUrl.optional()),
    DATABASE_POOL_MAX: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ error: 'expected an integer from 1 to 100' }).int().min(1).max(100, { error: 'expected an integer from 1 to 100' }).default(10),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default('./data')),
    PGLITE_DIR: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
    AUTH_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, { error: 'expected at least 32 characters of random data' }).optional()),
    BROKER_KEY_ENCRYPTION_KEY: z.preprocess(emptyToUndefined, ZKey256.optional()),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      }).default('info'),
    ),
    /**
     * How many reverse proxies in front of the broker append to X-Forwarded-For
     * (`true` = 1, `false` = none): the client address is the entry the
     * outermost of them added, counted from the right.
     */
    TRUST_PROXY: z.preprocess(
      (v) => {
        const given = emptyToUndefined(v);
        if (typeof given !== 'string') return given;
        const text = given.trim().toLowerCase();
        return text === 'true' || text === 'yes' ? '1' : text === 'false' || text === 'no' ? '0' : text;
      },
      z
        .string()
        .regex(/^(?:[0-9]|10)$/, { error: 'expected true, false or the number of reverse proxies in front (0 to 10)' })
        .default('0')
        .transform(Number),
    ),
    /** Load demo data when the embedded database is empty at start (never with DATABASE_URL). */
    DEMO_DATA: z.preprocess(emptyToUndefined, ZBoolean.default(true)),
    SMTP_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol), {
          error: 'expected smtp://user:password@host:587 or smtps://user:password@host:465',
        })
        .optional(),
    ),
    MAIL_FROM: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[^\r\n]{0,100}<?[^\s@<>]+@[^\s@<>]+>?$/, { error: 'expected an address like "CMK broker <broker@example.com>"' }).default('CMK broker <no-reply@localhost>'),
    ),
    SESSION_IDLE_MINUTES: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ error: 'expected minutes from 1 to 1440' }).int().min(1, { error: 'expected minutes from 1 to 1440' }).max(1440, { error: 'expected minutes from 1 to 1440' }).default(30),
    ),
    /** How often the broker signs the audit chains' heads (lib/server/audit/scheduler.ts). */
    AUDIT_CHECKPOINT_INTERVAL_S: z.preprocess(
      emptyToUndefined,
      z.coerce
        .number({ error: 'expected seconds from 10 to 86400' })
        .int({ error: 'expected seconds from 10 to 86400' })
        .min(10, { error: 'expected seconds from 10 to 86400' })
        .max(86400, { error: 'expected seconds from 10 to 86400' })
        .default(300),
    ),
    SESSION_MAX_HOURS: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ error: 'expected hours from 1 to 720' }).int().min(1, { error: 'expected hours from 1 to 720' }).max(720, { error: 'expected hours from 1 to 720' }).default(12),
    ),
    /** How often the notifier reads the audit trail and sends due digests (docs/notifications.md). */
    NOTIFY_INTERVAL_S: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ error: 'expected seconds from 1 to 3600' }).int({ error: 'expected seconds from 1 to 3600' }).min(1, { error: 'expected seconds from 1 to 3600' }).max(3600, { error: 'expected seconds from 1 to 3600' }).default(30),
    ),
    /** At most one notification mail per admin in this many seconds. */
    NOTIFY_BATCH_WINDOW_S: z.preprocess(
      emptyToUndefined,
      z.coerce.number({ error: 'expected seconds from 60 to 86400' }).int({ error: 'expected seconds from 60 to 86400' }).min(60, { error: 'expected seconds from 60 to 86400' }).max(86400, { error: 'expected seconds from 60 to 86400' }).default(300),
    ),
  })
  .superRefine((env, ctx) => {
    // Embedded mode may generate its own secrets; a production deployment on
    // PostgreSQL is usually several instances, which must share them.
    if (env.DATABASE_MIGRATION_URL && !env.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_MIGRATION_URL'], message: 'needs DATABASE_URL (it names the role that migrates the PostgreSQL database)' });
    }
    if (env.NODE_ENV === 'production' && env.DATABASE_URL) {
      for (const name of ['AUTH_SECRET', 'BROKER_KEY_ENCRYPTION_KEY'] as const) {
        if (!env[name]) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'required when NODE_ENV=production with DATABASE_URL (every broker instance must share it)',
          });
        }
      }
    }
  })
  .transform((env) => {
    const publicUrl = env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' || env.HOST === '127.0.0.1' ? 'localhost' : env.HOST}:${env.PORT}`;
    return {
      ...env,
      PUBLIC_URL: publicUrl,
      PGLITE_DIR: env.PGLITE_DIR ?? `${env.DATA_DIR.replace(/\/+$/, '')}/pglite`,
      databaseKind: env.DATABASE_URL ? ('postgresql' as const) : ('pglite' as const),
      isProduction: env.NODE_ENV === 'production',
      isHttps: publicUrl.startsWith('https://'),
    };
  });

export type TEnv = z.infer<typeof ZEnv>;

export class EnvError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`Invalid environment:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'EnvError';
    this.issues = issues;
  }
}

/** Parses `source`; throws EnvError listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): TEnv {
  const result = ZEnv.safeParse(source);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    const raw = source[name];
    const shown = raw === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw)})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new EnvError(issues);
}

let cached: TEnv | undefined;

/** The process environment, parsed on first use and then fixed. */
export function getEnv(): TEnv {
  cached ??= parseEnv(process.env);
  return cached;
}

/** For tests only: forget the parsed environment. */
export function resetEnvForTests(): void {
  cached = undefined;
}
