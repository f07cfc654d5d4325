// Operator console: the vendor's operators, their invitations and the second-factor rule.
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { OperatorsView } from '@/components/operator/operators-view';

export const generateMetadata = operatorPageMetadata('Operators');

export default async function Page() {
  await pageOperator();
  return <OperatorsView />;
}
