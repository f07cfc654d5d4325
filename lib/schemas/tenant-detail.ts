// What an operator sees of one tenant (GET /api/v1/operator/tenants/[tenant]):
// metadata only — labels, providers, versions, statuses, who and when. Never
// a sealed configuration, a signed state's content or a key.
import type { TSiemDeliverySummary } from './siem-delivery';
import type { TTenantUsageSummary } from './usage';
import { z } from 'zod';
import type { TDeliveryState, TStopped } from '@/lib/delivery-state';

export { ZTenantExternalId } from './operator';
export const ZDeleteTenant = z.strictObject({ confirm: z.string().max(64) });

export type TTimelineEvent = { at: string; kind: 'tenant' | 'invitation' | 'admin' | 'state' | 'config' | 'delivery'; text: string };

export type TTenantDetail = {
  /** Key use the tenant's proxies reported (counts and TSP error codes only), last 24 hours and 30 days. */
  usage: TTenantUsageSummary;
  tenant: {
    id: string;
    externalId: string;
    displayName: string;
    status: 'invited' | 'active' | 'suspended';
    environment: { slug: string; displayName: string };
    requireMfa: boolean;
    stateSeq: number;
    createdAt: string;
    lastChangeAt: string;
    hasKeys: boolean;
    /** Tenant key rotations so far, the latest one's time, and since when one is due (a key holder was removed). */
    keyRotations: number;
    lastKeyRotationAt: string | null;
    keyRotationDueAt: string | null;
    /**
     * The highest state a deployment reports having applied when that is beyond
     * the broker's own (it lost changes — an older backup restored); null
     * otherwise. The tenant's admins re-issue the state to move on.
     */
    appliedAhead: number | null;
  };
  /** The tenant's secrets for deterministic keys: counts only, never a path or an id (the paths name the tenant's data). */
  secrets: { paths: number; secrets: number };
  configs: {
    id: string;
    kind: 'kms' | 'siem';
    provider: string;
    label: string;
    version: number;
    status: 'active' | 'disabled';
    isPrimary: boolean;
    updatedAt: string;
  }[];
  versions: { configId: string; label: string; version: number; stateSeq: number; createdAt: string; appliedBy: string[]; pendingAt: string[] }[];
  admins: { id: string; email: string; enrolled: boolean; confirmed: boolean; mfaEnabled: boolean; confirmedAt: string | null; createdAt: string }[];
  invitations: {
    id: string;
    email: string;
    state: 'open' | 'expired' | 'accepted' | 'revoked';
    expiresAt: string;
    /** When it was accepted or revoked; an ended invitation's expiry means nothing any more. */
    acceptedAt: string | null;
    revokedAt: string | null;
    sendCount: number;
    lastSentAt: string;
    createdAt: string;
  }[];
  deployments: {
    id: string;
    name: string;
    status: 'active' | 'disabled' | 'deleted';
    approved: boolean;
    appliedSeq: number | null;
    appliedAt: string | null;
    /** Its last status report, and where it stands with this tenant's changes (null: not approved, or not active). */
    lastStatusAt: string | null;
    delivery: TDeliveryState | null;
    /** Its proxies report that the broker no longer hands this tenant over (tenant_withheld / tenant_suspended), and since which change. */
    stopped: TStopped | null;
    errors: { configId: string | null; code: string }[];
    /** Its delivery to the tenant's SIEM configurations (counts and error codes only), or null: it reported none. */
    siem: TSiemDeliverySummary | null;
  }[];
  /** `eligible`: the 36-hour wait is over (by the server's clock). */
  deletion: { requestedAt: string; eligibleAt: string; eligible: boolean; configCount: number } | { requestedAt: null; eligibleAt: null; eligible: false; configCount: number };
  timeline: TTimelineEvent[];
};
