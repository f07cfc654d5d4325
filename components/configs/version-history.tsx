'use client';
// Every version of one configuration, newest first. An older version can be
// opened (decrypted and verified here) and rolled back to: its content is
// sealed again as a new version, so history is never rewritten.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { DateTime } from '@/components/ui/date-time';
import { LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Alert } from '@/components/ui/alert';
import { Badge, Card } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { TConfigVersion } from '@/lib/client/api';
import { rollbackConfig, type TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { signedProvider } from '@/lib/client/signed-provider';
import type { TProvider } from '@/lib/schemas/providers/types';
import { ChangeFailed, LoadFailed, SecurityAlert } from './config-alerts';
import { ConfigValues } from './config-values';
import { useOpenedVersion, useVersions, type TConfigView, type TOverview } from './use-configs';

type THistoryProps = {
  tenant: string;
  ctx: TTenantContext;
  row: TConfigView;
  provider: TProvider;
  overview: TOverview;
  onRolledBack: (version: number) => void;
};

/** Whether `jwe` has an entry for the tenant encryption key held now; versions sealed before a key rotation do not. */
function sealedToCurrentKey(jwe: unknown, kid: string): boolean {
  const recipients = (jwe as { recipients?: { header?: { kid?: unknown } }[] } | null)?.recipients;
  return Array.isArray(recipients) && recipients.some((r) => r?.header?.kid === kid);
}

function OlderVersion({ ctx, row, provider, version }: { ctx: TTenantContext; row: TConfigView; provider: TProvider; version: TConfigVersion }) {
  if (!sealedToCurrentKey(version.jwe, ctx.keys.encryptionKid)) {
    return (
      <Alert tone="info" title={`Version ${version.version} was sealed to the tenant keys before a rotation`}>
        It can no longer be opened with the current keys, so it cannot be viewed or rolled back to. Its metadata stays in the history and the audit trail.
      </Alert>
    );
  }
  return <OpenedVersion ctx={ctx} row={row} provider={provider} version={version} />;
}

function OpenedVersion({ ctx, row, provider, version }: { ctx: TTenantContext; row: TConfigView; provider: TProvider; version: TConfigVersion }) {
  const opened = useOpenedVersion(ctx, row.id, version);
  if (opened.isPending) return <LoadingState>Decrypting and verifying version {version.version}…</LoadingState>;
  if (opened.isError) return <SecurityAlert title={`Version ${version.version} could not be decrypted and verified`} error={opened.error} />;
  // Each version is shown with the provider its own signed document names, never the broker's label for the row.
  const signed = signedProvider(provider.id, opened.data);
  if (!signed.ok) return <Alert tone="error" title={`Version ${version.version} cannot be shown`}>{signed.message}</Alert>;
  return <ConfigValues provider={signed.provider} document={opened.data} name={`${version.label} version ${version.version}`} />;
}

export function VersionHistory({ tenant, ctx, row, provider, overview, onRolledBack }: THistoryProps) {
  const queryClient = useQueryClient();
  const versions = useVersions(tenant, row.id, true);
  const [shown, setShown] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<{ version: TConfigVersion; base: TOverview } | null>(null);
  const rollback = useMutation({
    mutationFn: ({ version, base }: { version: TConfigVersion; base: TOverview }) =>
      rollbackConfig(ctx, base.listing, row.id, { version: version.version, jwe: version.jwe, digest: version.digest, label: version.label }),
    onSuccess: async (result) => {
      setConfirming(null);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
      onRolledBack(result.version);
    },
    onError: () => setConfirming(null),
  });
  const reload = () => {
    rollback.reset();
    void queryClient.invalidateQueries({ queryKey: tenantKeys.configs(tenant) });
  };
  const list = versions.data?.versions;
  const shownVersion = list?.find((v) => v.version === shown);

  return (
    <Card id="history" title="Version history" description="Every saved version is kept. Rolling back seals an older version’s content again as a new version.">
      <div className="space-y-4">
        {rollback.isPending ? (
          <p role="status" aria-busy="true" className="text-sm text-slate-600 dark:text-slate-400">
            Sealing: decrypting the older version, signing and encrypting it again as a new version…
          </p>
        ) : null}
        {rollback.isError ? <ChangeFailed error={rollback.error} onReload={reload} /> : null}
        {versions.isPending ? <LoadingState>Loading versions…</LoadingState> : null}
        {versions.isError ? <LoadFailed title="Versions could not be loaded" error={versions.error} retrying={versions.isFetching} onRetry={() => void versions.refetch()} /> : null}
        {list ? (
          <TableScroller label={`Versions of ${row.label}`}>
            <table className={TABLE}>
              <caption className="sr-only">{`Versions of ${row.label}, newest first`}</caption>
              <thead>
                <tr>
                  <th scope="col" className={TH}>Version</th>
                  <th scope="col" className={TH}>Saved</th>
                  <th scope="col" className={TH}>By</th>
                  <th scope="col" className={TH}>Name</th>
                  <th scope="col" className={TH}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v.version} data-testid={`version-row-${v.version}`}>
                    <th scope="row" className={`${TD} font-medium`}>
                      v{v.version} {v.version === row.latestVersion ? <Badge tone="success">Current</Badge> : null}
                    </th>
                    <td className={TD}>
                      <DateTime at={v.createdAt} />
                    </td>
                    <td className={TD}>{v.createdBy ?? 'a removed administrator'}</td>
                    <td className={TD}>{v.label}</td>
                    <td className={`${TD} text-right whitespace-nowrap`}>
                      {v.version === row.latestVersion ? null : (
                        <span className="inline-flex gap-1">
                          <Button
                            variant="ghost"
                            className="px-3"
                            aria-expanded={shown === v.version}
                            aria-controls="older-version"
                            aria-label={`${shown === v.version ? 'Hide' : 'View'} version ${v.version} of ${row.label}`}
                            onClick={() => setShown(shown === v.version ? null : v.version)}
                          >
                            {shown === v.version ? 'Hide' : 'View'}
                          </Button>
                          <Button
                            variant="secondary"
                            className="px-3"
                            disabled={rollback.isPending || !sealedToCurrentKey(v.jwe, ctx.keys.encryptionKid)}
                            aria-label={`Roll back ${row.label} to version ${v.version}`}
                            onClick={() => {
                              rollback.reset();
                              setConfirming({ version: v, base: overview });
                            }}
                          >
                            Roll back to this version
                          </Button>
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroller>
        ) : null}
        <div id="older-version">
          {shownVersion ? (
            <section aria-label={`Version ${shownVersion.version} of ${row.label}`} className="rounded-md border border-slate-200 p-4 dark:border-slate-800">
              <h3 className="mb-3 font-medium">Version {shownVersion.version}</h3>
              <OlderVersion ctx={ctx} row={row} provider={provider} version={shownVersion} />
            </section>
          ) : null}
        </div>
      </div>
      <ConfirmDialog
        open={!!confirming}
        title={`Roll back ${row.label} to version ${confirming?.version.version ?? ''}?`}
        confirmLabel="Roll back"
        busy={rollback.isPending}
        onCancel={() => setConfirming(null)}
        onConfirm={() => confirming && rollback.mutate(confirming)}
      >
        <p>
          The content of version {confirming?.version.version} is decrypted and verified in this browser, then signed and sealed again as version{' '}
          {row.latestVersion + 1}, which the key proxies use from then on. Version {row.latestVersion} stays in the history.
        </p>
      </ConfirmDialog>
    </Card>
  );
}
