// The API token of one CipherTrust Manager configuration: CipherTrust's token
// endpoint (POST /api/v1/auth/tokens) trades the user's password — in its auth
// domain, through its connection, for the key's domain — for a short-lived JWT
// (`jwt`, valid `duration` seconds, 300 by default) and a long-lived refresh
// token. The JWT is cached and renewed before it expires, with the refresh
// token first (grant_type refresh_token, as Thales' Terraform provider does)
// and the password when the refresh token is refused (revoked, expired);
// concurrent callers share one renewal. Field names from Thales' Terraform
// provider (AuthStruct) and CipherTrust's Tokens documentation.
import type { TThalesCipherTrustSettings } from '@/lib/schemas/providers/thales-ciphertrust';

import { mapCtmAnswer, mapCtmError } from './thales-ciphertrust-errors';
import { postWithRetries, type TCtmHttp, type TCtmLimiter } from './thales-ciphertrust-http';
import { KmsError } from './types';

export const TOKEN_PATH = '/api/v1/auth/tokens';
/** Renew this long before expiry at most; never later than halfway through a token's life. */
const RENEW_MARGIN_MS = 60_000;

type TTokenAnswer = { jwt?: unknown; duration?: unknown; refresh_token?: unknown };

export type TCtmSession = {
  /** A JWT valid for a while yet; signs in or renews when needed. */
  token(): Promise<string>;
  /** CipherTrust refused this JWT (401): the next call signs in again. */
  invalidate(jwt: string): void;
};

export function createCtmSession(settings: TThalesCipherTrustSettings, http: TCtmHttp, limiter: TCtmLimiter, timeoutMs: number): TCtmSession {
  let current: { jwt: string; renewAt: number } | undefined;
  let refreshToken: string | undefined;
  let renewing: Promise<string> | undefined;

  // `domain` scopes the token to the key's domain; `auth_domain` is where the user is defined (root when absent).
  const scope = {
    ...(settings.authDomain && settings.authDomain !== 'root' ? { auth_domain: settings.authDomain } : {}),
    ...(settings.keyDomain ? { domain: settings.keyDomain } : {}),
  };

  async function grant(body: Record<string, unknown>, signal: AbortSignal): Promise<string> {
    const startedAt = Date.now();
    const answer = await postWithRetries(http, limiter, { path: TOKEN_PATH, body }, signal);
    if (answer.status !== 200) throw mapCtmAnswer(answer, 'auth', 'kms_unauthorized');
    const { jwt, duration, refresh_token } = (answer.body ?? {}) as TTokenAnswer;
    if (typeof jwt !== 'string' || jwt === '') throw new KmsError('kms_unauthorized', 'CipherTrust Manager answered the sign-in without an API token.');
    const lifetimeMs = (typeof duration === 'number' && duration > 0 ? duration : 300) * 1000;
    current = { jwt, renewAt: startedAt + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 2) };
    if (typeof refresh_token === 'string' && refresh_token !== '') refreshToken = refresh_token;
    return jwt;
  }

  async function signIn(signal: AbortSignal): Promise<string> {
    try {
      if (refreshToken) {
        try {
          return await grant({ grant_type: 'refresh_token', refresh_token: refreshToken, ...scope }, signal);
        } catch (error) {
          // A revoked or expired refresh token: the password still works. Anything else is the answer.
          if (!(error instanceof KmsError) || error.code !== 'kms_unauthorized') throw error;
          refreshToken = undefined;
        }
      }
      return await grant(
        { grant_type: 'password', username: settings.username, password: settings.password, connection: settings.connection, ...scope },
        signal,
      );
    } catch (error) {
      throw mapCtmError(error, 'kms_unauthorized');
    }
  }

  return {
    token() {
      if (current && Date.now() < current.renewAt) return Promise.resolve(current.jwt);
      // Shared by concurrent callers, so bounded by its own time limit rather than by one caller's signal:
      // a cancelled caller must not fail the others. Each caller still gives up at its own deadline.
      renewing ??= signIn(AbortSignal.timeout(timeoutMs)).finally(() => {
        renewing = undefined;
      });
      return renewing;
    },
    invalidate(jwt) {
      if (current?.jwt === jwt) current = undefined;
    },
  };
}
