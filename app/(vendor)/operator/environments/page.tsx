// Operator console: environments (deployment regions such as prod-eu).
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { EnvironmentsView } from '@/components/operator/environments-view';

export const generateMetadata = operatorPageMetadata('Environments');

export default async function Page() {
  await pageOperator();
  return <EnvironmentsView />;
}
