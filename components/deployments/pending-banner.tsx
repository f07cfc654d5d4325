'use client';
// On a tenant's configurations page (where the tenant area opens): the proxy deployments that ask for access (active,
// not yet approved by this tenant), with their fingerprints, and the way to
// the page where an admin approves them after comparing those fingerprints.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { tenantKeys } from '@/lib/client/query-keys';
import { Fingerprint } from '@/components/keys/fingerprint';
import { Alert } from '@/components/ui/alert';

export function PendingDeploymentsBanner({ tenant }: { tenant: string }) {
  const query = useQuery({ queryKey: tenantKeys.deployments(tenant), queryFn: () => api.tenantDeployments(tenant) });
  const pending = query.data?.deployments.filter((d) => d.status === 'active' && !d.approved) ?? [];
  if (pending.length === 0) return null;
  return (
    <div data-testid="pending-deployments-banner">
      <Alert tone="warning" title={pending.length === 1 ? 'A new proxy deployment asks for access' : `${pending.length} new proxy deployments ask for access`}>
        <p>They can read your configurations only after an administrator approves them, having compared the fingerprint with the vendor’s.</p>
        <ul className="mt-3 space-y-3">
          {pending.map((d) => (
            <li key={d.kid}>
              <p className="font-medium">
                {d.name ?? 'Unnamed deployment'}
                {d.environment ? <span className="font-normal"> · {d.environment}</span> : null}
              </p>
              <Fingerprint jwk={d.publicJwk} label={`Key fingerprint of ${d.name ?? 'the deployment'}`} size={40} />
            </li>
          ))}
        </ul>
        <p className="mt-3">
          <Link href={`/t/${encodeURIComponent(tenant)}/deployments`} className="font-medium underline">
            Review proxy deployments
          </Link>
        </p>
      </Alert>
    </div>
  );
}
