'use client';
// Shows a recovery code once, with copy (confirmed visibly and to screen readers),
// and asks the admin to confirm they stored it.
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { CopyButton } from '@/components/ui/copy-button';

export function RecoveryCodeNotice({ code, tenantName, onDone }: { code: string; tenantName: string; onDone: () => void }) {
  const [stored, setStored] = useState(false);
  return (
    <Card title="Store your recovery code offline" description={`This code can unlock ${tenantName}’s keys if every administrator loses their passphrase. It is shown only now.`}>
      <p className="rounded-md bg-slate-100 p-4 text-center font-mono text-lg tracking-wider dark:bg-slate-800" data-testid="recovery-code">
        {code}
      </p>
      <div className="mt-4 flex flex-wrap gap-3">
        <CopyButton value={code} copied="Recovery code copied to the clipboard.">
          Copy the code
        </CopyButton>
      </div>
      <div className="mt-4">
        <Alert tone="warning">Print it or keep it in a safe; do not keep it next to your passphrase. The broker keeps only a kit it cannot open.</Alert>
      </div>
      <label className="mt-4 flex items-center gap-2 text-sm">
        <Checkbox className="size-4" checked={stored} onCheckedChange={setStored} />I have stored the recovery code
      </label>
      <Button className="mt-4" disabled={!stored} onClick={onDone}>
        Continue
      </Button>
    </Card>
  );
}
