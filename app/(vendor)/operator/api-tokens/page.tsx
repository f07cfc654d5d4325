// Operator console: vendor API tokens.
import { operatorPageMetadata, pageOperator } from '@/lib/server/page-guards';
import { ApiTokensView } from '@/components/operator/api-tokens-view';

export const generateMetadata = operatorPageMetadata('API tokens');

export default async function Page() {
  await pageOperator();
  return <ApiTokensView />;
}
