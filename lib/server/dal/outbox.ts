import 'server-only';
// The mail outbox (table outbox_mail): every mail the broker sends is recorded
// here before delivery, so operators can see what went out and nothing is lost
// when SMTP is down or not configured. The outbox is broker-wide, not per
// tenant; only vendor-side operator pages may list it.
import { randomBytes } from 'node:crypto';
import type { Prisma, PrismaClient } from '@/lib/generated/prisma/client';

export type TOutboxMail = {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  createdAt: Date;
  sentAt: Date | null;
  error: string | null;
};

export type TOutboxPage = {
  items: TOutboxMail[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  nextCursor?: string;
};

/** Long enough for an SMTP reply line; a stored error is a hint, not a log. */
const MAX_ERROR_LENGTH = 300;
const MAX_TAKE = 200;

function newMailId(): string {
  return `mail_${randomBytes(16).toString('base64url')}`;
}

/** Inserts the row; `db` may be a transaction, so the mail commits (or not) with the caller's change. */
export async function recordMail(
  db: PrismaClient | Prisma.TransactionClient,
  mail: { recipient: string; subject: string; body: string },
): Promise<{ id: string }> {
  const id = newMailId();
  await db.outboxMail.create({ data: { id, recipient: mail.recipient, subject: mail.subject, body: mail.body } });
  return { id };
}

export async function markSent(db: PrismaClient, id: string): Promise<void> {
  // A retry that finally succeeds clears the error of the earlier attempt.
  await db.outboxMail.update({ where: { id }, data: { sentAt: new Date(), error: null } });
}

/**
 * Records why delivery failed. Callers pass the SMTP reply code/text only
 * (never the SMTP URL); control characters are flattened and the text is cut
 * short here so a chatty server cannot fill the table or break a log view.
 */
export async function markFailed(db: PrismaClient, id: string, error: string): Promise<void> {
  const short = error.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_ERROR_LENGTH) || 'unknown';
  await db.outboxMail.update({ where: { id }, data: { error: short } });
}

/** Newest first, paged by id cursor (ties on createdAt are broken by id). */
export async function listOutbox(db: PrismaClient, options: { take?: number; cursor?: string } = {}): Promise<TOutboxPage> {
  const take = Math.min(Math.max(Math.trunc(options.take ?? 50), 1), MAX_TAKE);
  const rows = await db.outboxMail.findMany({
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    // One extra row tells us whether there is a next page without a count query.
    take: take + 1,
    ...(options.cursor ? { cursor: { id: options.cursor }, skip: 1 } : {}),
  });
  const items = rows.slice(0, take);
  const last = items.at(-1);
  return rows.length > take && last ? { items, nextCursor: last.id } : { items };
}
