import 'server-only';
// The notification digest mail (docs/notifications.md): plain text, one
// block per event — what happened (the catalogue's label), on which tenant,
// by whom, when (UTC), on what, and a few non-secret details chosen by an
// allowlist. Settings, JWEs, tokens, IP addresses and user agents never
// appear: only the allowlisted detail keys below are ever read.
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
};

export const DIGEST_MAX_EVENTS = 50;

/** Detail keys shown, and how they are named in the mail. Anything else in `details` is left out. */
const DETAIL_LABELS: Record<string, string> = {
  kind: 'kind',
  provider: 'provider',
  version: 'version',
  configId: 'configuration',
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

/** A proxy error as a status report's event lists it: its code and configuration only (never a message). */
function errorItem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return scalar(value);
  const { code, configId } = value as { code?: unknown; configId?: unknown };
  if (typeof code !== 'string') return null;
  return typeof configId === 'string' ? `${oneLine(code, 60)} (configuration ${oneLine(configId, 60)})` : oneLine(code, 60);
}

function detailValue(value: unknown): string | null {
  if (!Array.isArray(value)) return scalar(value);
  const items = value.map(errorItem).filter((v): v is string => v !== null);
  if (items.length === 0) return null;
  const shown = items.slice(0, MAX_LIST_ITEMS).join(', ');
  return items.length > MAX_LIST_ITEMS ? `${shown} and ${items.length - MAX_LIST_ITEMS} more` : shown;
}

/** The allowlisted details as "label: value" pieces (the target's own id is not repeated). */
export function detailPieces(details: unknown, targetId: string | null): string[] {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return [];
  const pieces: string[] = [];
  for (const [key, label] of Object.entries(DETAIL_LABELS)) {
    if (!Object.hasOwn(details, key)) continue;
    const value = detailValue((details as Record<string, unknown>)[key]);
    if (value === null || value === targetId) continue;
    pieces.push(`${label}: ${value}`);
  }
  return pieces;
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

function eventBlock(event: TDigestEvent, names: ReadonlyMap<string, string>): string[] {
  const target = event.targetType && event.targetId ? `${oneLine(event.targetType, 40)} ${oneLine(event.targetId)}` : null;
  const details = detailPieces(event.details, event.targetId);
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
    ...input.events.flatMap((e) => [...eventBlock(e, input.tenantNames), '']),
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
