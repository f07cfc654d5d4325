'use client';
// The audit pages' filter form. Nothing applies until the form is submitted
// (Enter in any field, or "Apply filters"), so keyboard and screen-reader
// users change several filters without the list jumping under them. The
// parent keys the form on the URL's filters, so back/forward resets it.
import { useState, type FormEvent } from 'react';
import { AUDIT_ACTOR_TYPES, AUDIT_OUTCOMES } from '@/lib/schemas/audit';
import { fromLocalInput, toLocalInput, type TFilterKey, type TParams } from '@/lib/client/audit';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/field';
import { TimeZoneName } from '@/components/ui/date-time';
import { HELP_TEXT } from '@/components/ui/help-text';
import { Select } from '@/components/ui/select';
import { ActionPicker } from './action-picker';

const CONTROL = 'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900';
const LABEL = 'block text-sm font-medium';

export const ACTOR_TYPE_LABELS: Record<(typeof AUDIT_ACTOR_TYPES)[number], string> = {
  user: 'Tenant admin',
  operator: 'Operator',
  deployment: 'Proxy deployment',
  system: 'System',
  vendor_token: 'Vendor API token',
};

type Props = { params: TParams; vendor?: boolean; onApply: (changes: Record<TFilterKey, string | null>) => void };

export function AuditFilters({ params, vendor = false, onApply }: Props) {
  const [tenant, setTenant] = useState(params.get('tenant') ?? '');
  const [scope, setScope] = useState(params.get('scope') ?? '');
  const [actorType, setActorType] = useState(params.get('actorType') ?? '');
  const [actor, setActor] = useState(params.get('actor') ?? '');
  const [actions, setActions] = useState<string[]>((params.get('action') ?? '').split(',').filter(Boolean));
  const [outcome, setOutcome] = useState(params.get('outcome') ?? '');
  const [from, setFrom] = useState(toLocalInput(params.get('from')));
  const [to, setTo] = useState(toLocalInput(params.get('to')));
  const [error, setError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const fromIso = fromLocalInput(from);
    const toIso = fromLocalInput(to);
    if (fromIso && toIso && fromIso > toIso) return setError('“From” must not be after “to”.');
    setError(null);
    onApply({
      tenant: vendor ? tenant.trim().toLowerCase() || null : null,
      scope: vendor ? scope || null : null,
      actorType: actorType || null,
      actor: vendor ? null : actor.trim() || null,
      action: actions.join(',') || null,
      outcome: outcome || null,
      from: fromIso,
      to: toIso,
    });
  }

  function clear() {
    setError(null);
    onApply({ tenant: null, scope: null, actorType: null, actor: null, action: null, outcome: null, from: null, to: null });
  }

  return (
    <form role="search" aria-label="Audit trail filters" noValidate onSubmit={submit} className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {vendor ? (
          <>
            <div className="space-y-1">
              <label htmlFor="audit-tenant" className={LABEL}>Tenant id</label>
              <Input id="audit-tenant" className={CONTROL} value={tenant} onChange={(e) => setTenant(e.target.value)} placeholder="e.g. acme" autoComplete="off" spellCheck={false} />
            </div>
            <div className="space-y-1">
              <label htmlFor="audit-scope" className={LABEL}>Chain</label>
              <Select id="audit-scope" className={CONTROL} value={scope} onChange={(e) => setScope(e.target.value)}>
                <option value="">All events</option>
                <option value="vendor">Vendor-only events</option>
                <option value="tenant">Tenants’ events</option>
              </Select>
            </div>
          </>
        ) : null}
        <div className="space-y-1">
          <label htmlFor="audit-actor-type" className={LABEL}>Actor type</label>
          <Select id="audit-actor-type" className={CONTROL} value={actorType} onChange={(e) => setActorType(e.target.value)}>
            <option value="">Any</option>
            {AUDIT_ACTOR_TYPES.map((t) => (
              <option key={t} value={t}>{ACTOR_TYPE_LABELS[t]}</option>
            ))}
          </Select>
        </div>
        {vendor ? null : (
          <div className="space-y-1">
            <label htmlFor="audit-actor" className={LABEL}>Actor</label>
            <Input id="audit-actor" type="search" className={CONTROL} value={actor} onChange={(e) => setActor(e.target.value)} aria-describedby="audit-actor-help" autoComplete="off" />
            <p id="audit-actor-help" className={HELP_TEXT}>Part of an email or a deployment’s name.</p>
          </div>
        )}
        <div className="space-y-1">
          <label htmlFor="audit-outcome" className={LABEL}>Outcome</label>
          <Select id="audit-outcome" className={CONTROL} value={outcome} onChange={(e) => setOutcome(e.target.value)}>
            <option value="">Any</option>
            {AUDIT_OUTCOMES.map((o) => (
              <option key={o} value={o}>{o}</option>
            ))}
          </Select>
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-from" className={LABEL}>From</label>
          <Input id="audit-from" type="datetime-local" className={CONTROL} value={from} onChange={(e) => setFrom(e.target.value)} aria-describedby="audit-time-help" />
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-to" className={LABEL}>To</label>
          <Input id="audit-to" type="datetime-local" className={CONTROL} value={to} onChange={(e) => setTo(e.target.value)} aria-describedby="audit-time-help" aria-invalid={error ? true : undefined} />
          <p id="audit-time-help" className={HELP_TEXT}>In your time zone<TimeZoneName />; both ends included.</p>
        </div>
        <ActionPicker className="sm:col-span-2 lg:col-span-4" selected={actions} onChange={setActions} tenantOnly={!vendor} />
      </div>
      {error ? <p role="alert" className="text-sm text-red-700 dark:text-red-400">{error}</p> : null}
      <div className="flex flex-wrap gap-3">
        <Button type="submit">Apply filters</Button>
        <Button variant="secondary" onClick={clear}>Clear filters</Button>
      </div>
    </form>
  );
}
