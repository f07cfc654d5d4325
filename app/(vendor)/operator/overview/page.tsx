// Operator console: the overview — tenants, configurations, deployments' health and propagation.
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { WidePage } from '@/components/ui/page-width';
import { OverviewView } from '@/components/operator/overview/overview-view';

export const generateMetadata = operatorPageMetadata('Overview');

export default async function Page() {
  await pageOperator();
  return (
    <WidePage>
      <OverviewView />
    </WidePage>
  );
}
