// What to do after losing a passphrase: linked from the sign-in form. Public, like sign-in.
import { LostPassphraseHelp } from '@/components/auth/lost-passphrase-help';
import { PageHeader } from '@/components/ui/card';

export const metadata = { title: 'Lost passphrase' };

export default function LostPassphrasePage() {
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader title="Lost your passphrase?" description="Nobody can reset it — not the vendor, not the broker. It never left your browser, so nothing here can open your key without it." />
      <LostPassphraseHelp />
    </div>
  );
}
