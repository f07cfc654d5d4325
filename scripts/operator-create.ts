// npm run operator:create -- --email ops@vendor.example
// Creates a vendor-operator invitation from the command line (for the first
// operator, or when nobody can sign in) and prints the link. The person then
// chooses their passphrase in the browser, like any account: this command
// never sees it. On the embedded database, stop the broker first.
import { parseArgs } from 'node:util';
import { EnvError, getEnv } from '@/lib/env';
import { ZEmail } from '@/lib/schemas/account';
import { inviteLink } from '@/lib/server/accounts/invitations';
import { createOperatorInvitation } from '@/lib/server/accounts/operator';
import { openDatabase } from '@/lib/server/db';
import { isAppError } from '@/lib/server/errors';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help || !values.email) {
    console.error('usage: npm run operator:create -- --email <address>');
    return values.help ? 0 : 2;
  }
  const email = ZEmail.safeParse(values.email);
  if (!email.success) {
    console.error(`--email: ${email.error.issues[0]?.message}`);
    return 2;
  }
  getEnv();
  const db = await openDatabase({ migrate: true });
  try {
    const existing = await db.prisma.user.findUnique({ where: { email: email.data }, select: { isOperator: true } });
    if (existing) {
      console.error(existing.isOperator ? `${email.data} is already an operator.` : `${email.data} already has a tenant-admin account; operators need their own.`);
      return 1;
    }
    // Audited as invitation.create by `system`: this is the way in when nobody can sign in.
    const { token } = await db.prisma.$transaction((tx) => createOperatorInvitation(tx, email.data, undefined));
    console.log(`Operator invitation for ${email.data} (valid 7 days, single use):\n\n  ${inviteLink(token)}\n`);
    console.log('Send this link to the person privately; they choose their passphrase in the browser.');
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof EnvError || isAppError(error) ? error.message : error);
    process.exit(1);
  },
);
