// The SIEM layer's small interface: the event the Tenant Security Proxy emits
// for every key use and security event, the error a sink reports, and
// `defineSiemSink`, which every destination (one file each) goes through.
// Nothing provider-specific lives above a sink.
import type { ZodType } from 'zod';

export type TSiemEvent = {
  /** Random UUID: lets a receiver drop duplicates after a retry. */
  id: string;
  /** ISO 8601 UTC with milliseconds: when the TSP handled it. */
  time: string;
  source: 'cmk-tsp';
  /**
   * 'delivery': the TSP's own word that the broker stopped handing the tenant over (tenant_withheld, tenant_suspended).
   * 'test': a tenant admin's configuration test of this SIEM configuration (event 'config_test', details { testId }).
   */
  category: 'key_use' | 'security_event' | 'delivery' | 'test';
  /** Key use: 'wrap' | 'unwrap' | 'rekey'; security event: the app's name, e.g. 'USER_LOGIN', 'CUSTOM_X'; delivery: the proxy error code; test: 'config_test'. */
  event: string;
  outcome: 'success' | 'failure';
  /** TSP error code (e.g. 202) on failure. */
  errorCode: number | null;
  tenantId: string;
  deploymentId: string;
  instanceId: string;
  kmsConfigId: number | null;
  iclFields: { requestingId: string; dataLabel?: string; sourceIp?: string; objectId?: string; requestId?: string; event?: string };
  customFields: Record<string, string>;
  /** E.g. { documentId } for batch items, { newTenantId } for rekey, { timestampMillis } for security events. */
  details?: Record<string, string | number | boolean | null>;
};

export { SIEM_ERROR_CODES, type TSiemErrorCode } from '@/lib/schemas/siem-health';
import type { TSiemErrorCode } from '@/lib/schemas/siem-health';

/**
 * What a sink throws. `retryable` separates "try again soon" (5xx, 429,
 * timeouts, network) from "someone must change the configuration" (bad
 * token, bad request). Messages never carry a credential, a header value or
 * an event: they reach logs and the broker.
 */
export class SiemError extends Error {
  readonly code: TSiemErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(message: string, options: { code: TSiemErrorCode; retryable: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SiemError';
    this.code = options.code;
    this.retryable = options.retryable;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

export type TSiemSinkOptions = {
  /** Extra CA certificates (PEM) trusted for outbound TLS, beside the system's (a corporate CA; in tests, the doubles' CA). */
  ca?: string[];
  /** Host → address overrides for outbound connections (like curl --resolve); private DNS, and in tests the doubles on 127.0.0.1. */
  resolve?: Record<string, string>;
  /**
   * "host:port" → "address:port" overrides (like curl --connect-to): the
   * connection goes to the address and port while TLS still checks the
   * certificate against the host and the Host header names it. For fixed
   * vendor endpoints on 443 (Datadog's intake, Google's APIs, Entra ID)
   * reached through a private relay; in tests, the doubles on 127.0.0.1.
   */
  connectTo?: Record<string, string>;
  /** Per request, default 10 000. */
  timeoutMs?: number;
};

export type TSiemSink = {
  readonly provider: string;
  /** Delivers the whole batch, in order, or throws a SiemError; never delivers part of it knowingly. */
  send(events: readonly TSiemEvent[], signal?: AbortSignal): Promise<void>;
  close(): void;
};

export type TSiemSinkDefinition<T> = {
  provider: string;
  /** The provider's settings schema: the same one the browser validated the form with. */
  schema: ZodType<T>;
  /** Most events in one request. */
  maxBatchEvents: number;
  /** Most bytes of events (their JSON) in one request; the sink's envelope comes on top, within the receiver's limit. */
  maxBatchBytes: number;
  create(settings: T, options: TSiemSinkOptions): TSiemSink;
};

/** Identity helper that types a sink definition (as unstorage's defineDriver does). */
export function defineSiemSink<T>(def: TSiemSinkDefinition<T>): typeof def {
  return def;
}
