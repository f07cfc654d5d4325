// What a Tenant Security Proxy tells the broker about its delivery to each
// SIEM configuration (issue 22, "Visible to the people who care"): when it
// last delivered, what waits, what was sent, retried and dropped, and the
// last failure as a code — never a receiver's words, which may echo a URL or
// a header. Shared by the TSP (lib/siem), the status report schema and the
// pages that show it, so it holds no Node code.
import { z } from 'zod';

/**
 * Why a delivery failed, in one word: what the TSP reports to the broker and
 * the tenant admin sees (the message stays in the TSP's logs, since a
 * receiver's words are not ours to vouch for). Each sink maps its
 * destination's answers onto these.
 */
export const SIEM_ERROR_CODES = [
  /** The destination refused the credentials (401/403, bad token, bad key, a refused client certificate). */
  'auth',
  /** The destination's certificate is not trusted, or the TLS handshake failed. */
  'tls',
  /** No connection: DNS, refused, reset, unreachable. */
  'network',
  /** No answer within the timeout. */
  'timeout',
  /** The destination asked us to slow down (429). */
  'throttled',
  /** The destination is up but failing (5xx, busy). */
  'unavailable',
  /** No receiver at the configured place (404, an unknown index, log or stream). */
  'not_found',
  /** The destination refused the events themselves (400, 413, a format it rejects). */
  'rejected',
  /** The settings cannot be used (invalid, or a provider this proxy cannot serve). */
  'config',
  /** The proxy stopped the request (shutdown). */
  'cancelled',
  /** A sink failed in a way it did not foresee (a bug): its message is not repeated. */
  'internal',
] as const;
export type TSiemErrorCode = (typeof SIEM_ERROR_CODES)[number];

/** Most SIEM configurations one status report describes (10 000 tenants with two each). */
export const MAX_STATUS_SIEM = 20_000;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const instant = z.iso.datetime({ offset: true });

/**
 * One SIEM configuration as one proxy instance delivers to it. Counts run
 * from the instance's start and never go back, across versions of the
 * configuration; `backlog` is what the queue holds now.
 */
export const ZSiemHealth = z.strictObject({
  tenantId: z.string().min(1).max(200),
  configId: z.string().min(1).max(64),
  /** The configuration version whose settings the queue delivers with. */
  version: z.number().int().min(1).max(1_000_000_000),
  /** Events the destination accepted. */
  sent: count,
  /** Events sent again after a failed attempt (each attempt counts its batch). */
  retried: count,
  /** Events lost: the oldest dropped when the queue was full (policy drop), refused (policy refuse), unsendable, or left at shutdown. */
  dropped: count,
  /** Events held now, the batch in flight included. */
  backlog: count,
  lastSuccessAt: instant.nullable(),
  /** The last failed attempt's code, while failing; null once delivering again. */
  lastErrorCode: z.enum(SIEM_ERROR_CODES).nullable(),
  /** When the current streak of failures began; null while delivering. */
  failingSince: instant.nullable(),
  /** The signed overflow policy the queue applies. */
  onFull: z.enum(['drop', 'refuse']),
});
export type TSiemHealth = z.infer<typeof ZSiemHealth>;
