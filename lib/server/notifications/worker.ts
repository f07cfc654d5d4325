import 'server-only';
// The notifier (docs/notifications.md). Notifications are derived from the
// audit trail, so they cannot disagree with it: fanOut() reads audit_event
// after a stored cursor and adds one pending row per confirmed admin (who
// has not opted out) of the event's tenant, for the catalogue's notify
// actions; sendDueDigests() mails each admin whose last digest is at least
// the batch window old ONE digest of everything pending, recording the mail
// in the outbox, last_sent_at and the cleared pending rows in one
// transaction, and sends it over SMTP after commit. Both are safe with any
// number of broker instances: the cursor moves under an advisory lock only
// one instance holds, and an admin's digest is made under a row lock the
// other instances skip.
import { getEnv } from '@/lib/env';
import { NOTIFY_ACTIONS } from '@/lib/schemas/audit';
import { getPrisma } from '@/lib/server/db';
import { recordMail } from '@/lib/server/dal/outbox';
import {
  auditHead,
  clearPending,
  configLabelsOf,
  memberTenantsOf,
  ensureRecipient,
  fanOutEvents,
  findAuditEventsBySeq,
  listDueRecipients,
  listPendingOf,
  lockRecipient,
  markDigestSent,
  readCursor,
  tryLockFanOut,
  writeCursor,
} from '@/lib/server/dal/notifications';
import { getLogger } from '@/lib/server/log';
import { deliverRecordedMail, outboxRow, type TMail } from '@/lib/server/mail';
import { DIGEST_MAX_EVENTS, mentionedConfigIds, renderDigest } from './digest';

/** Events read per fan-out transaction. */
const FAN_OUT_BATCH = 1000;
/** Digests made per tick (the rest wait for the next tick). */
const DIGESTS_PER_TICK = 100;

export type FanOutResult = { skipped: true } | { skipped: false; from: number; to: number; pending: number; started?: true };

/**
 * Moves the cursor over the events committed since the last call, adding
 * pending rows. The first call on a database starts at the current head (no
 * mail about history). Returns skipped when another instance holds the lock.
 */
export async function fanOut(): Promise<FanOutResult> {
  const db = await getPrisma();
  return db.$transaction(async (tx) => {
    if (!(await tryLockFanOut(tx))) return { skipped: true } as const;
    const cursor = await readCursor(tx);
    if (cursor === null) {
      const head = await auditHead(tx);
      await writeCursor(tx, head);
      return { skipped: false, from: head, to: head, pending: 0, started: true } as const;
    }
    const upTo = await auditHead(tx, cursor + FAN_OUT_BATCH);
    if (upTo <= cursor) return { skipped: false, from: cursor, to: cursor, pending: 0 } as const;
    const pending = await fanOutEvents(tx, cursor, upTo, NOTIFY_ACTIONS);
    await writeCursor(tx, upTo);
    return { skipped: false, from: cursor, to: upTo, pending } as const;
  });
}

/** Fans out until the cursor reaches the head (or another instance is at it). */
export async function fanOutAll(): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await fanOut();
    if (result.skipped || result.from === result.to) return total;
    total += result.pending;
  }
}

type Digest = { mailId: string; mail: TMail } | null;

