import 'server-only';
// The canonical encoding the audit chains hash (docs/audit.md): JSON in the
// style of RFC 8785 — object members sorted by their UTF-16 code units, no
// whitespace, strings and numbers exactly as ECMAScript's JSON.stringify
// writes them. Values that JSON cannot carry faithfully (NaN, Infinity,
// functions, bigint, undefined in an array) are refused rather than
// silently changed, because a silently changed value would hash differently
// after a round trip through the database.
import { createHash } from 'node:crypto';

export type TJsonValue = null | boolean | number | string | TJsonValue[] | { [key: string]: TJsonValue | undefined };

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('Canonical JSON cannot encode a non-finite number.');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? refuse('undefined in an array') : canonicalJson(v))).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('Canonical JSON encodes plain objects only.');
      const members = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      return refuse(typeof value);
  }
}

function refuse(what: string): never {
  throw new TypeError(`Canonical JSON cannot encode ${what}.`);
}

/** Every field of an event that its hashes cover (both chains' hashes themselves excluded). */
export type TAuditHashedFields = {
  id: string;
  vendorSeq: number;
  tenantExternalId: string | null;
  tenantSeq: number | null;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** ISO 8601 with milliseconds (the column's precision). */
  at: string;
  details: TJsonValue;
};

/** base64url(SHA-256(canonical({prev, ...fields}))); prev is null for the first event of a chain. */
export function eventHash(prevHash: string | null, fields: TAuditHashedFields): string {
  const { id, vendorSeq, tenantExternalId, tenantSeq, actorType, actorId, actorLabel, action, targetType, targetId, outcome, ip, userAgent, requestId, at, details } = fields;
  // Listed one by one: a stray extra property (a stored hash, say) never enters the hash.
  const body = { prev: prevHash, id, vendorSeq, tenantExternalId, tenantSeq, actorType, actorId, actorLabel, action, targetType, targetId, outcome, ip, userAgent, requestId, at, details };
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('base64url');
}
