import 'server-only';
// The notification digest mail (docs/notifications.md): plain text, one
// block per event — what happened (the catalogue's label), on which tenant,
// by whom, when (UTC), on what, and a few non-secret details chosen by an
// allowlist. Settings, JWEs, tokens, IP addresses and user agents never
// appear: only the allowlisted detail keys below are ever read.
// Configurations are named by label and id: the label is non-secret metadata
// every admin of the tenant sees; it comes from the event (the name at the
// time) or, for events that name a configuration by id only, from the
// caller's lookup of the reader's own tenants.
import { auditActionLabel } from '@/lib/schemas/audit';
import type { TAuditHashedFields } from '@/lib/server/audit/canonical';

/** The fields of an audit event the digest may read. */
export type TDigestEvent = Pick<TAuditHashedFields, 'vendorSeq' | 'tenantExternalId' | 'actorType' | 'actorId' | 'actorLabel' | 'action' | 'targetType' | 'targetId'> & {
  at: Date;
  details: unknown;
};

export type TDigestInput = {
  to: string;
  publicUrl: string;
  windowMinutes: number;
  /** The events shown, oldest first (at most DIGEST_MAX_EVENTS). */
  events: TDigestEvent[];
  /** Tenant external id → display name, for every tenant of `events` and `more`. */
  tenantNames: ReadonlyMap<string, string>;
  /** Events not shown, per tenant external id. */
  more: ReadonlyMap<string, number>;
  /** Configuration labels the reader may see: tenant external id → configuration id → label. */
  configLabels?: ReadonlyMap<string, ReadonlyMap<string, string>>;
};

/** A configuration's label by its id, or undefined when the reader is not to be told it (or it is unknown). */
export type TLabelOf = (configId: string) => string | undefined;

export const DIGEST_MAX_EVENTS = 50;

/** Detail keys shown, and how they are named in the mail. Anything else in `details` is left out. */
const DETAIL_LABELS: Record<string, string> = {
  kind: 'kind',
  provider: 'provider',
  version: 'version',
  configId: 'configuration',
  previousPrimary: 'previous primary',
  seq: 'tenant state',
  status: 'status',
  previousStatus: 'previous status',
  name: 'name',
  environment: 'environment',
  deploymentId: 'deployment',
  deploymentName: 'deployment',
  kid: 'key id',
  code: 'error code',
  codes: 'error codes',
  errors: 'errors',
  errorCount: 'error count',
  count: 'count',
};

const MAX_VALUE_CHARS = 120;
const MAX_LIST_ITEMS = 10;

