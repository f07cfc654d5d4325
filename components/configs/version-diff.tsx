'use client';
// An older version compared with the current one, both decrypted and verified
// in this browser: every field with a word for what happened to it (Changed,
// Added, Removed, Unchanged), old and new values for ordinary fields, and only
// the word for secrets (lib/client/config-diff.ts never hands their values on).
import { useId, useState } from 'react';
import { DateTime } from '@/components/ui/date-time';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import type { TConfigVersion } from '@/lib/client/api';
import { diffVersions, type TDiffDisplay, type TDiffRow, type TDiffState, type TPlainDiffRow } from '@/lib/client/config-diff';
import type { TTenantContext } from '@/lib/client/configs';
import { signedProvider } from '@/lib/client/signed-provider';
import { SecurityAlert } from './config-alerts';
import { fieldNote } from './field-notes';
import { useOpenedVersion, type TConfigView } from './use-configs';

const STATE: Record<TDiffState, { word: string; tone: 'neutral' | 'success' | 'warning' | 'danger' }> = {
  changed: { word: 'Changed', tone: 'warning' },
  added: { word: 'Added', tone: 'success' },
  removed: { word: 'Removed', tone: 'danger' },
  unchanged: { word: 'Unchanged', tone: 'neutral' },
};

const MUTED = 'text-slate-600 dark:text-slate-400';

function Value({ text, display, unset = 'Not set' }: { text: string | null; display: TDiffDisplay; unset?: string | undefined }) {
  if (text === null) return <span className={MUTED}>{unset}</span>;
  if (display === 'block') {
    return <pre className="max-h-48 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap break-all dark:bg-slate-900">{text}</pre>;
  }
  if (display === 'words') return <span className="break-words">{text}</span>;
  return <code className="font-mono text-sm break-all">{text}</code>;
}

// Label above value on a phone, side by side from `sm` up.
const PAIRS = 'grid grid-cols-1 gap-y-1 sm:grid-cols-[auto_minmax(0,1fr)] sm:gap-x-3';
const PAIR_LABEL = `text-xs sm:text-sm ${MUTED}`;

function Values({ row, beforeName, afterName }: { row: TPlainDiffRow; beforeName: string; afterName: string }) {
  if (row.state === 'unchanged') {
    return (
      <dl className={PAIRS}>
        <dt className={PAIR_LABEL}>Both versions</dt>
        <dd className="min-w-0">
          <Value text={row.after} display={row.display} unset={fieldNote(row.key)?.unset} />
        </dd>
      </dl>
    );
  }
  return (
    <dl className={PAIRS}>
      <dt className={PAIR_LABEL}>{beforeName}</dt>
      <dd className="min-w-0" data-testid="diff-before">
        <Value text={row.before} display={row.display} unset={fieldNote(row.key)?.unset} />
      </dd>
      <dt className={`${PAIR_LABEL} mt-1 sm:mt-0`}>{afterName}</dt>
      <dd className="min-w-0" data-testid="diff-after">
        <Value text={row.after} display={row.display} unset={fieldNote(row.key)?.unset} />
      </dd>
    </dl>
  );
}

function secretNote(row: Extract<TDiffRow, { secret: true }>): string {
  if (!row.isSet) return 'Secret, not set in either version.';
  if (row.state === 'changed') return 'Secret: the value is different. Values are not shown here.';
  if (row.state === 'unchanged') return 'Secret: the same value in both. Values are not shown here.';
  return row.state === 'added' ? 'Secret: set only in the current version.' : 'Secret: set only in the older version.';
}

function DiffRow({ row, beforeName, afterName }: { row: TDiffRow; beforeName: string; afterName: string }) {
  const state = STATE[row.state];
  const highlighted = row.state !== 'unchanged';
  return (
    <div
      data-testid={`diff-row-${row.key}`}
      className={`grid gap-x-6 gap-y-2 py-3 pr-3 sm:grid-cols-[minmax(0,14rem)_minmax(0,1fr)] ${
        highlighted ? 'border-l-4 border-amber-500 bg-amber-50/60 pl-3 dark:border-amber-400 dark:bg-amber-950/30' : 'border-l-4 border-transparent pl-3'
      }`}
    >
      <dt className="text-sm font-medium break-words">
        {row.label}
        {row.item !== undefined ? (
          <>
            {': '}
            <code className="font-mono break-all">{row.item}</code>
          </>
        ) : null}
      </dt>
      <dd className="min-w-0 space-y-1 text-sm">
        <Badge tone={state.tone}>{state.word}</Badge>
        {row.secret ? <p className={MUTED}>{secretNote(row)}</p> : <Values row={row} beforeName={beforeName} afterName={afterName} />}
      </dd>
    </div>
  );
}

