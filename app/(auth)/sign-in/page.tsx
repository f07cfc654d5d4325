import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/sign-in-form';
import { PageHeader } from '@/components/ui/card';
import { isSetupNeeded } from '@/lib/server/accounts/setup';
import { getCurrentUser } from '@/lib/server/authz';

export const metadata = { title: 'Sign in' };

const NOTICES: Record<string, string> = {
  idle: 'You were signed out after a period of inactivity, and the keys in this browser were wiped.',
  'signed-out': 'You are signed out. The keys in this browser were wiped.',
  everywhere: 'You were signed out everywhere.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string; reason?: string }> }) {
  const { next, reason } = await searchParams;
  if (await isSetupNeeded()) redirect('/setup');
  const user = await getCurrentUser();
  if (user) redirect(user.isOperator ? '/operator' : '/account');
  return (
    <div className="mx-auto max-w-md">
      <PageHeader title="Sign in" description="Your passphrase stays in this browser; only a key derived from it is sent." />
      <SignInForm next={next} notice={reason ? NOTICES[reason] : undefined} />
    </div>
  );
}
