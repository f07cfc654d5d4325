import 'server-only';
// Outgoing mail (invitations, notifications, security notices). Every mail is
// recorded in the outbox first, then sent over SMTP when SMTP_URL is set; the
// outbox row says whether it went out. The SMTP URL carries credentials, so it
// never reaches a log line, an error message or the outbox.
import { getSystemErrorName } from 'node:util';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { getEnv } from '@/lib/env';
import { getPrisma } from '@/lib/server/db';
import { markFailed, markSent, recordMail } from '@/lib/server/dal/outbox';
import { getLogger } from '@/lib/server/log';

export type TMail = {
  to: string;
  subject: string;
  text: string;
  kind: 'invitation' | 'notification' | 'security';
  link?: string;
};

export type TMailTransportOptions = Pick<
  SMTPTransport.Options,
  'host' | 'port' | 'secure' | 'requireTLS' | 'auth' | 'tls'
>;

// A user is waiting on the request that sends the mail; nodemailer's defaults
// (up to two minutes per phase) would hang it long after the page gave up.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;

// Control characters in a header value are how header/CRLF injection starts;
// nodemailer encodes headers, but refusing them here makes it impossible.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// One bare address: no display name, no list. A "to" of "a@x, b@y" would
// otherwise send an invitation to a second, attacker-chosen recipient.
const BARE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;

/** A bad SMTP_URL; its message never contains the URL (it holds the SMTP password). */
class SmtpUrlError extends Error {
  readonly code = 'ESMTPURL';
}

/**
 * Nodemailer SMTP options from SMTP_URL: smtp://user:pass@host:587 (STARTTLS
 * required) or smtps://user:pass@host:465 (TLS from the start). Certificates
 * are always verified. `?tls=insecure` drops both — cleartext allowed, any
 * certificate accepted — and exists for tests against a local SMTP server.
 */
export function mailTransportOptionsFromUrl(url: string): TMailTransportOptions {
  if (!URL.canParse(url)) throw new SmtpUrlError('SMTP_URL is not a valid URL');
  const parsed = new URL(url);
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new SmtpUrlError('SMTP_URL must start with smtp:// or smtps://');
  const secure = parsed.protocol === 'smtps:';
  for (const [name, value] of parsed.searchParams) {
    // A mistyped option must not silently leave TLS settings other than intended.
    if (name !== 'tls' || value !== 'insecure') throw new SmtpUrlError('SMTP_URL supports no option other than ?tls=insecure');
  }
  const insecure = parsed.searchParams.get('tls') === 'insecure';
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587;
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(parsed.username);
    pass = decodeURIComponent(parsed.password);
  } catch {
    throw new SmtpUrlError('SMTP_URL has a malformed percent-encoding in its user or password');
  }
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    secure,
    // Opportunistic STARTTLS can be stripped by anyone on the path, exposing
    // the password and the invitation links; so smtp:// insists on it.
    requireTLS: !secure && !insecure,
    ...(user || pass ? { auth: { user, pass } } : {}),
    tls: { rejectUnauthorized: !insecure },
  };
}

const MAILER = Symbol.for('cmk-broker.mailer');
type GlobalWithMailer = typeof globalThis & { [MAILER]?: Transporter<SMTPTransport.SentMessageInfo> };

