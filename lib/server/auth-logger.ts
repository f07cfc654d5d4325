import 'server-only';
// next-auth's logger, mapped onto ours. next-auth reports everything that
// ends a request early as an "error" — including a refused sign-in and the
// first step of a sign-in with a second factor, which are a person typing,
// not a fault. Those become `info` lines saying what happened; only what is
// the server's fault is `error`.
//
// Nothing a caller typed is logged: a refused sign-in is described by our own
// code (lib/server/auth.ts SignInCode), next-auth's debug metadata (which holds
// the request body, credentials included) is dropped, and of an unexpected
// error only the underlying error (name, code, message, stack) is kept.
import type { NextAuthConfig } from 'next-auth';
import type { Logger } from 'pino';

type AuthLogger = Required<NonNullable<NextAuthConfig['logger']>>;
type AuthLikeError = Error & { type?: unknown; kind?: unknown; code?: unknown };

/** next-auth error types a caller causes (a stale cookie, a missing CSRF token, an unknown endpoint): nothing to fix on our side. */
const CALLER_ERRORS: Record<string, string> = {
  MissingCSRF: 'auth request without a valid CSRF token',
  JWTSessionError: 'session cookie could not be read (expired key, tampered or truncated)',
  SessionTokenError: 'session cookie could not be read',
  UnknownAction: 'unknown auth endpoint',
  InvalidCallbackUrl: 'auth request with an invalid callback URL',
  InvalidCheck: 'auth request failed a check',
  AccessDenied: 'auth request denied',
  Verification: 'auth verification failed',
};

/** What a refused sign-in's code (ours, never a credential) says happened. */
export function describeSignInCode(code: unknown): { msg: string; fields: Record<string, unknown> } {
  const text = typeof code === 'string' ? code : '';
  if (text === 'mfa_required') {
    return { msg: 'sign-in: passphrase accepted, asking for the second factor', fields: { event: 'sign_in', outcome: 'second_factor_needed' } };
  }
  if (text === 'invalid_credentials') {
    return { msg: 'sign-in refused: wrong passphrase or second factor, or no such account', fields: { event: 'sign_in', outcome: 'refused', reason: 'invalid_credentials' } };
  }
  const locked = /^locked_(\d{1,7})$/.exec(text);
  if (locked) {
    return { msg: 'sign-in refused: too many attempts, locked for now', fields: { event: 'sign_in', outcome: 'refused', reason: 'locked', retryAfter: Number(locked[1]) } };
  }
  // next-auth's own default code is "credentials"; anything else is shown only if it looks like a code.
  return { msg: 'sign-in refused', fields: { event: 'sign_in', outcome: 'refused', reason: /^[a-z0-9_]{1,40}$/.test(text) ? text : 'unknown' } };
}

/** The error next-auth wrapped (its cause's `err`), if any. */
function underlying(error: Error): unknown {
  const cause = (error as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object' && 'err' in cause) return (cause as { err: unknown }).err;
  return undefined;
}

export function createAuthLogger(logger: Logger): AuthLogger {
  const log = logger.child({ component: 'auth' });
  return {
    error(error: AuthLikeError) {
      const type = typeof error.type === 'string' ? error.type : error.name;
      if (type === 'CredentialsSignin') {
        const { msg, fields } = describeSignInCode(error.code);
        log.info(fields, msg);
        return;
      }
      const callerError = CALLER_ERRORS[type];
      if (callerError) {
        log.info({ type }, callerError);
        return;
      }
      const err = underlying(error);
      log.error({ type, kind: typeof error.kind === 'string' ? error.kind : undefined, err: err ?? { name: error.name, message: error.message, stack: error.stack } }, 'auth failed');
    },
    warn(code) {
      // Configuration warnings (e.g. debug-enabled): worth an operator's look.
      log.warn({ code }, 'auth configuration warning');
    },
    debug(message) {
      // The metadata is dropped on purpose: it can hold the request body with the credentials.
      log.debug(`auth: ${message}`);
    },
  };
}