type TDiffProps = { ctx: TTenantContext; row: TConfigView; older: TConfigVersion; current: TConfigVersion | undefined };

/** The comparison of `older` with the configuration's current version (row.latest, whose digest the signed state lists). */
export function VersionDiff({ ctx, row, older, current }: TDiffProps) {
  const latest = row.latest ? { version: row.latest.version, jwe: row.latest.jwe, digest: row.digest } : undefined;
  const before = useOpenedVersion(ctx, row.id, older);
  const after = useOpenedVersion(ctx, row.id, latest);
  const [hideUnchanged, setHideUnchanged] = useState(false);
  const headingId = useId();
  const toggleId = useId();
  const beforeSigned = before.data ? signedProvider(older.provider, before.data) : null;
  const afterSigned = after.data ? signedProvider(row.provider, after.data) : null;
  const diff =
    before.data && after.data && beforeSigned?.ok && afterSigned?.ok
      ? diffVersions(
          { provider: beforeSigned.provider, settings: before.data.settings, name: older.label },
          { provider: afterSigned.provider, settings: after.data.settings, name: row.label },
        )
      : null;

  const currentVersion = row.latestVersion;
  if (before.isError) return <SecurityAlert title={`Version ${older.version} could not be decrypted and verified`} error={before.error} />;
  if (after.isError) return <SecurityAlert title={`The current version (${currentVersion}) could not be decrypted and verified`} error={after.error} />;
  if (!latest) return <Alert tone="warning" title="There is no current version to compare with" />;
  if (before.isPending || after.isPending) {
    return <LoadingState>Decrypting and verifying versions {older.version} and {currentVersion} in this browser…</LoadingState>;
  }
  for (const [signed, version] of [[beforeSigned, older.version], [afterSigned, currentVersion]] as const) {
    if (signed && !signed.ok) return <Alert tone="error" title={`Version ${version} cannot be compared`}>{signed.message}</Alert>;
  }
  if (!diff) return null;

  const beforeName = `Version ${older.version}`;
  const afterName = `Version ${currentVersion} (current)`;
  const shown = hideUnchanged ? diff.rows.filter((r) => r.state !== 'unchanged') : diff.rows;
  const unchanged = diff.rows.length - diff.changedCount;
  const savedAt = current?.createdAt ?? row.latest?.createdAt;
  return (
    <section aria-labelledby={headingId} className="space-y-3" data-testid={`version-diff-v${older.version}`}>
      <h4 id={headingId} className="font-medium break-words">
        Changes from version {older.version} (<DateTime at={older.createdAt} />) to version {currentVersion}, the current
        version{savedAt ? (
          <>
            {' '}
            (<DateTime at={savedAt} />)
          </>
        ) : null}
      </h4>
      <div className="flex flex-wrap items-center justify-between gap-x-6 gap-y-2">
        <p role="status" className="text-sm">
          {diff.changedCount === 0
            ? 'Nothing differs: both versions have the same settings.'
            : `${diff.changedCount} ${diff.changedCount === 1 ? 'difference' : 'differences'}, ${unchanged} unchanged${hideUnchanged && unchanged > 0 ? ' (hidden)' : ''}.`}
        </p>
        <label htmlFor={toggleId} className="inline-flex items-center gap-2 text-sm">
          <Checkbox id={toggleId} className="size-4" checked={hideUnchanged} onCheckedChange={setHideUnchanged} />
          Hide unchanged fields
        </label>
      </div>
      {diff.providerChanged ? (
        <Alert tone="warning" title="The provider changed between these versions">
          Fields only one provider has show as added or removed.
        </Alert>
      ) : null}
      {shown.length > 0 ? (
        <dl aria-labelledby={headingId} className="divide-y divide-slate-200 border-y border-slate-200 dark:divide-slate-800 dark:border-slate-800">
          {shown.map((r) => (
            <DiffRow key={r.key} row={r} beforeName={beforeName} afterName={afterName} />
          ))}
        </dl>
      ) : null}
      <p className={`text-xs ${MUTED}`}>
        Both versions were decrypted and their signatures verified in this browser. Secret fields say only whether they changed; to see an older secret,
        show the whole of version {older.version}.
      </p>
    </section>
  );
}