/** One transport per process, shared by the custom server and Next's bundles. */
function getTransport(smtpUrl: string): Transporter<SMTPTransport.SentMessageInfo> {
  const g = globalThis as GlobalWithMailer;
  g[MAILER] ??= nodemailer.createTransport({
    ...mailTransportOptionsFromUrl(smtpUrl),
    ...TIMEOUTS,
    // Mail content is ours and plain text; nothing may make nodemailer read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
  return g[MAILER];
}

/** For tests only: drop the cached transport (the next send builds one from the current SMTP_URL). */
export function resetMailerForTests(): void {
  const g = globalThis as GlobalWithMailer;
  g[MAILER]?.close();
  delete g[MAILER];
}

function assertSafeHeaders(mail: TMail): void {
  if (CONTROL_CHARS.test(mail.to) || CONTROL_CHARS.test(mail.subject)) throw new Error('mail_header_invalid');
  if (mail.to.length > 254 || !BARE_ADDRESS.test(mail.to)) throw new Error('mail_recipient_invalid');
}

/** The password as written in the URL and decoded, for scrubbing. */
function smtpSecrets(smtpUrl: string): string[] {
  try {
    const { password } = new URL(smtpUrl);
    return [password, decodeURIComponent(password)].filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * What the outbox and the log may keep about a failed delivery: nodemailer's
 * error class (EAUTH, ECONNECTION, …), the server's reply line or the socket
 * errno — never the error message as a whole, nor the SMTP credentials.
 */
function describeSmtpError(error: unknown, smtpUrl: string): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; response?: unknown; responseCode?: unknown; errno?: unknown };
  if (error instanceof SmtpUrlError) return `${error.code} ${error.message}`;
  const parts: string[] = [];
  if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) parts.push(e.code);
  if (typeof e.response === 'string') parts.push(e.response);
  else if (typeof e.responseCode === 'number') parts.push(String(e.responseCode));
  else if (typeof e.errno === 'number') {
    // Nodemailer overwrites `code` with ESOCKET; the errno still says ECONNREFUSED, ENOTFOUND…
    try {
      parts.push(getSystemErrorName(e.errno));
    } catch {
      // not a system errno: the class above is enough
    }
  }
  let text = parts.join(' ') || 'unknown SMTP error';
  // A server could echo what it was sent; make sure the password never comes back with it.
  for (const secret of smtpSecrets(smtpUrl)) text = text.replaceAll(secret, '[redacted]');
  return text;
}

/**
 * Records `mail` in the outbox and sends it over SMTP when SMTP_URL is set.
 * Throws Error('mail_delivery_failed') when SMTP refuses or is unreachable (the
 * row keeps the reason), and Error('mail_header_invalid' /
 * 'mail_recipient_invalid') before recording anything for a bad `to`/`subject`.
 */
export async function sendMail(mail: TMail): Promise<{ delivered: 'smtp' | 'outbox' }> {
  const { id } = await recordMail(await getPrisma(), outboxRow(mail));
  return deliverRecordedMail(id, mail);
}

/**
 * The outbox row for `mail`, after checking its headers (throws like sendMail).
 * For a caller that records the mail in its own transaction (the notifier)
 * and calls deliverRecordedMail after commit.
 */
export function outboxRow(mail: TMail): { recipient: string; subject: string; body: string } {
  assertSafeHeaders(mail);
  // With SMTP the link (a single-use secret) exists only in the mail itself; the outbox keeps the rest.
  // Without SMTP the outbox is how the embedded demo delivers it, so it stays.
  const smtp = getEnv().SMTP_URL;
  const body = smtp && mail.link ? mail.text.replaceAll(mail.link, '[link sent by mail; not stored]') : mail.text;
  return { recipient: mail.to, subject: mail.subject, body };
}

/** Sends the already recorded outbox row `id` (holding `mail`) over SMTP when SMTP_URL is set, and marks it sent or failed. */
export async function deliverRecordedMail(id: string, mail: TMail): Promise<{ delivered: 'smtp' | 'outbox' }> {
  assertSafeHeaders(mail);
  const env = getEnv();
  const db = await getPrisma();
  const log = getLogger();

  if (!env.SMTP_URL) {
    // Embedded demo mode runs offline: the log is how the operator gets the
    // invitation link. Anywhere else the outbox alone keeps it.
    if (env.databaseKind === 'pglite') log.info({ to: mail.to, subject: mail.subject, link: mail.link }, 'mail kept in outbox (no SMTP_URL)');
    return { delivered: 'outbox' };
  }

  try {
    await getTransport(env.SMTP_URL).sendMail({
      from: env.MAIL_FROM,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      // RFC 3834: keeps out-of-office replies from answering the broker.
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    const reason = describeSmtpError(error, env.SMTP_URL);
    await markFailed(db, id, reason).catch((dbError: unknown) => log.error({ err: dbError, mailId: id }, 'could not record mail failure'));
    log.error({ mailId: id, kind: mail.kind, reason }, 'mail delivery failed');
    throw new Error('mail_delivery_failed');
  }

  // The mail is out; failing the caller now would make it send a second one.
  await markSent(db, id).catch((dbError: unknown) => log.warn({ err: dbError, mailId: id }, 'mail sent but not marked sent'));
  return { delivered: 'smtp' };
}
