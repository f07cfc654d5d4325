'use client';
// The audit filter's action picker: the catalogue grouped by area
// (lib/schemas/audit-groups.ts) as a labelled checkbox list with a search
// field, replacing a 50-item multiple <select> that needed Ctrl-click. Each
// group can be ticked whole (the actions the search shows), the selection
// shows as chips that remove one action each, and the list sits behind a
// disclosure so the form stays short. Nothing applies until the form is
// submitted, like every other filter; Enter in the search field only
// searches, and Escape closes the list and returns to its button.
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { auditActionLabel } from '@/lib/schemas/audit';
import { auditActionGroups, searchAuditActionGroups, setAuditActions, type TAuditActionGroup } from '@/lib/schemas/audit-groups';
import { Checkbox } from '@/components/ui/checkbox';
import { Input } from '@/components/ui/field';
import { HELP_TEXT } from '@/components/ui/help-text';

const MUTED = 'text-slate-600 dark:text-slate-400';
const BOX = 'mt-0.5 size-4 shrink-0';
const SMALL_BUTTON =
  'inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800';

type Props = { selected: readonly string[]; onChange: (next: string[]) => void; tenantOnly: boolean; className?: string };

function Group({ group, selected, onChange }: { group: TAuditActionGroup; selected: readonly string[]; onChange: Props['onChange'] }) {
  const chosen = group.actions.filter((a) => selected.includes(a)).length;
  const all = chosen === group.actions.length;
  return (
    <fieldset className="min-w-0 space-y-1">
      <legend className="text-sm font-semibold">{group.label}</legend>
      <label className="flex items-start gap-2 text-sm">
        <Checkbox
          className={BOX}
          checked={all}
          // "Some of them": announced as mixed, drawn as a dash.
          ref={(box) => {
            if (box) box.indeterminate = chosen > 0 && !all;
          }}
          onCheckedChange={(on) => onChange(setAuditActions(selected, group.actions, on))}
        />
        <span className={MUTED}>Select all ({group.actions.length})</span>
      </label>
      <ul className="space-y-1">
        {group.actions.map((action) => (
          <li key={action}>
            <label className="flex items-start gap-2 text-sm">
              <Checkbox className={BOX} checked={selected.includes(action)} onCheckedChange={(on) => onChange(setAuditActions(selected, [action], on))} />
              <span className="min-w-0">
                {auditActionLabel(action)}
                <span className={`block font-mono text-xs ${MUTED}`}>{action}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

export function ActionPicker({ selected, onChange, tenantOnly, className = '' }: Props) {
  const groups = useMemo(() => auditActionGroups({ tenantOnly }), [tenantOnly]);
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const toggle = useRef<HTMLButtonElement>(null);
  const id = useId();
  const shown = searchAuditActionGroups(groups, query);
  const count = shown.reduce((n, g) => n + g.actions.length, 0);

  function onPanelKeyDown(event: KeyboardEvent) {
    // Escape in a search field with text clears it first (the browser's own behaviour).
    if (event.key !== 'Escape' || (event.target instanceof HTMLInputElement && event.target.type === 'search' && event.target.value)) return;
    event.preventDefault();
    setOpen(false);
    toggle.current?.focus();
  }

  return (
    <fieldset className={`min-w-0 space-y-2 ${className}`} aria-describedby={`${id}-help`}>
      <legend className="block text-sm font-medium">Actions</legend>
      <p id={`${id}-help`} className={HELP_TEXT}>
        {selected.length ? `${selected.length} selected; only these are shown.` : 'None selected: every action.'}
      </p>
      {selected.length ? (
        <ul aria-label="Selected actions" className="flex flex-wrap gap-2">
          {selected.map((action) => (
            <li key={action}>
              <button
                type="button"
                onClick={() => onChange(setAuditActions(selected, [action], false))}
                className="relative inline-flex items-center gap-1 rounded-full bg-brand-50 px-3 py-1 text-xs font-medium text-brand-700 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-100 dark:hover:bg-slate-700"
              >
                <span className="sr-only">Remove </span>
                {auditActionLabel(action)}
                <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3" fill="none" stroke="currentColor" strokeWidth="2">
                  <path d="m4 4 8 8M12 4l-8 8" />
                </svg>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button ref={toggle} type="button" aria-expanded={open} aria-controls={`${id}-panel`} onClick={() => setOpen(!open)} className={SMALL_BUTTON}>
          <svg aria-hidden="true" viewBox="0 0 16 16" className={`size-3 transition-transform ${open ? 'rotate-90' : ''}`} fill="currentColor">
            <path d="M6 3.5 10.5 8 6 12.5z" />
          </svg>
          Choose actions
        </button>
        {selected.length ? (
          <button type="button" onClick={() => onChange([])} className={SMALL_BUTTON}>
            Clear actions
          </button>
        ) : null}
      </div>
      <div id={`${id}-panel`} hidden={!open} onKeyDown={onPanelKeyDown} className="space-y-3 rounded-md border border-slate-300 p-3 dark:border-slate-700">
        <div className="space-y-1">
          <label htmlFor={`${id}-search`} className="block text-sm font-medium">
            Search actions
          </label>
          <Input
            id={`${id}-search`}
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            // Enter searches here; it must not submit the filters half-chosen.
            onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()}
            aria-describedby={`${id}-count`}
            autoComplete="off"
            spellCheck={false}
            placeholder="e.g. config, suspend, sign in"
            className="block w-full max-w-sm rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-900"
          />
          <p id={`${id}-count`} aria-live="polite" className={HELP_TEXT}>
            {count === 0 ? 'No action matches.' : `${count} ${count === 1 ? 'action' : 'actions'} in ${shown.length} ${shown.length === 1 ? 'group' : 'groups'}.`}
          </p>
        </div>
        <div className="grid max-h-96 gap-4 overflow-y-auto pr-1 sm:grid-cols-2 lg:grid-cols-3">
          {shown.map((group) => (
            <Group key={group.id} group={group} selected={selected} onChange={onChange} />
          ))}
        </div>
      </div>
    </fieldset>
  );
}
