'use client';
// The audit tables' cells that need more than text: emails and ids that wrap
// only where an address may break, a target by its name with the id on hover
// and a copy button, and an event's details behind a disclosure that lists
// every one of them (the table used to show cut-off JSON with "(+2 more)").
import { Fragment, useEffect, useId, useState } from 'react';
import { detailEntries, detailsPreview, targetTypeLabel, wrapSegments } from '@/lib/client/audit-format';
import { formatDateTime } from '@/lib/client/dates';

const MUTED = 'text-slate-600 dark:text-slate-400';

/** Text that wraps before `.`, `@`, `-` … only (an over-long piece still breaks rather than overflow). */
export function WrapText({ text, title, className = '' }: { text: string; title?: string; className?: string }) {
  return (
    <span title={title} className={`break-words ${className}`}>
      {wrapSegments(text).map((segment, i) => (
        <Fragment key={i}>
          {i > 0 ? <wbr /> : null}
          {segment}
        </Fragment>
      ))}
    </span>
  );
}

/** When, breaking only between the date and the time (not "Dec / 7, / 2026,"), and the event's position in its chain. */
export function EventTime({ at, seq }: { at: string; seq: number | null }) {
  const text = formatDateTime(at);
  const cut = text.lastIndexOf(', ');
  return (
    <>
      <time dateTime={at}>
        {cut > 0 ? (
          <>
            <span className="whitespace-nowrap">{text.slice(0, cut + 1)}</span> <span className="whitespace-nowrap">{text.slice(cut + 2)}</span>
          </>
        ) : (
          text
        )}
      </time>
      {seq !== null ? <span className={`block text-xs ${MUTED}`}>#{seq}</span> : null}
    </>
  );
}

/** Copies `text`; says "Copied" for a moment, to screen readers too. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <span className="inline-flex items-center gap-1">
      <button
        type="button"
        title={text}
        aria-label={label}
        className={`rounded p-1 ${MUTED} hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-slate-100`}
        onClick={() =>
          navigator.clipboard.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
          <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
          <path d="M10.5 3.5v-1a1 1 0 0 0-1-1h-7a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h1" />
        </svg>
      </button>
      <span role="status" className="text-xs">
        {copied === true ? 'Copied' : copied === false ? 'Copy failed' : ''}
      </span>
    </span>
  );
}

/** What an event acted on: its name from the reader's own records when the server found one, else its id. */
export function TargetCell({ type, id, name }: { type: string | null; id: string | null; name: string | null }) {
  if (!type) return <span className={MUTED}>—</span>;
  const kind = targetTypeLabel(type);
  return (
    // relative: the sr-only id is absolutely positioned; without a positioned ancestor inside the table's scroll box it would widen the page on a phone.
    <div className="relative min-w-[9rem]">
      {/* The copy button sits on the kind's line, so the name has the column's whole width. */}
      <span className={`flex items-center gap-1 text-xs ${MUTED}`}>
        {kind}
        {id ? <CopyButton text={id} label={name ? `Copy the id of ${name}` : `Copy the ${kind.toLowerCase()} id`} /> : null}
      </span>
      {id && name ? <WrapText text={name} title={`${kind} id: ${id}`} className="block font-medium" /> : null}
      {id && !name ? <WrapText text={id} title={id} className="block font-mono text-xs" /> : null}
      {/* The hover text of a name is the id; screen readers get it here. */}
      {name && id ? <span className="sr-only">, id {id}</span> : null}
    </div>
  );
}

/** Every detail of an event as a key/value list, behind a button that says how many there are. */
export function DetailsCell({ details, event }: { details: unknown; event: string }) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const entries = detailEntries(details);
  if (entries.length === 0) return <span className={MUTED}>—</span>;
  return (
    <div className="max-w-xs min-w-[11rem] text-xs">
      {/* w-0 min-w-full: the one-line preview fills the column without widening it (so the table fits at desktop widths). */}
      {open ? null : <p className={`mb-1 w-0 min-w-full truncate ${MUTED}`}>{detailsPreview(entries)}</p>}
      <button
        type="button"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen(!open)}
        className="relative inline-flex items-center gap-1 rounded font-medium text-brand-700 hover:underline dark:text-brand-500"
      >
        <svg aria-hidden="true" viewBox="0 0 16 16" className={`size-3 transition-transform ${open ? 'rotate-90' : ''}`} fill="currentColor">
          <path d="M6 3.5 10.5 8 6 12.5z" />
        </svg>
        {entries.length === 1 ? '1 detail' : `${entries.length} details`}
        <span className="sr-only"> of {event}</span>
      </button>
      <dl id={listId} hidden={!open} className="mt-1 space-y-1">
        {entries.map((e) => (
          <div key={e.key}>
            <dt className={`inline font-mono ${MUTED}`}>
              <WrapText text={e.key} />:
            </dt>{' '}
            <dd className="inline">
              <WrapText text={e.value} />
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
