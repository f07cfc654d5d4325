// next-auth's log lines through the broker's real next-auth configuration
// (lib/server/auth.ts) and its real credentials flow: a sign-in that asks for
// the second factor and a refused one are `info` lines saying what happened, a
// server fault is `error`, and no credential ever reaches the log — including
// the request body next-auth hands its debug logger.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { NextRequest } from 'next/server';
import { AuthError, CredentialsSignin } from 'next-auth';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@/lib/server/log';
import { SignInRefused } from '@/lib/server/sign-in';
import { createAuthLogger, describeSignInCode } from './auth-logger';

process.env.AUTH_SECRET ??= randomBytes(32).toString('base64url');

const lines: string[] = [];
const captured = createLogger({
  level: 'trace',
  destination: new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  }),
});

vi.mock('@/lib/server/log', async (original) => ({ ...(await original<typeof import('@/lib/server/log')>()), getLogger: () => captured }));
const verifySignIn = vi.fn();
vi.mock('@/lib/server/sign-in', async (original) => ({ ...(await original<typeof import('@/lib/server/sign-in')>()), verifySignIn: (...args: unknown[]) => verifySignIn(...args) }));

const { handlers } = await import('@/lib/server/auth');

const AUTH_KEY = randomBytes(32).toString('base64url');
const OTP = '492817';
const EMAIL = 'canary-person@acme.example';

type Line = { level: string; msg: string; component?: string; outcome?: string; reason?: string; retryAfter?: number; type?: string; err?: { message?: string } };
const parsed = () => lines.map((line) => JSON.parse(line) as Line);

/** The browser's credentials sign-in: CSRF token, then the callback with the authKey and a code. */
async function signIn(otp = OTP): Promise<void> {
  const base = 'http://localhost:3000/api/auth';
  const csrf = await handlers.GET(new NextRequest(`${base}/csrf`));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const body = new URLSearchParams({ email: EMAIL, authKey: AUTH_KEY, otp, csrfToken, callbackUrl: 'http://localhost:3000/' });
  await handlers.POST(
    new NextRequest(`${base}/callback/credentials`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-auth-return-redirect': '1', origin: 'http://localhost:3000' },
      body: body.toString(),
    }),
  );
}

function expectNoCredentials(): void {
  const all = lines.join('\n');
  expect(all).not.toContain(AUTH_KEY);
  expect(all).not.toContain(OTP);
  expect(all).not.toContain(EMAIL);
}

beforeEach(() => {
  lines.length = 0;
  verifySignIn.mockReset();
});

describe('next-auth log lines through the real configuration', () => {
  it('a sign-in that asks for the second factor is one info line saying so', async () => {
    verifySignIn.mockRejectedValue(new SignInRefused('mfa_required'));
    await signIn('');
    const logged = parsed().filter((l) => l.component === 'auth' && l.level !== 'debug');
    expect(logged).toEqual([expect.objectContaining({ level: 'info', outcome: 'second_factor_needed', msg: 'sign-in: passphrase accepted, asking for the second factor' })]);
    expect(lines.join('\n')).not.toMatch(/"level":"(warn|error)"/);
    expectNoCredentials();
  });

  it('a refused sign-in and a locked account are info lines with the reason', async () => {
    verifySignIn.mockRejectedValueOnce(new SignInRefused('invalid_credentials'));
    await signIn();
    verifySignIn.mockRejectedValueOnce(new SignInRefused('locked', 120));
    await signIn();
    const logged = parsed().filter((l) => l.component === 'auth' && l.level !== 'debug');
    expect(logged).toEqual([
      expect.objectContaining({ level: 'info', outcome: 'refused', reason: 'invalid_credentials' }),
      expect.objectContaining({ level: 'info', outcome: 'refused', reason: 'locked', retryAfter: 120 }),
    ]);
    expectNoCredentials();
  });

  it('a fault behind the sign-in is an error with its cause, and the credentials in the debug metadata stay out', async () => {
    verifySignIn.mockRejectedValue(new Error('database went away'));
    await signIn();
    const errors = parsed().filter((l) => l.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ component: 'auth', msg: 'auth failed', type: 'CallbackRouteError', err: expect.objectContaining({ message: 'database went away' }) })]);
    // next-auth passed the request body (email, authKey, otp) to debug: only its message was logged.
    expect(parsed().some((l) => l.level === 'debug' && l.msg === 'auth: callback route error details')).toBe(true);
    expectNoCredentials();
  });
});

describe('createAuthLogger', () => {
  it('maps caller mistakes to info, configuration warnings to warn, and codes it does not know to a safe reason', () => {
    const logger = createAuthLogger(captured);
    class MissingCSRF extends AuthError {
      static type = 'MissingCSRF';
    }
    logger.error(new MissingCSRF('no token'));
    logger.warn('debug-enabled');
    const odd = new CredentialsSignin();
    odd.code = `x ${AUTH_KEY}`;
    logger.error(odd);
    expect(parsed().map((l) => [l.level, l.type ?? l.reason ?? l.msg])).toEqual([
      ['info', 'MissingCSRF'],
      ['warn', 'auth configuration warning'],
      ['info', 'unknown'],
    ]);
    expectNoCredentials();
    expect(describeSignInCode('credentials').fields).toMatchObject({ outcome: 'refused', reason: 'credentials' });
  });
});
