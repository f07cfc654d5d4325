// Operator console: the vendor audit chain, its verification and exports.
import { Suspense } from 'react';
import { OperatorAuditView } from '@/components/audit/operator-audit-view';
import { getEnv } from '@/lib/env';
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { WidePage } from '@/components/ui/page-width';

export const generateMetadata = operatorPageMetadata('Audit trail');

export default async function Page() {
  await pageOperator();
  // useSearchParams needs a Suspense boundary.
  return (
    <WidePage>
      <Suspense>
        <OperatorAuditView jwksUrl={`${getEnv().PUBLIC_URL}/.well-known/jwks.json`} />
      </Suspense>
    </WidePage>
  );
}
