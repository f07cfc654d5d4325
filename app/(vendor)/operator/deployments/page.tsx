// Operator console: proxy deployments and the form that creates one.
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { WidePage } from '@/components/ui/page-width';
import { DeploymentsView } from '@/components/deployments/deployments-view';

export const generateMetadata = operatorPageMetadata('Proxy deployments');

export default async function Page() {
  await pageOperator();
  return (
    <WidePage>
      <DeploymentsView />
    </WidePage>
  );
}
