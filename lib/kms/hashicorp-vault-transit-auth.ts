// The Vault driver's token: the configuration's own token, or one from an
// AppRole login (POST auth/approle/login {role_id, secret_id} → auth.client_token,
// lease_duration, renewable). Renewed with auth/token/renew-self once two
// thirds of its TTL have passed (lazily, at the next call: no timer keeps a
// process alive); an AppRole token that cannot be renewed any more (not
// renewable, near its max TTL, or refused) is replaced by a new login. A
// configured token's TTL comes from auth/token/lookup-self (the default
// policy allows it); a token without TTL (ttl 0) is never renewed. Concurrent
// callers share one login or renewal.
// API: developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle,
// developer.hashicorp.com/vault/api-docs/auth/token#renew-a-token-self and #lookup-a-token-self.
import type { THashicorpVaultTransitSettings } from '@/lib/schemas/providers/hashicorp-vault-transit';

import { isInvalidToken, mapVaultError } from './hashicorp-vault-transit-errors';
import { type TVaultHttp, VaultHttpError } from './hashicorp-vault-transit-http';
import { KmsError } from './types';

export type TVaultSession = {
  readonly token: string;
  /** When to renew (or log in again), ms since the epoch; undefined: never (no TTL). */
  renewAt: number | undefined;
  readonly expiresAt: number | undefined;
  readonly ttlMs: number;
  readonly renewable: boolean;
  /** Vault accepted this token for a transit call at least once. */
  fine: boolean;
};

export type TVaultAuth = {
  /** The token to call with, renewed or replaced first when due. */
  session(signal: AbortSignal): Promise<TVaultSession>;
  /**
   * After a 403 with `session`: a fresh AppRole login when the token itself
   * went bad (revoked, expired, or it used to work), once; undefined when
   * there is nothing better to try.
   */
  recover(session: TVaultSession, error: unknown, signal: AbortSignal): Promise<TVaultSession | undefined>;
};

/** An AppRole token whose renewal would leave less than this share of its first TTL is near max_ttl: log in again. */
const MIN_RENEWED_SHARE = 1 / 3;
/** After a failed renewal, a still valid token is used, and renewal tried again after this long. */
const RENEW_RETRY_MS = 5_000;

type TAuthBlock = { client_token?: unknown; lease_duration?: unknown; renewable?: unknown };

function sessionOf(token: string, ttlSeconds: number, renewable: boolean, now: number): TVaultSession {
  const ttlMs = Math.max(0, ttlSeconds) * 1000;
  return {
    token,
    ttlMs,
    renewable,
    expiresAt: ttlMs > 0 ? now + ttlMs : undefined,
    renewAt: ttlMs > 0 ? now + (ttlMs * 2) / 3 : undefined,
    fine: false,
  };
}

function authBlock(answer: Record<string, unknown>, what: string): { token: string; ttl: number; renewable: boolean } {
  const auth = (answer.auth ?? {}) as TAuthBlock;
  if (typeof auth.client_token !== 'string' || auth.client_token === '') throw new KmsError('kms_unauthorized', `HashiCorp Vault answered the ${what} without a token.`);
  return { token: auth.client_token, ttl: typeof auth.lease_duration === 'number' ? auth.lease_duration : 0, renewable: auth.renewable === true };
}

export function createVaultAuth(settings: THashicorpVaultTransitSettings, http: TVaultHttp): TVaultAuth {
  let current: TVaultSession | undefined;
  let pending: Promise<TVaultSession> | undefined;

  const shared = (work: () => Promise<TVaultSession>) =>
    (pending ??= work().finally(() => {
      pending = undefined;
    }));

  async function login(signal: AbortSignal): Promise<TVaultSession> {
    if (!settings.roleId || !settings.secretId) throw new KmsError('kms_config_invalid', 'The HashiCorp Vault configuration has no AppRole role id and secret id.');
    try {
      const answer = await http.call({ method: 'POST', path: 'auth/approle/login', body: { role_id: settings.roleId, secret_id: settings.secretId } }, signal);
      const { token, ttl, renewable } = authBlock(answer, 'AppRole login');
      return (current = sessionOf(token, ttl, renewable, Date.now()));
    } catch (error) {
      // A login Vault refuses (400 invalid role or secret id, 403 lockout) is always the credentials.
      if (error instanceof VaultHttpError && error.status >= 400 && error.status < 500 && error.status !== 404 && error.status !== 429) {
        throw new KmsError('kms_unauthorized', `HashiCorp Vault refused the AppRole login: the role id or secret id is not valid, expired or used up (HTTP ${error.status}).`, {
          cause: { status: error.status },
        });
      }
      throw mapVaultError(error, 'kms_unauthorized');
    }
  }

  async function lookup(token: string, signal: AbortSignal): Promise<TVaultSession> {
    try {
      const answer = await http.call({ method: 'GET', path: 'auth/token/lookup-self', token }, signal);
      const data = (answer.data ?? {}) as { ttl?: unknown; renewable?: unknown };
      return (current = sessionOf(token, typeof data.ttl === 'number' ? data.ttl : 0, data.renewable === true, Date.now()));
    } catch (error) {
      throw mapVaultError(error, 'kms_unauthorized');
    }
  }

  async function renew(session: TVaultSession, signal: AbortSignal): Promise<TVaultSession> {
    const isAppRole = settings.authMethod === 'approle';
    if (!session.renewable) {
      if (isAppRole) return login(signal);
      session.renewAt = undefined; // Nothing to renew: the token works until it expires, then Vault says so.
      return session;
    }
    try {
      const answer = await http.call({ method: 'POST', path: 'auth/token/renew-self', token: session.token, body: {} }, signal);
      const { ttl, renewable } = authBlock(answer, 'token renewal');
      if (isAppRole && ttl * 1000 < session.ttlMs * MIN_RENEWED_SHARE) return login(signal);
      const renewed = sessionOf(session.token, ttl, renewable, Date.now());
      renewed.fine = session.fine;
      return (current = renewed);
    } catch (error) {
      if (isAppRole && (isInvalidToken(error) || (error instanceof VaultHttpError && error.status === 403))) return login(signal);
      if (error instanceof VaultHttpError && error.status === 403) throw mapVaultError(error, 'kms_unauthorized');
      // Vault unreachable for a moment: the token still works until it expires.
      if (session.expiresAt !== undefined && Date.now() < session.expiresAt) {
        session.renewAt = Date.now() + RENEW_RETRY_MS;
        return session;
      }
      throw mapVaultError(error, 'kms_unauthorized');
    }
  }

  return {
    async session(signal) {
      const session = current;
      if (!session) return shared(() => (settings.authMethod === 'approle' ? login(signal) : lookup(settings.token ?? '', signal)));
      if (session.renewAt !== undefined && Date.now() >= session.renewAt) return shared(() => renew(session, signal));
      return session;
    },
    async recover(session, error, signal) {
      if (settings.authMethod !== 'approle') return undefined;
      // Another call already replaced this token.
      if (current && current !== session && current.token !== session.token) return current;
      if (!session.fine && !isInvalidToken(error)) return undefined;
      return shared(() => login(signal));
    },
  };
}
