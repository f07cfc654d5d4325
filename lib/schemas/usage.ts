// Key-use counters a Tenant Security Proxy reports per configuration and
// minute (issue 23, "Usage"), in its status reports. Shared by the TSP, the
// status report schema and the pages that chart them, so it holds no Node
// code. The broker cannot prove them: every page says which deployment
// reported them.
import { z } from 'zod';

/** Most (configuration, minute) entries one status report carries. */
export const MAX_STATUS_USAGE = 50_000;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * One configuration's key use during one whole minute, on one proxy instance.
 * Only minutes that are over, and had some use, are reported; a report that
 * fails is sent again whole, so the broker stores entries by (instance,
 * configuration, minute) and a repeat replaces rather than adds.
 */
export const ZUsageMinute = z.strictObject({
  tenantId: z.string().min(1).max(200),
  configId: z.string().min(1).max(64),
  /** The minute's start, ISO 8601 UTC with seconds 00. */
  minute: z.iso.datetime({ offset: true }).refine((value) => Date.parse(value) % 60_000 === 0, { error: 'minute must start a minute.' }),
  /** KMS configurations: successful wraps (batch items each), unwraps and rekeys. */
  wraps: count,
  unwraps: count,
  rekeys: count,
  /** Failed key uses by TSP error code ("206": 3). */
  failures: z.record(z.string().regex(/^\d{3}$/), count).refine((record) => Object.keys(record).length <= 32, { error: 'At most 32 failure codes.' }),
  /** Unwraps answered from a leased key without a KMS call (0 until leasing exists). */
  leasedHits: count,
  /** SIEM configurations: events delivered and dropped in the minute. */
  siemSent: count,
  siemDropped: count,
});
export type TUsageMinute = z.infer<typeof ZUsageMinute>;
