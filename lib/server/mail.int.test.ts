// sendMail against a real SMTP server (smtp-server, in process) and the real
// outbox on each database backend: delivered mail is marked sent, a missing or
// failing SMTP leaves the mail in the outbox, and neither the SMTP password nor
// the body reaches a log line. The SMTP URL uses ?tls=insecure because the
// test server speaks cleartext; production URLs require verified TLS.
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetEnvForTests } from '@/lib/env';
import { closeDatabase, getPrisma, initDatabase } from '@/lib/server/db';
import { listOutbox, recordMail } from '@/lib/server/dal/outbox';
import { createLogger } from '@/lib/server/log';
import { resetMailerForTests, sendMail, type TMail } from '@/lib/server/mail';
import { backend, createTestDatabase, type TestDatabase } from '@/lib/testing/test-db';

const PASSWORD = 'canary p@ss';
const SMTP_PASSWORD = encodeURIComponent(PASSWORD);
const BODY = 'Open https://broker.test/invite/tok_body_canary to join.';
const ENV_NAMES = ['SMTP_URL', 'MAIL_FROM', 'DATABASE_URL'] as const;
const LOGGER = Symbol.for('cmk-broker.logger');

type Received = { from: string; to: string[]; user?: string; pass?: string; raw: string };

let testDb: TestDatabase;
let savedEnv: Record<string, string | undefined>;
let savedLogger: unknown;
let logLines: string[];
let server: SMTPServer | undefined;

const mail = (overrides: Partial<TMail> = {}): TMail => ({
  to: 'alice@example.com',
  subject: 'You are invited to Acme',
  text: BODY,
  kind: 'invitation',
  link: 'https://broker.test/invite/tok_link',
  ...overrides,
});

function setEnv(values: Partial<Record<(typeof ENV_NAMES)[number], string>>) {
  for (const name of ENV_NAMES) {
    if (values[name] === undefined) delete process.env[name];
    else process.env[name] = values[name];
  }
  resetEnvForTests();
  resetMailerForTests();
}

async function startSmtp(options: { rejectRecipient?: boolean } = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const auths = new Map<string, { user?: string; pass?: string }>();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, session, callback) {
      auths.set(session.id, { user: auth.username, pass: auth.password ?? undefined });
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((r) => r.address),
          ...auths.get(session.id),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  const smtp = server;
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  return { port: (smtp.server.address() as AddressInfo).port, received };
}

/** The one outbox row the test expects. */
async function onlyOutboxRow() {
  const { items } = await listOutbox(await getPrisma());
  expect(items).toHaveLength(1);
  return items[0]!;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeEach(async () => {
  savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  testDb = await createTestDatabase();
  await initDatabase({ env: testDb.env, migrate: true });
  // Capture what the process-wide logger really writes, after serialisation and redaction.
  logLines = [];
  const g = globalThis as Record<symbol, unknown>;
  savedLogger = g[LOGGER];
  g[LOGGER] = createLogger({
    level: 'trace',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(String(chunk));
        callback();
      },
    }),
  });
});

afterEach(async () => {
  const smtp = server;
  server = undefined;
  if (smtp) await new Promise<void>((resolve) => smtp.close(() => resolve()));
  (globalThis as Record<symbol, unknown>)[LOGGER] = savedLogger;
  setEnv(savedEnv);
  await closeDatabase();
  await testDb.drop();
});

