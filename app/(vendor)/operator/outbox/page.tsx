// Operator console: the mail outbox (what the broker sent or kept).
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { OutboxView } from '@/components/operator/outbox-view';

export const generateMetadata = operatorPageMetadata('Outbox');

export default async function Page() {
  await pageOperator();
  return <OutboxView />;
}
