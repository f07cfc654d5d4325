// Operator console: the vendor's operators, their invitations and the second-factor rule.
import { pageOperator } from '@/lib/server/page-guards';
import { OperatorsView } from '@/components/operator/operators-view';

export const metadata = { title: 'Operators' };

export default async function Page() {
  await pageOperator();
  return <OperatorsView />;
}
