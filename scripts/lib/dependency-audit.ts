// The dependency gate of issue 8: `npm audit --omit=dev` must report no high
// or critical advisory that docs/dependency-exceptions.json does not explain.
// This judges npm's JSON report; scripts/dependency-audit.ts runs npm.
export type TAdvisory = { id: string; package: string; severity: 'high' | 'critical'; title: string; range: string; url: string };
export type TException = { advisory: string; package: string; reason: string };

export type TAuditVerdict =
  | { kind: 'unavailable'; reason: string }
  | { kind: 'checked'; counts: Record<string, number>; advisories: TAdvisory[]; unexplained: TAdvisory[]; staleExceptions: TException[] };

const SERIOUS = new Set(['high', 'critical']);

type TVia = { name?: unknown; severity?: unknown; title?: unknown; url?: unknown; range?: unknown; source?: unknown };

function advisoryId(via: TVia): string {
  // GitHub advisory URLs end in the GHSA id; older reports only carry a numeric source.
  const url = typeof via.url === 'string' ? via.url : '';
  const ghsa = /GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.exec(url)?.[0];
  return ghsa ?? `npm:${String(via.source ?? via.title ?? 'unknown')}`;
}

/** `report` is what `npm audit --json` printed (parsed), `exceptions` the explained advisories. */
export function judgeAudit(report: unknown, exceptions: readonly TException[]): TAuditVerdict {
  const r = report as { auditReportVersion?: unknown; vulnerabilities?: unknown; metadata?: { vulnerabilities?: Record<string, number> }; message?: unknown; statusCode?: unknown; error?: { summary?: unknown } };
  if (typeof r !== 'object' || r === null || r.auditReportVersion !== 2 || typeof r.vulnerabilities !== 'object' || r.vulnerabilities === null) {
    const reason = typeof r?.message === 'string' && r.message ? r.message : typeof r?.error?.summary === 'string' && r.error.summary ? r.error.summary : 'npm audit gave no report';
    return { kind: 'unavailable', reason: reason.slice(0, 300) };
  }
  const found = new Map<string, TAdvisory>();
  for (const entry of Object.values(r.vulnerabilities as Record<string, { via?: unknown[] }>)) {
    for (const via of entry.via ?? []) {
      if (typeof via !== 'object' || via === null) continue; // a name: the advisory is listed under that package
      const v = via as TVia;
      if (typeof v.severity !== 'string' || !SERIOUS.has(v.severity)) continue;
      const id = advisoryId(v);
      found.set(id, {
        id,
        package: String(v.name ?? ''),
        severity: v.severity as TAdvisory['severity'],
        title: String(v.title ?? ''),
        range: String(v.range ?? ''),
        url: typeof v.url === 'string' ? v.url : '',
      });
    }
  }
  const advisories = [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
  const explained = new Set(exceptions.map((e) => e.advisory));
  return {
    kind: 'checked',
    counts: { ...(r.metadata?.vulnerabilities ?? {}) },
    advisories,
    unexplained: advisories.filter((a) => !explained.has(a.id)),
    staleExceptions: exceptions.filter((e) => !found.has(e.advisory)),
  };
}

/** Reads docs/dependency-exceptions.json: every entry names an advisory, its package and why it is acceptable. */
export function readExceptions(json: unknown): TException[] {
  const list = (json as { exceptions?: unknown })?.exceptions;
  if (!Array.isArray(list)) throw new Error('dependency-exceptions.json: expected {"exceptions": [...]}.');
  return list.map((e: unknown, i) => {
    const x = e as Partial<TException>;
    if (typeof x?.advisory !== 'string' || typeof x.package !== 'string' || typeof x.reason !== 'string' || x.reason.trim().length < 20) {
      throw new Error(`dependency-exceptions.json: exceptions[${i}] needs "advisory", "package" and a "reason" of at least 20 characters.`);
    }
    return { advisory: x.advisory, package: x.package, reason: x.reason };
  });
}
