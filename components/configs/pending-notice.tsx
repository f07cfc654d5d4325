// What a pending administrator sees instead of a tenant page that needs the
// tenant keys: they cannot open them until a confirmed administrator confirms
// them, and the Admins & keys page is where their fingerprint is.
import Link from 'next/link';
import { TenantBreadcrumb } from '@/components/tenant/tenant-breadcrumb';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/card';
import { tenantHref, type TTenantSection } from '@/lib/client/tenant-sections';

type Props = { tenant: string; tenantName: string; section: Exclude<TTenantSection, 'admins'>; title: string };

export function PendingNotice({ tenant, tenantName, section, title }: Props) {
  return (
    <div className="space-y-6">
      <TenantBreadcrumb tenant={tenant} tenantName={tenantName} section={section} />
      <PageHeader title={title} description={tenantName} />
      <Alert tone="info" title="Waiting for confirmation">
        <p>
          This page needs {tenantName}’s keys, which you can use once an administrator has confirmed you by comparing your key fingerprint.{' '}
          <Link href={tenantHref(tenant, 'admins')} className="font-medium underline">
            Show your fingerprint
          </Link>
        </p>
      </Alert>
    </div>
  );
}
