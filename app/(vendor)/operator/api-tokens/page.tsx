// Operator console: vendor API tokens.
import { pageOperator } from '@/lib/server/page-guards';
import { ApiTokensView } from '@/components/operator/api-tokens-view';

export const metadata = { title: 'API tokens' };

export default async function Page() {
  await pageOperator();
  return <ApiTokensView />;
}
