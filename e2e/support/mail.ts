// Reads mail caught by e2e/support/mail-catcher.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';

const dir = path.resolve('.cache/e2e/mail');

export type CaughtMail = { to: string[]; raw: string; subject: string; text: string };

function decodeQuotedPrintable(s: string): string {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function parse(raw: string, to: string[]): CaughtMail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const subject = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  let text = rest.join('\n\n');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) text = decodeQuotedPrintable(text);
  if (/Content-Transfer-Encoding: base64/i.test(head)) text = Buffer.from(text.replace(/\s/g, ''), 'base64').toString('utf8');
  return { to, raw, subject, text };
}

export function mailsTo(address: string): CaughtMail[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { to: string[]; raw: string })
    .filter((m) => m.to.includes(address))
    .map((m) => parse(m.raw, m.to));
}

/** Waits for the `nth` (1-based) mail to `address` and returns it. */
export async function waitForMail(address: string, nth = 1): Promise<CaughtMail> {
  await expect.poll(() => mailsTo(address).length, { timeout: 15_000, message: `mail #${nth} to ${address}` }).toBeGreaterThanOrEqual(nth);
  return mailsTo(address)[nth - 1] as CaughtMail;
}

export function invitationLink(mail: CaughtMail): string {
  const link = /https?:\/\/\S+\/invite#[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0];
  if (!link) throw new Error(`no invitation link in mail: ${mail.text}`);
  return link;
}
