import 'server-only';
// The audit events of a status report (docs/audit.md): delivery.apply for
// each tenant whose applied state seq changed, delivery.error for each tenant
// whose error set changed to a non-empty one — not on every repeated report.
// Pure: recordStatus reads the previous per-tenant status, this compares.
import type { AuditActor, AuditContext, AuditEventInput } from '@/lib/server/audit/record';

/** Errors go into an event as configuration id and code (never the message), at most this many. */
const EVENT_ERRORS_MAX = 20;

export type TenantDeliveryStatus = { seq: number | null; errors: { configId: string | null; code: string }[] };

/** The set of (configuration, code) pairs, independent of order and messages. */
const errorKey = (errors: { configId: string | null; code: string }[]) => [...new Set(errors.map((e) => `${e.configId ?? ''}\u0000${e.code}`))].sort().join('\u0001');

/**
 * `previous`: the stored status per tenant external id; `applied`/`errors`:
 * this report, limited to tenants of the deployment's environment.
 */
export function deliveryEvents(
  deployment: { id: string; name: string },
  previous: Map<string, TenantDeliveryStatus>,
  applied: Map<string, number>,
  errors: Map<string, { configId: string | null; code: string }[]>,
  context?: AuditContext,
): AuditEventInput[] {
  const actor: AuditActor = { type: 'deployment', id: deployment.id, label: deployment.name };
  const base = { actor, target: { type: 'deployment', id: deployment.id }, context };
  const events: AuditEventInput[] = [];
  for (const [tenant, seq] of applied) {
    const before = previous.get(tenant)?.seq ?? null;
    if (before === seq) continue;
    events.push({ ...base, action: 'delivery.apply', tenantExternalId: tenant, details: { deploymentId: deployment.id, seq, previousSeq: before } });
  }
  for (const [tenant, list] of errors) {
    if (!list.length || errorKey(list) === errorKey(previous.get(tenant)?.errors ?? [])) continue;
    const shown = list.slice(0, EVENT_ERRORS_MAX).map((e) => ({ configId: e.configId, code: e.code }));
    events.push({ ...base, action: 'delivery.error', tenantExternalId: tenant, outcome: 'failure', details: { deploymentId: deployment.id, errors: shown, errorCount: list.length } });
  }
  return events;
}