/** Makes (in one transaction) the digest of one admin, or nothing when it is not due, taken by another instance, or empty. */
async function makeDigest(userId: string, now: Date, windowS: number): Promise<Digest> {
  const db = await getPrisma();
  await ensureRecipient(db, userId);
  const { PUBLIC_URL } = getEnv();
  return db.$transaction(async (tx) => {
    const recipient = await lockRecipient(tx, userId);
    if (!recipient) return null;
    if (recipient.lastSentAt && now.getTime() - recipient.lastSentAt.getTime() < windowS * 1000) return null;
    const pending = await listPendingOf(tx, userId);
    const last = pending.at(-1);
    if (!last) return null;
    await clearPending(tx, userId, last.vendorSeq);
    // Only what the admin may see now: their tenants as of this moment, and only while notifications are on.
    // A key rotation is also shown to the admins it sent back to pending: it is their own standing that changed.
    const memberships = await memberTenantsOf(tx, userId);
    const tenants = new Map([...memberships].map(([id, m]) => [id, m.displayName]));
    const visible = (p: (typeof pending)[number]) => {
      const membership = p.tenantExternalId === null ? undefined : memberships.get(p.tenantExternalId);
      return membership?.status === 'confirmed' || (membership !== undefined && p.action === 'tenant.keys_rotate');
    };
    const allowed = recipient.enabled ? pending.filter(visible) : [];
    if (allowed.length === 0) return null;
    const shown = allowed.slice(0, DIGEST_MAX_EVENTS);
    const more = new Map<string, number>();
    for (const p of allowed.slice(DIGEST_MAX_EVENTS)) more.set(p.tenantExternalId as string, (more.get(p.tenantExternalId as string) ?? 0) + 1);
    const events = await findAuditEventsBySeq(tx, shown.map((p) => p.vendorSeq));
    // Labels of configurations the events name by id only (a proxy's errors), from the tenants this admin is confirmed in.
    const confirmedIn = [...memberships].filter(([, m]) => m.status === 'confirmed').map(([id]) => id);
    const configLabels = await configLabelsOf(tx, confirmedIn, [...new Set(events.flatMap(mentionedConfigIds))]);
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
    const { subject, text } = renderDigest({
      to: user.email,
      publicUrl: PUBLIC_URL,
      windowMinutes: Math.max(1, Math.round(windowS / 60)),
      events,
      tenantNames: tenants,
      more,
      configLabels,
    });
    const mail: TMail = { to: user.email, subject, text, kind: 'notification' };
    const { id } = await recordMail(tx, outboxRow(mail));
    await markDigestSent(tx, userId, now);
    return { mailId: id, mail };
  });
}

/** Makes and sends the digests that are due at `now`. Returns how many mails were recorded. */
export async function sendDueDigests(now: Date = new Date(), windowS: number = getEnv().NOTIFY_BATCH_WINDOW_S): Promise<number> {
  const db = await getPrisma();
  const log = getLogger();
  const due = await listDueRecipients(db, new Date(now.getTime() - windowS * 1000), DIGESTS_PER_TICK);
  let made = 0;
  for (const userId of due) {
    // One admin's failure (logged) does not hold up the others' digests.
    const digest = await makeDigest(userId, now, windowS).catch((error: unknown) => {
      log.error({ err: error, userId }, 'notification digest not made');
      return null;
    });
    if (!digest) continue;
    made += 1;
    // The digest is committed in the outbox; a failed delivery keeps its reason there (sendMail's rule).
    await deliverRecordedMail(digest.mailId, digest.mail).catch((error: unknown) => log.warn({ err: error, mailId: digest.mailId }, 'notification mail not delivered'));
  }
  return made;
}

/** One round: fan out what is new, then send what is due. */
export async function runNotifier(now: Date = new Date()): Promise<{ pending: number; mails: number }> {
  const pending = await fanOutAll();
  const mails = await sendDueDigests(now);
  return { pending, mails };
}

const NOTIFIER = Symbol.for('cmk-broker.notifier');
type NotifierState = { timer?: NodeJS.Timeout; running?: Promise<unknown>; stopped: boolean };
type GlobalWithNotifier = typeof globalThis & { [NOTIFIER]?: NotifierState };

/** Runs the notifier every NOTIFY_INTERVAL_S until stopNotifier(); a failing round is logged and retried at the next. */
export function startNotifier(): void {
  const g = globalThis as GlobalWithNotifier;
  if (g[NOTIFIER] && !g[NOTIFIER].stopped) return;
  const state: NotifierState = { stopped: false };
  g[NOTIFIER] = state;
  const intervalMs = getEnv().NOTIFY_INTERVAL_S * 1000;
  const schedule = (delayMs: number) => {
    if (state.stopped) return;
    state.timer = setTimeout(() => {
      state.running = runNotifier()
        .catch((error: unknown) => getLogger().error({ err: error }, 'notifier round failed'))
        .finally(() => schedule(intervalMs));
    }, delayMs);
    state.timer.unref();
  };
  // The first round at once: on a new database it sets the cursor to the head before anything else happens.
  schedule(0);
}

/** Stops the timer and waits for a round in progress (before the database closes). */
export async function stopNotifier(): Promise<void> {
  const state = (globalThis as GlobalWithNotifier)[NOTIFIER];
  if (!state) return;
  state.stopped = true;
  clearTimeout(state.timer);
  await state.running?.catch(() => {});
}
