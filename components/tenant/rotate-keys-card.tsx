'use client';
// Rotating the tenant keys (docs/accounts.md "Rotating the tenant keys"):
// after an administrator who held them was removed, new key pairs are made
// here, every configuration is sealed again to them, and the proxies follow a
// statement signed by the old signing key. The other administrators are
// confirmed again by a fingerprint comparison; recovery kits are replaced.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RecoveryCodeNotice } from '@/components/auth/recovery-code-notice';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DateTime } from '@/components/ui/date-time';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { api } from '@/lib/client/api';
import { loadTenantContext } from '@/lib/client/configs';
import { rotateTenantKeys, type TRotationProgress } from '@/lib/client/key-rotation';
import { tenantKeys } from '@/lib/client/query-keys';
import { useAccount } from '@/lib/client/use-account';
import { Checkbox } from '@/components/ui/checkbox';

function progressText(p: TRotationProgress | null): string {
  if (!p) return 'Starting…';
  if (p.step === 'open') return `Opening configuration ${Math.min(p.done + 1, p.total)} of ${p.total} with the current keys…`;
  if (p.step === 'seal') return `Sealed ${p.done} of ${p.total} configurations to the new keys…`;
  return 'Sending the rotation…';
}

export function RotateKeysCard({ tenant, tenantName, userId }: { tenant: string; tenantName: string; userId: string }) {
  const queryClient = useQueryClient();
  const account = useAccount();
  const keys = useQuery({ queryKey: tenantKeys.keys(tenant), queryFn: () => api.tenantKeys(tenant) });
  const admins = useQuery({ queryKey: tenantKeys.admins(tenant), queryFn: () => api.tenantAdmins(tenant) });
  const [asking, setAsking] = useState(false);
  const [withKit, setWithKit] = useState(true);
  const [progress, setProgress] = useState<TRotationProgress | null>(null);
  const [code, setCode] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const others = (admins.data?.admins ?? []).filter((a) => a.status === 'confirmed' && !a.isMe);
  const rotate = useMutation({
    mutationFn: async () => {
      const me = account.data ?? (await api.account());
      const ctx = await loadTenantContext(userId, tenant);
      return rotateTenantKeys(ctx, me, { withRecoveryKit: withKit }, setProgress);
    },
    onSuccess: async (result) => {
      setAsking(false);
      setDone(true);
      if (result.recoveryCode) setCode(result.recoveryCode);
      await queryClient.invalidateQueries({ queryKey: tenantKeys.all(tenant) });
      await queryClient.invalidateQueries({ queryKey: ['tenant-unlock', tenant] });
    },
    onError: () => setAsking(false),
    onSettled: () => setProgress(null),
  });
  if (code) return <RecoveryCodeNotice code={code} tenantName={tenantName} onDone={() => setCode(null)} />;
  const due = keys.data?.keyRotationDueAt ?? null;
  return (
    <Card id="rotate-keys" title="Rotate the tenant keys" description="New encryption and signing keys, made in this browser; every configuration sealed again to them.">
      {due ? (
        <Alert tone="warning" title="Rotation due">
          An administrator who held the tenant keys was removed on <DateTime at={due} />. Rotate the keys so that what they held opens no configuration sealed from now on.
        </Alert>
      ) : null}
      <ul className="mt-3 list-disc space-y-1 pl-5 text-sm">
        <li>Every configuration is sealed again as its next version; proxies accept the new signing key because the old one signs a statement naming it.</li>
        <li>Only you receive the new keys. The other administrators must be confirmed again by comparing fingerprints, as when they joined.</li>
        <li>Existing recovery kits hold the old keys and are deleted.</li>
        <li>Older versions stay sealed to the old keys and can no longer be opened here. Credentials a removed administrator saw in clear should also be changed at the provider.</li>
      </ul>
      <label className="mt-4 flex items-center gap-2 text-sm">
        <Checkbox className="size-4" checked={withKit} onCheckedChange={setWithKit} disabled={rotate.isPending} />
        Create a new recovery kit (its code is shown once)
      </label>
      {rotate.error ? (
        <Alert tone="error" title="The keys were not rotated">
          {rotate.error.message} Nothing was changed.
        </Alert>
      ) : null}
      {done && !rotate.isPending ? <Alert tone="success">The tenant keys were rotated. Every configuration is sealed to the new keys.</Alert> : null}
      <Button
        className="mt-4"
        variant={due ? 'primary' : 'secondary'}
        onClick={() => {
          rotate.reset();
          setDone(false);
          setAsking(true);
        }}
        busy={rotate.isPending}
        busyLabel="Rotating the keys…"
      >
        Rotate the tenant keys
      </Button>
      <ConfirmDialog open={asking} title="Rotate the tenant keys?" confirmLabel="Rotate the keys" tone="danger" busy={rotate.isPending} onCancel={() => setAsking(false)} onConfirm={() => rotate.mutate()}>
        <p>Every configuration is sealed again to new keys made in this browser, and the proxies switch to them at their next poll.</p>
        {others.length ? (
          <p>
            {others.length === 1 ? '1 other administrator' : `${others.length} other administrators`} ({others.map((a) => a.email).join(', ')}) must then be confirmed again
            before they can use the keys.
          </p>
        ) : (
          <p>You are the only confirmed administrator.</p>
        )}
        {withKit ? <p>A new recovery kit replaces the existing ones; its code is shown once afterwards.</p> : <p>Existing recovery kits are deleted and none replaces them.</p>}
        <p role="status" aria-live="polite" className="font-medium">
          {rotate.isPending ? <span aria-busy="true">{progressText(progress)}</span> : null}
        </p>
      </ConfirmDialog>
    </Card>
  );
}