/** One line of text: control characters (line breaks included) become spaces, and it is cut short. */
export function oneLine(value: string, max = MAX_VALUE_CHARS): string {
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function scalar(value: unknown): string | null {
  if (typeof value === 'string') return oneLine(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return null;
}

/** `"Prod keys" (c_1)`, or the id alone when no label is known. */
export function configText(configId: string, labelOf?: TLabelOf): string {
  const label = labelOf?.(configId);
  return label ? `"${oneLine(label, 80)}" (${oneLine(configId, 60)})` : oneLine(configId, 60);
}

/** A proxy error as a status report's event lists it: its code and configuration only (never a message). */
function errorItem(value: unknown, labelOf?: TLabelOf): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return scalar(value);
  const { code, configId } = value as { code?: unknown; configId?: unknown };
  if (typeof code !== 'string') return null;
  if (typeof configId !== 'string') return oneLine(code, 60);
  const label = labelOf?.(configId);
  return `${oneLine(code, 60)} (configuration ${label ? `"${oneLine(label, 80)}", ` : ''}${oneLine(configId, 60)})`;
}

function detailValue(value: unknown, labelOf?: TLabelOf): string | null {
  if (!Array.isArray(value)) return scalar(value);
  const items = value.map((v) => errorItem(v, labelOf)).filter((v): v is string => v !== null);
  if (items.length === 0) return null;
  const shown = items.slice(0, MAX_LIST_ITEMS).join(', ');
  return items.length > MAX_LIST_ITEMS ? `${shown} and ${items.length - MAX_LIST_ITEMS} more` : shown;
}

/** Detail keys whose value is a configuration id. */
const CONFIG_ID_KEYS = new Set(['configId', 'previousPrimary']);

/** The allowlisted details as "label: value" pieces (the target's own id is not repeated). */
export function detailPieces(details: unknown, targetId: string | null, labelOf?: TLabelOf): string[] {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return [];
  const pieces: string[] = [];
  for (const [key, label] of Object.entries(DETAIL_LABELS)) {
    if (!Object.hasOwn(details, key)) continue;
    const raw = (details as Record<string, unknown>)[key];
    const value = detailValue(raw, labelOf);
    if (value === null || value === targetId) continue;
    pieces.push(`${label}: ${CONFIG_ID_KEYS.has(key) && typeof raw === 'string' ? configText(raw, labelOf) : value}`);
  }
  return pieces;
}

/**
 * The labels an event itself records (applyConfigChange writes the name a configuration had then):
 * its configuration's, the previous primary's and those of the configurations it lists.
 */
export function recordedLabels(event: Pick<TDigestEvent, 'targetType' | 'targetId' | 'details'>): Map<string, string> {
  const labels = new Map<string, string>();
  const details = event.details;
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return labels;
  const d = details as Record<string, unknown>;
  const add = (id: unknown, label: unknown) => {
    if (typeof id === 'string' && typeof label === 'string' && label.trim()) labels.set(id, label);
  };
  if (Array.isArray(d.configs)) for (const c of d.configs) if (c && typeof c === 'object') add((c as Record<string, unknown>).configId, (c as Record<string, unknown>).label);
  add(d.previousPrimary, d.previousPrimaryLabel);
  add(d.configId ?? (event.targetType === 'config' ? event.targetId : undefined), d.label);
  return labels;
}

/** The configuration ids an event names (target, details, a status report's errors): those the digest labels. */
export function mentionedConfigIds(event: Pick<TDigestEvent, 'targetType' | 'targetId' | 'details'>): string[] {
  const ids = new Set<string>();
  if (event.targetType === 'config' && event.targetId) ids.add(event.targetId);
  const details = event.details;
  if (details !== null && typeof details === 'object' && !Array.isArray(details)) {
    const d = details as Record<string, unknown>;
    const add = (id: unknown) => typeof id === 'string' && ids.add(id);
    for (const key of CONFIG_ID_KEYS) add(d[key]);
    if (Array.isArray(d.errors)) for (const e of d.errors) if (e && typeof e === 'object') add((e as Record<string, unknown>).configId);
  }
  return [...ids];
}

export function actorText(event: Pick<TDigestEvent, 'actorType' | 'actorId' | 'actorLabel'>): string {
  const label = event.actorLabel ? oneLine(event.actorLabel) : null;
  const id = event.actorId ? oneLine(event.actorId) : null;
  switch (event.actorType) {
    case 'user':
      return label ?? id ?? 'a tenant admin';
    case 'operator':
      return `${label ?? id ?? 'an operator'} (vendor operator)`;
    case 'deployment':
      return `proxy deployment ${label ?? id ?? ''}`.trim();
    case 'vendor_token':
      return label ? `the vendor API (a token of ${label})` : 'the vendor API';
    default:
      return 'the broker';
  }
}

/** 2026-11-29 00:12:03 UTC */
export function utcTime(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const tenantText = (id: string | null, names: ReadonlyMap<string, string>) => (id ? `${oneLine(names.get(id) ?? id, 80)} (${id})` : 'no tenant');
const auditLink = (publicUrl: string, tenant: string) => `${publicUrl}/t/${encodeURIComponent(tenant)}/audit`;

function eventBlock(event: TDigestEvent, names: ReadonlyMap<string, string>, configLabels?: TDigestInput['configLabels']): string[] {
  const recorded = recordedLabels(event);
  const looked = event.tenantExternalId ? configLabels?.get(event.tenantExternalId) : undefined;
  const labelOf: TLabelOf = (id) => recorded.get(id) ?? looked?.get(id);
  const targetLabel = event.targetType === 'config' && event.targetId ? labelOf(event.targetId) : undefined;
  const target =
    event.targetType && event.targetId
      ? targetLabel
        ? `configuration ${configText(event.targetId, labelOf)}`
        : `${oneLine(event.targetType, 40)} ${oneLine(event.targetId)}`
      : null;
  const details = detailPieces(event.details, event.targetId, labelOf);
  return [
    `- ${utcTime(event.at)}  ${auditActionLabel(event.action)}`,
    `  tenant: ${tenantText(event.tenantExternalId, names)}`,
    `  by: ${actorText(event)}`,
    ...(target ? [`  on: ${target}`] : []),
    ...(details.length > 0 ? [`  ${details.join('; ')}`] : []),
  ];
}

export function digestSubject(input: Pick<TDigestInput, 'events' | 'more' | 'tenantNames'>): string {
  const total = input.events.length + [...input.more.values()].reduce((a, b) => a + b, 0);
  const tenants = new Set([...input.events.map((e) => e.tenantExternalId), ...input.more.keys()].filter((t): t is string => t !== null));
  const where = tenants.size === 1 ? oneLine(input.tenantNames.get([...tenants][0] as string) ?? [...tenants][0] as string, 80) : `${tenants.size} tenants`;
  return `CMK broker: ${total} security ${total === 1 ? 'event' : 'events'} on ${where}`;
}

/** The mail's subject and plain text. */
export function renderDigest(input: TDigestInput): { subject: string; text: string } {
  const tenants = [...new Set([...input.events.map((e) => e.tenantExternalId), ...input.more.keys()].filter((t): t is string => t !== null))];
  const moreLines = [...input.more.entries()]
    .filter(([, n]) => n > 0)
    .map(([tenant, n]) => `… and ${n} more on ${tenantText(tenant, input.tenantNames)}: ${auditLink(input.publicUrl, tenant)}`);
  const text = [
    'Security-relevant events happened on tenants you administer (times in UTC):',
    '',
    ...input.events.flatMap((e) => [...eventBlock(e, input.tenantNames, input.configLabels), '']),
    ...(moreLines.length > 0 ? [...moreLines, ''] : []),
    'The full audit trail of each tenant:',
    ...tenants.map((t) => `  ${tenantText(t, input.tenantNames)}: ${auditLink(input.publicUrl, t)}`),
    '',
    `If you do not recognise an event, check it in the audit trail and tell the other admins of the tenant.`,
    `You receive these mails as an administrator of these tenants, at most one every ${input.windowMinutes} ${input.windowMinutes === 1 ? 'minute' : 'minutes'}.`,
    `To stop them, turn off "Mail notifications" on your account page: ${input.publicUrl}/account#notifications`,
  ].join('\n');
  return { subject: digestSubject(input), text };
}
