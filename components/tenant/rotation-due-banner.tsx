'use client';
// After a key holder was removed: until the keys are rotated, every confirmed
// admin sees this at the top of every tenant page (the tenant layout renders
// it), whichever page they open first.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { Alert } from '@/components/ui/alert';
import { api } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import { tenantHref } from '@/lib/client/tenant-sections';

export function RotationDueBanner({ tenant }: { tenant: string }) {
  const keys = useQuery({ queryKey: tenantKeys.keys(tenant), queryFn: () => api.tenantKeys(tenant) });
  if (!keys.data?.keyRotationDueAt) return null;
  return (
    <Alert tone="warning" title="Rotate the tenant keys">
      An administrator who held the tenant keys was removed.{' '}
      <Link className="underline" href={`${tenantHref(tenant, 'admins')}#rotate-keys`}>
        Rotate the keys
      </Link>{' '}
      so that what they held opens nothing sealed from now on.
    </Alert>
  );
}
