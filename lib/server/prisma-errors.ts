import 'server-only';
// Maps database errors (Prisma's, the drivers') to AppErrors, so a unique
// violation is a 409 naming the field and a lost database a 503 — never a 500
// that echoes SQL or values. Prisma's own messages quote the query and its
// arguments, so they are only ever kept as `cause`, for logs.
import { AppError, type FieldIssue } from '@/lib/server/errors';

type ErrorLike = {
  name?: unknown;
  code?: unknown;
  meta?: unknown;
  cause?: unknown;
  errors?: unknown;
};

/**
 * Prisma codes and SQLSTATEs/socket codes meaning "the database is not there, or too busy right now":
 * connection failures, pool and transaction-start timeouts, and a transaction chosen as a deadlock or
 * serialization victim — each a 503 the client may retry, never a 500.
 */
const UNAVAILABLE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const UNAVAILABLE_DRIVER = /^(08|57P0|53300|40P01|40001)|^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/;
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']);

const camelCase = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function driverCause(error: ErrorLike): Record<string, unknown> | undefined {
  return asRecord(asRecord(asRecord(error.meta)?.driverAdapterError)?.cause);
}

const UNIQUE_INDEXES = Symbol.for('cmk-broker.unique-indexes');
type GlobalWithIndexes = typeof globalThis & { [UNIQUE_INDEXES]?: Map<string, string[]> };

/**
 * PostgreSQL's driver reports a unique violation by index name only, so the
 * columns of every unique index are read from the catalog once at start.
 */
export function registerUniqueIndexes(indexes: Map<string, string[]>): void {
  (globalThis as GlobalWithIndexes)[UNIQUE_INDEXES] = indexes;
}

export const UNIQUE_INDEXES_SQL = `
  SELECT i.relname AS name, array_agg(a.attname::text ORDER BY k.ord) AS columns
  FROM pg_index ix
  JOIN pg_class i ON i.oid = ix.indexrelid
  JOIN pg_class t ON t.oid = ix.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
  WHERE ix.indisunique AND NOT ix.indisprimary AND n.nspname = 'public'
  GROUP BY i.relname`;

/** Field names of a unique violation, in the Prisma model's terms where we can tell. */
function uniqueFields(error: ErrorLike): string[] {
  const meta = asRecord(error.meta);
  const target = meta?.target;
  if (Array.isArray(target)) return target.map(String).map(camelCase);
  const cause = driverCause(error);
  const constraint = asRecord(cause?.constraint);
  if (Array.isArray(constraint?.fields)) return constraint.fields.map(String).map(camelCase);
  if (typeof constraint?.index === 'string') {
    const known = (globalThis as GlobalWithIndexes)[UNIQUE_INDEXES]?.get(constraint.index);
    if (known) return known.map(camelCase);
    const table = typeof cause?.table === 'string' ? cause.table : '';
    const match = new RegExp(`^${table}_(.+)_key$`).exec(constraint.index);
    if (table && match?.[1]) return [camelCase(match[1])];
  }
  return [];
}

function isUnavailable(error: unknown, depth = 0): boolean {
  const e = asRecord(error) as ErrorLike | undefined;
  if (!e || depth > 5) return false;
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && (UNAVAILABLE_PRISMA.has(e.code) || UNAVAILABLE_DRIVER.test(e.code))) return true;
  const cause = driverCause(e);
  if (cause) {
    if (typeof cause.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
    if (typeof cause.originalCode === 'string' && UNAVAILABLE_DRIVER.test(cause.originalCode)) return true;
  }
  if (typeof e.name === 'string' && /ConnectionError|ConnectionTerminated/.test(e.name)) return true;
  // P2028 is every interactive-transaction failure; only "could not start in time" (the pool is exhausted) is busy.
  if (e.code === 'P2028' && error instanceof Error && /Unable to start a transaction/i.test(error.message)) return true;
  // node-postgres: a pooled client whose connection broke (or was closed) refuses further queries with a plain Error.
  if (error instanceof Error && /Connection terminated|connect ECONNREFUSED|the database system is (starting up|shutting down)|Client (has encountered a connection error|was closed) and is not queryable/i.test(error.message)) {
    return true;
  }
  if (Array.isArray(e.errors) && e.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return isUnavailable(e.cause, depth + 1);
}

/** Returns the AppError for a database error, or undefined if it is not one we recognise. */
export function mapDatabaseError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const e = asRecord(error) as ErrorLike | undefined;
  if (!e) return undefined;
  if (isUnavailable(error)) return new AppError('database_unavailable', { retryAfter: 2, cause: error });
  // A value PostgreSQL cannot store (U+0000 in text or JSON; routes refuse it first): bad input, not a fault.
  const original = driverCause(e)?.originalCode ?? e.code;
  if (original === '22021' || original === '22P05') return new AppError('validation_failed', { message: 'A value holds a character that cannot be stored.', cause: error });
  switch (e.code) {
    case 'P2002': {
      const fields = uniqueFields(e);
      const issues: FieldIssue[] = fields.map((path) => ({ path, message: 'This value is already taken.' }));
      const what = fields.length ? fields.join(', ') : 'value';
      return new AppError('unique_violation', { message: `Another record already has this ${what}.`, fields: issues, cause: error });
    }
    case 'P2025':
    case 'P2001':
    case 'P2015':
      return new AppError('not_found', { cause: error });
    case 'P2003':
    case 'P2014':
      return new AppError('conflict', { message: 'This is still referenced by other records, or refers to one that does not exist.', cause: error });
    case 'P2000':
      return new AppError('validation_failed', { message: 'A value is too long.', cause: error });
    case 'P2034':
      return new AppError('changed_elsewhere', { cause: error });
    default:
      return undefined;
  }
}
