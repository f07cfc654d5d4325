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

/** The ranges a usage chart shows: 24 hourly buckets, or 30 daily ones (UTC). */
export const USAGE_RANGES = ['24h', '30d'] as const;
export const ZUsageRange = z.enum(USAGE_RANGES);
export type TUsageRange = z.infer<typeof ZUsageRange>;

const ZUsageCounts = z.strictObject({ wraps: count, unwraps: count, rekeys: count, failed: count, leasedHits: count, siemSent: count, siemDropped: count });
export type TUsageCounts = z.infer<typeof ZUsageCounts>;

/** GET /api/v1/tenants/{tenant}/configs/{configId}/usage: what the deployments reported, each figure with its deployment. */
export const ZConfigUsageView = z.strictObject({
  configId: z.string(),
  kind: z.enum(['kms', 'siem']),
  range: ZUsageRange,
  bucket: z.enum(['hour', 'day']),
  /** Bucket starts, oldest first (ISO 8601 UTC). */
  starts: z.array(z.string()),
  total: z.array(ZUsageCounts),
  deployments: z.array(z.strictObject({ id: z.string(), name: z.string(), buckets: z.array(ZUsageCounts), sum: ZUsageCounts })),
  /** The start of the last minute with a successful key use in the range, and who reported it. */
  lastUsed: z.strictObject({ at: z.string(), deploymentId: z.string(), deploymentName: z.string() }).nullable(),
  /** Failures in the range by TSP error code, most first (at most 5), with the deployments that reported them. */
  topErrors: z.array(z.strictObject({ code: z.string(), count, deployments: z.array(z.string()) })),
});
export type TConfigUsageView = z.infer<typeof ZConfigUsageView>;

/** For operators: a tenant's key use (metadata only: counts and codes). */
export type TTenantUsageSummary = {
  day: TUsageCounts;
  month: TUsageCounts;
  topErrors: { code: string; count: number }[];
  lastUsedAt: string | null;
};

/** For the operators' overview: a tenant among those with the most key use in the last 24 hours. */
export type TTopTenantUsage = { tenantId: string; externalId: string; displayName: string; uses: number; failed: number; topCode: string | null };

export const ZERO_USAGE: TUsageCounts = { wraps: 0, unwraps: 0, rekeys: 0, failed: 0, leasedHits: 0, siemSent: 0, siemDropped: 0 };
