'use client';
import { Checkbox } from '@/components/ui/checkbox';

// The one thing people must know before choosing a passphrase here.
export function LossNotice({ checked, onChange, error, tenant }: { checked: boolean; onChange: (v: boolean) => void; error?: string; tenant?: boolean }) {
  return (
    <div className="rounded-md border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
      <p>
        Your passphrase protects your private key, and it never leaves this browser. <strong>Nobody can reset it</strong> — not the vendor,
        not the broker.
        {tenant
          ? ' If every administrator of your organisation loses their passphrase, its configurations can no longer be edited (the key proxies keep working). A recovery kit prevents that.'
          : ''}
      </p>
      <label className="mt-3 flex items-start gap-2">
        <Checkbox
          checked={checked}
          onCheckedChange={onChange}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'loss-notice-error' : undefined}
          className="mt-0.5 size-4"
        />
        <span>I understand and will keep my passphrase safe.</span>
      </label>
      {error ? (
        <p id="loss-notice-error" className="mt-1 text-red-700 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}
