// Operator console: the tenant list (search, filters, sorting, pages in the URL) and onboarding a tenant.
import { Suspense } from 'react';
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { WidePage } from '@/components/ui/page-width';
import { TenantsView } from '@/components/operator/tenants-view';

export const generateMetadata = operatorPageMetadata('Tenants');

export default async function Page() {
  await pageOperator();
  // useSearchParams needs a Suspense boundary.
  return (
    <WidePage>
      <Suspense>
        <TenantsView />
      </Suspense>
    </WidePage>
  );
}
