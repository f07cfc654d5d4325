// What a pending administrator sees instead of configurations: they cannot
// open the tenant keys until a confirmed administrator confirms them.
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';

export function PendingNotice({ tenant, tenantName }: { tenant: string; tenantName: string }) {
  return (
    <div className="space-y-6">
      <PageHeader title="Configurations" description={tenantName} />
      <Alert tone="info" title="Waiting for confirmation">
        <p>
          Configurations are sealed with {tenantName}’s keys, which you can use once an administrator has confirmed you by comparing your key
          fingerprint.{' '}
          <Link href={`/t/${encodeURIComponent(tenant)}`} className="font-medium underline">
            Show your fingerprint
          </Link>
        </p>
      </Alert>
    </div>
  );
}
