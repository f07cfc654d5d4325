// OAuth access tokens for a Google service account, from its JSON key: a JWT
// assertion signed RS256 with the key's private key (kid = private_key_id),
// exchanged at the token endpoint with the JWT bearer grant (RFC 7523), as
// Google documents for server-to-server apps ("Using OAuth 2.0 for Server to
// Server Applications": iss = client_email, scope, aud = token URL, iat, exp
// ≤ 1 h later). The token is cached until shortly before it expires, and
// concurrent callers share one refresh. The scope is the caller's (Cloud KMS
// by default; the Cloud Logging sink asks for logging.write), and any poster
// with this shape will do: the KMS driver's agent or a SIEM sink's client.
import { importPKCS8, SignJWT } from 'jose';

import type { TGoogleServiceAccount } from '@/lib/schemas/providers/common';

import { GoogleAnswerError, GoogleTokenNetworkError } from './google-cloud-kms-errors';
import { KmsError } from './types';

export const CLOUDKMS_SCOPE = 'https://www.googleapis.com/auth/cloudkms';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ASSERTION_SECONDS = 3600;
/** How long before expiry a refresh starts, at most; never more than half a token's lifetime. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** What the token source needs from an HTTP client: one POST, the answer's status and body; it rejects only when no answer came. */
export type TTokenPoster = {
  post(url: URL, headers: Record<string, string>, body: Buffer, signal: AbortSignal): Promise<{ status: number; body: Buffer }>;
};

export type TTokenSource = {
  /** A valid access token, fetched if none is cached. */
  get(): Promise<string>;
  /** Forgets `token` (the service refused it), so the next get() fetches a new one. */
  invalidate(token: string): void;
};

function parseTokenAnswer(body: Buffer): { token: string; expiresInMs: number } | undefined {
  try {
    const answer = JSON.parse(body.toString('utf8')) as { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    if (typeof answer.access_token !== 'string' || !/^[\x21-\x7e]{1,4096}$/.test(answer.access_token)) return undefined;
    if (typeof answer.token_type === 'string' && answer.token_type.toLowerCase() !== 'bearer') return undefined;
    const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 3600;
    return { token: answer.access_token, expiresInMs: seconds * 1000 };
  } catch {
    return undefined;
  }
}

function readBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function createTokenSource(keyFile: TGoogleServiceAccount, tokenUrl: URL, http: TTokenPoster, timeoutMs: number, scope = CLOUDKMS_SCOPE): TTokenSource {
  let signingKey: ReturnType<typeof importPKCS8> | undefined;
  let current: { token: string; refreshAt: number } | undefined;
  let refreshing: Promise<string> | undefined;

  async function assertion(): Promise<string> {
    signingKey ??= importPKCS8(keyFile.private_key, 'RS256').catch(() => {
      throw new KmsError('kms_config_invalid', "The service account key file's private_key cannot be read as an RSA key.");
    });
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: keyFile.private_key_id })
      .setIssuer(keyFile.client_email)
      .setAudience(tokenUrl.href)
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_SECONDS)
      .sign(await signingKey);
  }

  async function fetchToken(): Promise<string> {
    const startedAt = Date.now();
    const form = Buffer.from(new URLSearchParams({ grant_type: JWT_BEARER, assertion: await assertion() }).toString(), 'utf8');
    // Its own time limit, not a caller's: concurrent callers share this refresh, and one caller giving up must not fail the others.
    const answer = await http
      .post(tokenUrl, { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, form, AbortSignal.timeout(timeoutMs))
      .catch((error: unknown) => {
        throw new GoogleTokenNetworkError(error);
      });
    if (answer.status !== 200) throw new GoogleAnswerError('token', answer.status, readBody(answer.body));
    const parsed = parseTokenAnswer(answer.body);
    if (!parsed) throw new KmsError('kms_unauthorized', "Google's token endpoint answered without a usable access token.");
    current = { token: parsed.token, refreshAt: startedAt + parsed.expiresInMs - Math.min(REFRESH_MARGIN_MS, parsed.expiresInMs / 2) };
    return parsed.token;
  }

  return {
    async get() {
      if (current && Date.now() < current.refreshAt) return current.token;
      refreshing ??= fetchToken().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
