// The way back after a lost passphrase, as the broker really works
// (docs/accounts.md, "Lost passphrase"): the old account stays closed, so the
// person comes back as a new administrator, invited by one who can still sign in,
// and gets the tenant keys from a confirmation or, if nobody can confirm them,
// from the tenant's recovery kit.
import Link from 'next/link';
import { Card } from '@/components/ui/card';

const LINK = 'font-medium text-brand-700 underline hover:no-underline dark:text-brand-500';

export function LostPassphraseHelp() {
  return (
    <div className="space-y-6">
      <Card id="tenant-admins" title="Tenant administrators: use your recovery kit">
        <ol className="list-decimal space-y-3 pl-5 text-sm leading-6">
          <li>
            Ask an administrator of your organisation who can still sign in to <strong>invite you again at an email address that has no account here</strong>.
            Your old account cannot be opened without its passphrase, so it cannot take the invitation.
          </li>
          <li>Accept the invitation and choose a new passphrase. You start as an administrator waiting for confirmation.</li>
          <li>An administrator confirms you after comparing your key’s fingerprint with you, by phone or in person.</li>
          <li>
            If nobody can confirm you — the others lost their passphrases too — open the tenant’s page and use{' '}
            <strong>Recover with a recovery code</strong>: enter the code of the tenant’s recovery kit, shown once when the tenant was set up (or when an
            administrator created a kit later) and stored offline.
          </li>
        </ol>
        <p className="mt-4 text-sm leading-6 text-slate-600 dark:text-slate-400">
          The vendor’s operators can renew an invitation that is still open, but cannot add an administrator to a tenant that already has keys. With no
          administrator and no recovery code left, the tenant’s configurations can no longer be edited; the key proxies keep working with the current ones.
        </p>
      </Card>
      <Card id="operators" title="Vendor operators">
        <p className="text-sm leading-6">
          Ask another operator to invite you again (Console → Operators) at an email address that has no account here. Operators hold no tenant keys, so
          nothing else needs recovering.
        </p>
      </Card>
      <Card id="second-factor" title="Lost your authenticator app instead?">
        <p className="text-sm leading-6">
          Sign in with your passphrase and, when asked for the code, enter one of the second-factor recovery codes you stored when you turned the second
          factor on. Each works once.
        </p>
      </Card>
      <p className="text-sm">
        <Link href="/sign-in" className={LINK}>
          Back to sign-in
        </Link>
      </p>
    </div>
  );
}
