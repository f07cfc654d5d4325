// What the broker answers about delivery to one SIEM configuration
// (GET /api/v1/tenants/{tenant}/configs/{configId}/delivery): per deployment of
// the tenant's environment that reported on it, its instances as they last
// reported, and a summary state (lib/siem-delivery-state.ts). Counts are
// numbers: they stay below 2^53 (lib/schemas/siem-health.ts).
import type { TSiemDeliveryState, TSiemInstanceInput } from '@/lib/siem-delivery-state';
import type { TSiemErrorCode } from './siem-health';

export type TSiemDeliveryInstance = TSiemInstanceInput & {
  instanceId: string;
  version: number;
  retried: number;
  onFull: 'drop' | 'refuse';
  state: TSiemDeliveryState;
};

export type TSiemDeliveryDeployment = {
  id: string;
  name: string;
  state: TSiemDeliveryState;
  instances: TSiemDeliveryInstance[];
};

export type TSiemDelivery = { generatedAt: string; deployments: TSiemDeliveryDeployment[] };

/** For operators: one deployment's delivery to a tenant's SIEM configurations, counts and codes only. */
export type TSiemDeliverySummary = {
  configs: number;
  delivering: number;
  failing: number;
  codes: TSiemErrorCode[];
  backlog: number;
  dropped: number;
};
