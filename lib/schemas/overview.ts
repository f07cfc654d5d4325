// The operators' overview (GET /api/v1/operator/overview): counts, the
// deployments' health, and 24 hours of propagation lag and proxy errors.
// Metadata only.
import type { TDeliveryState } from '@/lib/delivery-state';
import type { TTopTenantUsage } from './usage';

/** Disabled, reporting errors, or where it stands in receiving changes (lib/delivery-state.ts). */
export type TDeploymentHealth = 'disabled' | 'errors' | TDeliveryState;

export type TOverview = {
  generatedAt: string;
  tenants: { environment: string; status: 'invited' | 'active' | 'suspended'; count: number }[];
  configs: { kind: 'kms' | 'siem'; provider: string; active: number; disabled: number }[];
  deployments: {
    id: string;
    name: string;
    environment: string;
    status: 'active' | 'disabled';
    health: TDeploymentHealth;
    lag: number | null;
    errorCount: number;
    lastStatusAt: string | null;
    lastUsedAt: string | null;
    tenantsApproved: number;
  }[];
  /** Bucket start times (ISO), oldest first, 30 minutes each over the last 24 hours. */
  buckets: string[];
  /**
   * Per deployment, the highest lag it reported in each bucket (null: no report); the last
   * bucket also holds its lag now, as `deployments[].lag` has it (lag grows between reports).
   */
  lag: { deploymentId: string; name: string; values: (number | null)[] }[];
  /** Per bucket, the errors reported: each deployment's highest count in the bucket, summed. */
  errors: number[];
  /** The tenants with the most key use the proxies reported in the last 24 hours (counts and codes only). */
  usage: TTopTenantUsage[];
};
