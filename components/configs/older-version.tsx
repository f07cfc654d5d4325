'use client';
// An older version opened from the history: by default what changed between it
// and the current version, or the whole version with its secrets masked. A
// version sealed to the tenant keys before a rotation cannot be opened, and
// says so instead.
import { useEffect, useId, useRef, useState } from 'react';
import { DateTime } from '@/components/ui/date-time';
import { LoadingState } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { TConfigVersion } from '@/lib/client/api';
import type { TTenantContext } from '@/lib/client/configs';
import { signedProvider } from '@/lib/client/signed-provider';
import { SecurityAlert } from './config-alerts';
import { ConfigValues } from './config-values';
import { useOpenedVersion, type TConfigView } from './use-configs';
import { VersionDiff } from './version-diff';

/** Whether `jwe` has an entry for the tenant encryption key held now; versions sealed before a key rotation do not. */
export function sealedToCurrentKey(jwe: unknown, kid: string): boolean {
  const recipients = (jwe as { recipients?: { header?: { kid?: unknown } }[] } | null)?.recipients;
  return Array.isArray(recipients) && recipients.some((r) => r?.header?.kid === kid);
}

function WholeVersion({ ctx, row, version }: { ctx: TTenantContext; row: TConfigView; version: TConfigVersion }) {
  const opened = useOpenedVersion(ctx, row.id, version);
  if (opened.isPending) return <LoadingState>Decrypting and verifying version {version.version}…</LoadingState>;
  if (opened.isError) return <SecurityAlert title={`Version ${version.version} could not be decrypted and verified`} error={opened.error} />;
  // Each version is shown with the provider its own signed document names, never the broker's label for the row.
  const signed = signedProvider(version.provider, opened.data);
  if (!signed.ok) return <Alert tone="error" title={`Version ${version.version} cannot be shown`}>{signed.message}</Alert>;
  return <ConfigValues provider={signed.provider} document={opened.data} name={`${version.label} version ${version.version}`} />;
}

type TMode = 'changes' | 'whole';

type TPanelProps = {
  ctx: TTenantContext;
  row: TConfigView;
  version: TConfigVersion;
  current: TConfigVersion | undefined;
  onClose: () => void;
};

export function OlderVersionPanel({ ctx, row, version, current, onClose }: TPanelProps) {
  const [mode, setMode] = useState<TMode>('changes');
  const heading = useRef<HTMLHeadingElement>(null);
  const panel = useRef<HTMLElement>(null);
  const name = useId();
  // Opened from a button in the table above: move to the panel, which may be far below it.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
    panel.current?.scrollIntoView({ block: 'start' });
  }, [version.version]);
  const openable = sealedToCurrentKey(version.jwe, ctx.keys.encryptionKid);
  const options: { value: TMode; label: string }[] = [
    { value: 'changes', label: `Changes against the current version (${row.latestVersion})` },
    { value: 'whole', label: `The whole of version ${version.version}` },
  ];
  return (
    <section ref={panel} aria-labelledby={`${name}-heading`} className="space-y-4 rounded-md border border-slate-200 p-4 dark:border-slate-800" data-testid="older-version-panel">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <h3 id={`${name}-heading`} ref={heading} tabIndex={-1} className="font-medium break-words focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600">
          Version {version.version}, saved <DateTime at={version.createdAt} />
        </h3>
        <Button variant="ghost" className="px-3" aria-label={`Close version ${version.version}`} onClick={onClose}>
          Close
        </Button>
      </div>
      {openable ? (
        <>
          <fieldset>
            <legend className="sr-only">Show</legend>
            <div className="flex flex-wrap gap-x-6 gap-y-2">
              {options.map((o) => (
                <label key={o.value} className="inline-flex items-center gap-2 text-sm">
                  <input type="radio" name={`${name}-mode`} className="size-4" checked={mode === o.value} onChange={() => setMode(o.value)} />
                  {o.label}
                </label>
              ))}
            </div>
          </fieldset>
          {mode === 'changes' ? <VersionDiff ctx={ctx} row={row} older={version} current={current} /> : <WholeVersion ctx={ctx} row={row} version={version} />}
        </>
      ) : (
        <Alert tone="info" title={`Version ${version.version} was sealed to the tenant keys before a rotation`}>
          It can no longer be opened with the current keys, so it cannot be viewed, compared or rolled back to. Its metadata stays in the history and the
          audit trail.
        </Alert>
      )}
    </section>
  );
}
