'use client';
// Every version of one configuration, newest first. An older version can be
// opened (decrypted and verified here) — compared with the current one, or
// shown whole — and rolled back to: its content is sealed again as a new
// version, so history is never rewritten.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { DateTime } from '@/components/ui/date-time';
import { LoadingState, TABLE, TableScroller, TD, TH } from '@/components/operator/query-state';
import { Badge, Card } from '@/components/ui/card';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import type { TConfigVersion } from '@/lib/client/api';
import { rollbackConfig, type TTenantContext } from '@/lib/client/configs';
import { tenantKeys } from '@/lib/client/query-keys';
import { ChangeFailed, LoadFailed } from './config-alerts';
import { OlderVersionPanel, sealedToCurrentKey } from './older-version';
import { useVersions, type TConfigView, type TOverview } from './use-configs';

type THistoryProps = {
  tenant: string;
  ctx: TTenantContext;
  row: TConfigView;
  overview: TOverview;
  onRolledBack: (version: number) => void;
};

export function VersionHistory({ tenant, ctx, row, overview, onRolledBack }: THistoryProps) {
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
  const close = () => {
    const opener = shown;
    setShown(null);
    // Back to the button that opened the version, which stays in the table.
    if (opener !== null) requestAnimationFrame(() => document.getElementById(`view-version-${opener}`)?.focus());
  };

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
                            id={`view-version-${v.version}`}
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
                            Roll back
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
            <OlderVersionPanel
              key={shownVersion.version}
              ctx={ctx}
              row={row}
              version={shownVersion}
              current={list?.find((v) => v.version === row.latestVersion)}
              onClose={close}
            />
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
