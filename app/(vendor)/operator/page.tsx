// Operator console: tenants and their first admins' invitations.
import { pageOperator } from '@/lib/server/page-guards';
import { TenantsView } from '@/components/operator/tenants-view';

export const metadata = { title: 'Tenants' };

export default async function Page() {
  await pageOperator();
  return <TenantsView />;
}
