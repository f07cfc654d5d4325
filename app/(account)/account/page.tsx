import { AccountView } from '@/components/account/account-view';
import { pageUser } from '@/lib/server/page-guards';

export const metadata = { title: 'Your account' };

export default async function AccountPage() {
  await pageUser();
  return <AccountView />;
}
