// The audit catalogue grouped by area, for the audit pages' action picker: 50
// actions in one flat list were hard to find, so they are grouped by what
// they touch and can be searched. The area comes from the action's prefix
// (`config.edit` → configurations); a new prefix must be placed here, which
// audit-groups.test.ts enforces, so no action silently drops out of the picker.
import { AUDIT_ACTION_NAMES, AUDIT_ACTIONS, type AuditAction } from './audit';

export type TAuditActionGroup = { id: string; label: string; actions: AuditAction[] };

/** Areas in the order the picker shows them, each with the prefixes it holds. */
const AREAS = [
  { id: 'auth', label: 'Sign-in and access', prefixes: ['auth', 'access'] },
  { id: 'account', label: 'Accounts', prefixes: ['account'] },
  { id: 'admins', label: 'Admins and invitations', prefixes: ['admin', 'invitation'] },
  { id: 'tenant', label: 'Tenant', prefixes: ['tenant', 'recovery_kit', 'tenant_secret'] },
  { id: 'config', label: 'Configurations', prefixes: ['config'] },
  { id: 'deployment', label: 'Proxy deployments and delivery', prefixes: ['deployment', 'delivery'] },
  { id: 'vendor', label: 'Vendor and broker', prefixes: ['environment', 'broker', 'api_token', 'signing_key'] },
] as const;

const prefixOf = (action: string) => action.slice(0, action.indexOf('.'));

/** The area of an action, or undefined for a prefix no area holds (the test fails on one). */
export function auditActionArea(action: string): string | undefined {
  const prefix = prefixOf(action);
  return AREAS.find((a) => (a.prefixes as readonly string[]).includes(prefix))?.id;
}

/**
 * The catalogue's actions by area, each group sorted by label. `tenantOnly`
 * leaves out vendor-only actions: they never appear in a tenant's chain, so a
 * tenant admin would only ever get an empty list from them.
 */
export function auditActionGroups({ tenantOnly = false }: { tenantOnly?: boolean } = {}): TAuditActionGroup[] {
  const shown = AUDIT_ACTION_NAMES.filter((a) => !tenantOnly || AUDIT_ACTIONS[a].scope !== 'vendor');
  return AREAS.map((area) => ({
    id: area.id,
    label: area.label,
    actions: shown.filter((a) => auditActionArea(a) === area.id).sort((a, b) => AUDIT_ACTIONS[a].label.localeCompare(AUDIT_ACTIONS[b].label)),
  })).filter((g) => g.actions.length > 0);
}

/**
 * The groups narrowed to a search: every word must occur in the action's
 * label, its name or its group's label (case-insensitive), so "config edit"
 * and "configurations disabled" both find what a reader expects. Groups left
 * empty are dropped.
 */
export function searchAuditActionGroups(groups: TAuditActionGroup[], query: string): TAuditActionGroup[] {
  const words = query.toLowerCase().split(/[\s.]+/).filter(Boolean);
  if (!words.length) return groups;
  return groups
    .map((g) => ({
      ...g,
      actions: g.actions.filter((a) => {
        const text = `${AUDIT_ACTIONS[a].label} ${a.replace(/[._]/g, ' ')} ${a} ${g.label}`.toLowerCase();
        return words.every((w) => text.includes(w));
      }),
    }))
    .filter((g) => g.actions.length > 0);
}

/** The selection with all of `actions` added (on) or removed (off), in catalogue order so the URL is stable. */
export function setAuditActions(selected: readonly string[], actions: readonly string[], on: boolean): AuditAction[] {
  const next = new Set(selected);
  for (const a of actions) {
    if (on) next.add(a);
    else next.delete(a);
  }
  return AUDIT_ACTION_NAMES.filter((a) => next.has(a));
}