describe(`mail on ${backend}`, () => {
  it('delivers over SMTP with the configured from, plain text only, and marks the outbox row sent', async () => {
    const { port, received } = await startSmtp();
    setEnv({ SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${port}?tls=insecure`, MAIL_FROM: 'CMK broker <broker@example.com>' });

    await expect(sendMail(mail({ link: 'https://broker.test/invite/tok_body_canary' }))).resolves.toEqual({ delivered: 'smtp' });

    expect(received).toHaveLength(1);
    const message = received[0]!;
    expect(message).toMatchObject({ from: 'broker@example.com', to: ['alice@example.com'], user: 'mailer', pass: PASSWORD });
    const [headers, ...body] = message.raw.split('\r\n\r\n');
    expect(headers).toMatch(/^From: CMK broker <broker@example\.com>$/m);
    expect(headers).toMatch(/^To: alice@example\.com$/m);
    expect(headers).toMatch(/^Subject: You are invited to Acme$/m);
    expect(headers).toMatch(/^Content-Type: text\/plain/m);
    expect(headers).not.toMatch(/text\/html|multipart/i);
    expect(body.join('\r\n\r\n').trim()).toBe(BODY);

    // The link is a single-use secret: with SMTP it lives only in the mail, not in the outbox.
    const row = await onlyOutboxRow();
    expect(row).toMatchObject({ recipient: 'alice@example.com', subject: 'You are invited to Acme', error: null });
    expect(row.body).toBe('Open [link sent by mail; not stored] to join.');
    expect(row.id).toMatch(/^mail_[A-Za-z0-9_-]{22}$/);
    expect(row.sentAt).toBeInstanceOf(Date);
    expect(logLines.join('')).not.toContain('tok_body_canary');
  });

  it('without SMTP_URL keeps the mail in the outbox; embedded mode logs the link, never the body', async () => {
    setEnv({});

    await expect(sendMail(mail())).resolves.toEqual({ delivered: 'outbox' });

    expect(await onlyOutboxRow()).toMatchObject({ recipient: 'alice@example.com', body: BODY, sentAt: null, error: null });
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'info', msg: 'mail kept in outbox (no SMTP_URL)', to: 'alice@example.com', subject: 'You are invited to Acme', link: 'https://broker.test/invite/tok_link' }),
    );
    expect(logLines.join('')).not.toContain('tok_body_canary');
  });

  it('without SMTP_URL on PostgreSQL (a real deployment) logs nothing about the mail', async () => {
    // Only getEnv().databaseKind reads this; the test database is already open.
    setEnv({ DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/unused' });

    await expect(sendMail(mail())).resolves.toEqual({ delivered: 'outbox' });

    expect((await listOutbox(await getPrisma())).items).toHaveLength(1);
    const logged = logLines.join('');
    expect(logged).not.toContain('tok_link');
    expect(logged).not.toContain('alice@example.com');
    expect(logged).not.toContain('tok_body_canary');
  });

  it('SMTP unreachable: mail_delivery_failed, the row keeps a short reason without the password', async () => {
    setEnv({ SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${await closedPort()}?tls=insecure` });

    await expect(sendMail(mail())).rejects.toThrow(/^mail_delivery_failed$/);

    const row = await onlyOutboxRow();
    expect(row.sentAt).toBeNull();
    expect(row.error).toMatch(/ECONNREFUSED/);
    for (const text of [row.error ?? '', logLines.join('')]) {
      expect(text).not.toContain('canary');
      expect(text).not.toContain(SMTP_PASSWORD);
      expect(text).not.toContain('smtp://');
      expect(text).not.toContain('tok_body_canary');
    }
    expect(logLines.join('')).toContain('mail delivery failed');
  });

  it('SMTP refuses the recipient: the row keeps the reply code', async () => {
    const { port, received } = await startSmtp({ rejectRecipient: true });
    setEnv({ SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${port}?tls=insecure` });

    await expect(sendMail(mail())).rejects.toThrow(/^mail_delivery_failed$/);

    expect(received).toHaveLength(0);
    const row = await onlyOutboxRow();
    expect(row.error).toMatch(/^EENVELOPE 550\b/);
    expect(row.error).not.toContain('canary');
    expect(row.sentAt).toBeNull();
  });

  it('refuses CR/LF in subject or recipient, and a recipient list, before recording anything', async () => {
    const { port, received } = await startSmtp();
    setEnv({ SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:${port}?tls=insecure` });

    await expect(sendMail(mail({ subject: 'Hello\r\nBcc: mallory@evil.test' }))).rejects.toThrow(/^mail_header_invalid$/);
    await expect(sendMail(mail({ subject: 'Hello\nBcc: mallory@evil.test' }))).rejects.toThrow(/^mail_header_invalid$/);
    await expect(sendMail(mail({ to: 'alice@example.com\r\nBcc: mallory@evil.test' }))).rejects.toThrow(/^mail_header_invalid$/);
    await expect(sendMail(mail({ to: 'alice@example.com, mallory@evil.test' }))).rejects.toThrow(/^mail_recipient_invalid$/);
    await expect(sendMail(mail({ to: 'Mallory <mallory@evil.test>' }))).rejects.toThrow(/^mail_recipient_invalid$/);

    expect((await listOutbox(await getPrisma())).items).toHaveLength(0);
    expect(received).toHaveLength(0);
  });

  it('lists the outbox newest first, page by page', async () => {
    const db = await getPrisma();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await recordMail(db, { recipient: `u${i}@example.com`, subject: `s${i}`, body: `b${i}` })).id);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct createdAt (millisecond precision)
    }
    const first = await listOutbox(db, { take: 2 });
    const second = await listOutbox(db, { take: 2, cursor: first.nextCursor });
    const third = await listOutbox(db, { take: 2, cursor: second.nextCursor });
    expect([...first.items, ...second.items, ...third.items].map((m) => m.id)).toEqual([...ids].reverse());
    expect(first.nextCursor).toBeDefined();
    expect(third.nextCursor).toBeUndefined();
  });
});
