// A readable text summary for the CLI and logs: tenants, configurations and
// errors. Built from TProxySummary, which carries no settings, so no secret
// value can be printed from here.
import { STOPPED_CODES } from '@/lib/delivery-state';

import type { TProxySummary } from './types';

const STOPPED = new Set<string>(STOPPED_CODES);
const STOPPED_WORDS: Record<(typeof STOPPED_CODES)[number], string> = { tenant_withheld: 'left out of the bundle', tenant_suspended: 'marked suspended by the broker' };

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

/** Names come from the broker (display only); long ones are cut so the table stays readable. */
const nameOf = (label: string | null) => (label === null ? '-' : label.length > 40 ? `${label.slice(0, 39)}…` : label);

export function formatSummary(summary: TProxySummary): string {
  const { counts } = summary;
  const names = new Map(summary.configurations.map((c) => [`${c.tenantId}\u0000${c.configId}`, c.label]));
  const lines = [
    `Deployment ${summary.deploymentId}`,
    `  ${counts.tenants} tenant(s), ${counts.approved} approved, ${counts.suspended} suspended; ${counts.configurations} configuration(s); ${counts.errors} error(s)${counts.stopped ? `; ${counts.stopped} tenant(s) no longer handed over` : ''}`,
    `  last successful sync: ${summary.staleness === null ? 'never' : `${summary.staleness} s ago`}`,
    '',
    'Tenants',
  ];
  if (summary.tenants.length === 0) lines.push('  (none)');
  else {
    lines.push(
      ...table([
        ['TENANT', 'STATUS', 'SEQ', 'APPROVAL'],
        ...summary.tenants.map((t) => [t.tenantId, t.status, String(t.seq), t.approved ? 'approved' : 'awaiting approval']),
      ]),
    );
  }
  lines.push('', 'Configurations');
  if (summary.configurations.length === 0) lines.push('  (none)');
  else {
    lines.push(
      ...table([
        ['TENANT', 'CONFIG', 'NAME', 'KIND', 'KMS ID', 'PROVIDER', 'VERSION', 'STATUS', 'PRIMARY'],
        ...summary.configurations.map((c) => [c.tenantId, c.configId, nameOf(c.label), c.kind, c.kmsConfigId === null ? '-' : String(c.kmsConfigId), c.provider, `v${c.version}`, c.status, c.primary ? 'primary' : '']),
      ]),
    );
  }
  // Withholding is visible: the pinned tenants the broker stopped handing over, before any other error.
  const stopped = summary.errors.filter((e) => STOPPED.has(e.code));
  if (stopped.length > 0) {
    lines.push('', 'No longer handed over by the broker (serving none of their configurations)');
    lines.push(
      ...table([
        ['TENANT', 'WHY', 'LAST APPLIED', 'CODE'],
        ...stopped.map((e) => [e.tenantId, STOPPED_WORDS[e.code as keyof typeof STOPPED_WORDS], e.seq === undefined ? '-' : `change ${e.seq}`, e.code]),
      ]),
    );
  }
  const others = summary.errors.filter((e) => !STOPPED.has(e.code));
  lines.push('', 'Errors');
  if (others.length === 0) lines.push(stopped.length ? '  (none besides the tenants above)' : '  (none)');
  else {
    for (const e of others) {
      const name = e.configId ? names.get(`${e.tenantId}\u0000${e.configId}`) : null;
      lines.push(`  [${e.code}] ${e.tenantId === '*' ? 'bundle' : `tenant ${e.tenantId}`}${e.configId ? ` config ${e.configId}${name ? ` (${JSON.stringify(name)})` : ''}` : ''}: ${e.message}`);
    }
  }
  return lines.join('\n');
}
