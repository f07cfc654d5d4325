import { AcceptInvitation } from '@/components/auth/accept-invitation';
import { PageHeader } from '@/components/ui/card';

export const metadata = { title: 'Accept invitation' };

export default function InvitePage() {
  return (
    <div className="mx-auto max-w-xl">
      <PageHeader title="Accept your invitation" />
      <AcceptInvitation />
    </div>
  );
}
