import { redirect } from 'next/navigation';
import { SetupForm } from '@/components/auth/setup-form';
import { PageHeader } from '@/components/ui/card';
import { isSetupNeeded } from '@/lib/server/accounts/setup';

export const metadata = { title: 'Set up the broker' };

// Exists only while no operator exists.
export default async function SetupPage() {
  if (!(await isSetupNeeded())) redirect('/sign-in');
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Set up the broker" description="Create the first vendor operator. You will invite everyone else from the console." />
      <SetupForm />
    </div>
  );
}
