'use client';
// Tenant-wide safety settings: a second factor for every admin, and recovery kits.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RecoveryCodeNotice } from '@/components/auth/recovery-code-notice';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { api } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import { createRecoveryKit } from '@/lib/client/session-keys';
import { Checkbox } from '@/components/ui/checkbox';

export function SecurityCard({ tenant, tenantName, userId, requireMfa }: { tenant: string; tenantName: string; userId: string; requireMfa: boolean }) {
  const queryClient = useQueryClient();
  const [code, setCode] = useState<string | null>(null);
  // The rule as the server has it now (the prop is only the value at page load).
  const keys = useQuery({ queryKey: tenantKeys.keys(tenant), queryFn: () => api.tenantKeys(tenant) });
  const [saved, setSaved] = useState<boolean | null>(null);
  const current = saved ?? keys.data?.tenant.requireMfa ?? requireMfa;
  // The click's choice, set in the same event (the mutation's state arrives a tick later, and a controlled box would flip back meanwhile).
  const [choice, setChoice] = useState<boolean | null>(null);
  const mfa = useMutation({
    mutationFn: (value: boolean) => api.setTenantSettings(tenant, value),
    // Show the saved value at once, so the box never flips back while the tenant is refetched.
    onSuccess: (result) => {
      setSaved(result.requireMfa);
      return queryClient.invalidateQueries({ queryKey: tenantKeys.keys(tenant) });
    },
    onSettled: () => setChoice(null),
  });
  const kit = useMutation({ mutationFn: () => createRecoveryKit(userId, tenant), onSuccess: setCode });
  if (code) return <RecoveryCodeNotice code={code} tenantName={tenantName} onDone={() => setCode(null)} />;
  return (
    <Card id="security" title="Security" description="Rules for every administrator of this tenant.">
      <label className="flex items-start gap-2 text-sm">
        <Checkbox
          className="mt-0.5 size-4"
          checked={choice ?? current}
          disabled={mfa.isPending}
          onCheckedChange={(value) => {
            setChoice(value);
            mfa.mutate(value);
          }}
        />
        <span>Require a second factor (authenticator app) for every administrator. Those without one must set it up at their next sign-in.</span>
      </label>
      {mfa.error ? <Alert tone="error">{mfa.error.message}</Alert> : null}
      <div className="mt-6 space-y-2">
        <p className="text-sm">
          A recovery kit lets a new administrator regain the tenant keys with a one-time code if every administrator loses their passphrase.
        </p>
        {kit.error ? <Alert tone="error">{kit.error.message}</Alert> : null}
        <Button variant="secondary" onClick={() => kit.mutate()} busy={kit.isPending} busyLabel="Sealing the kit…">
          Create a recovery kit
        </Button>
      </div>
    </Card>
  );
}
