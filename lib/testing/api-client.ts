// The broker's HTTP API as a browser uses it, for integration tests: fetch
// with a cookie jar, JSON calls that send the same-origin headers the broker
// requires for cookie-authenticated writes, and the browser's zero-knowledge
// steps reproduced in Node with the same lib/crypto code
// (lib/client/session-keys.ts): prelogin → PBKDF2/HKDF → next-auth
// credentials sign-in with the authKey → open the sealed admin key locally.
import type { JWK } from 'jose';
import type { TAccount } from '@/lib/client/api';
import { openAdminPrivateKey } from '@/lib/crypto/admin-key';
import { deriveAccountKeys, PBKDF2_ITERATIONS } from '@/lib/crypto/derive-account-keys';
import { base64urlDecode, base64urlEncode } from '@/lib/crypto/encoding';
import { createAccountMaterial, sealContext } from '@/lib/crypto/account-material';
import { createTenantKeyMaterial } from '@/lib/crypto/tenant-key-material';
import type { TTenantPrivateKeys } from '@/lib/crypto/tenant-keys';

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
};

export type ApiResponse<T> = {
  status: number;
  /** The parsed JSON body (a Problem when the status is not 2xx). */
  body: T;
  /** Set when the answer is application/problem+json. */
  problem: Problem | null;
  headers: Headers;
};

export type SignInOutcome =
  | { ok: true; account: TAccount; adminPrivateKey: CryptoKey; adminKid: string }
  | {
      ok: false;
      /** next-auth's `code` (e.g. invalid_credentials), or its `error` when there is no code. */
      code: string;
      /** The redirect URL next-auth answered with, e.g. /sign-in?error=CredentialsSignin&code=invalid_credentials. */
      url: string;
      status: number;
    };

/** Sealing context of the admin key: the account's email, lower-case (as the browser does). */
export { sealContext } from '@/lib/crypto/account-material';

/** Throws with the problem details unless the response has the expected status. */
export function expectStatus<T>(response: ApiResponse<T>, status: number, what: string): T {
  if (response.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

export class BrokerClient {
  /** name → value, from Set-Cookie; sent back on every request. */
  readonly cookies = new Map<string, string>();
  readonly origin: string;

  /** `defaultHeaders` go on every request (e.g. X-Forwarded-For behind a trusted proxy). */
  constructor(
    readonly baseUrl: string,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {
    this.origin = new URL(baseUrl).origin;
  }

  /** A raw request with this client's cookies; Set-Cookie answers update the jar. Redirects are not followed. */
  async fetch(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Response> {
    const headers = new Headers({ ...this.defaultHeaders, ...init.headers });
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(path, this.baseUrl), { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual' });
    this.storeCookies(response.headers.getSetCookie());
    return response;
  }

  private storeCookies(lines: string[]): void {
    for (const line of lines) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key = '', val = ''] = a.split('=').map((s) => s.trim());
        if (/^max-age$/i.test(key)) return Number(val) <= 0;
        if (/^expires$/i.test(key)) return Date.parse(a.slice(a.indexOf('=') + 1).trim()) <= Date.now();
        return false;
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /**
   * A JSON API call. Writes carry `content-type: application/json` and
   * `Origin: <broker>` (the broker refuses cross-origin cookie-authenticated writes).
   */
  async send<T = unknown>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') {
      headers['content-type'] = 'application/json';
      headers.origin = this.origin;
    }
    const response = await this.fetch(path, {
      method,
      headers: { ...headers, ...extraHeaders },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path}: HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    const isProblem = (response.headers.get('content-type') ?? '').startsWith('application/problem+json');
    return { status: response.status, body: parsed as T, problem: isProblem ? (parsed as Problem) : null, headers: response.headers };
  }

  get<T = unknown>(path: string) {
    return this.send<T>('GET', path);
  }

  post<T = unknown>(path: string, body?: unknown) {
    return this.send<T>('POST', path, body);
  }

  /** The PBKDF2 salt and count the broker gives for an email (a stable fake salt for unknown emails). */
  async prelogin(email: string): Promise<{ kdfSalt: string; kdfIterations: number }> {
    return expectStatus(await this.post<{ kdfSalt: string; kdfIterations: number }>('/api/v1/auth/prelogin', { email }), 200, 'prelogin');
  }

  /**
   * Signs in as the browser does: prelogin → derive authKey/wrapKey → next-auth
   * CSRF token → credentials callback with the authKey (never the passphrase)
   * → the account → the admin key opened locally with wrapKey.
   */
  async signIn(email: string, passphrase: string, otp?: string): Promise<SignInOutcome> {
    const { kdfSalt, kdfIterations } = await this.prelogin(email);
    if (!Number.isInteger(kdfIterations) || kdfIterations < PBKDF2_ITERATIONS) {
      throw new Error(`the broker asked for ${kdfIterations} PBKDF2 iterations; the browser refuses fewer than ${PBKDF2_ITERATIONS}`);
    }
    const { authKey, wrapKey } = await deriveAccountKeys(passphrase, kdfSalt, kdfIterations);

    const csrfResponse = await this.fetch('/api/auth/csrf', { headers: { accept: 'application/json' } });
    if (csrfResponse.status !== 200) throw new Error(`GET /api/auth/csrf: HTTP ${csrfResponse.status}`);
    const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };

    const form = new URLSearchParams({ email, authKey, otp: otp ?? '', csrfToken, callbackUrl: `${this.origin}/` });
    const response = await this.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-auth-return-redirect': '1',
        origin: this.origin,
        accept: 'application/json',
      },
      body: form.toString(),
    });
    const text = await response.text();
    let url: string;
    try {
      url = (JSON.parse(text) as { url: string }).url;
    } catch {
      throw new Error(`credentials callback: HTTP ${response.status}, not the JSON { url } next-auth answers with X-Auth-Return-Redirect: ${text.slice(0, 200)}`);
    }
    const answer = new URL(url, this.baseUrl).searchParams;
    const error = answer.get('error');
    if (error) return { ok: false, code: answer.get('code') ?? error, url, status: response.status };
    if (!this.cookies.has('authjs.session-token')) {
      return { ok: false, code: 'no_session_cookie', url, status: response.status };
    }

    const account = expectStatus(await this.get<TAccount>('/api/v1/account'), 200, 'GET /api/v1/account after sign-in');
    const { privateKey, kid } = await openAdminPrivateKey(account.sealedAdminKey, wrapKey, sealContext(account.email));
    return { ok: true, account, adminPrivateKey: privateKey, adminKid: kid };
  }
}

// ---- what the browser makes -------------------------------------------------

export type TEnrollmentBody = { kdfSalt: string; kdfIterations: number; authKey: string; adminPublicJwk: JWK; sealedAdminKey: string };

export type NewAccount = {
  email: string;
  /** The `account` of /api/v1/invitations/accept; add `email` for /api/v1/setup. */
  body: TEnrollmentBody;
  adminPublicJwk: JWK;
  adminKid: string;
  /** Never sent: kept so a test can look for them where they must not be. */
  secrets: { passphrase: string; authKey: string; privateJwk: JWK };
};

/** A new account's enrollment material, made as the browser makes it (lib/crypto/account-material.ts). */
export async function newAccount(email: string, passphrase: string): Promise<NewAccount> {
  const material = await createAccountMaterial(email, passphrase);
  return {
    email,
    body: material.body,
    adminPublicJwk: material.adminPublicJwk,
    adminKid: material.adminPublicJwk.kid as string,
    secrets: { passphrase, authKey: material.body.authKey, privateJwk: material.privateJwk },
  };
}

export type TenantKeyMaterial = {
  /** The `tenantKeys` of /api/v1/invitations/accept for a tenant's first admin. */
  body: { encPublicJwk: JWK; sigPublicJwk: JWK; wrappedTenantKeys: string; recoveryKit?: string };
  encKid: string;
  sigKid: string;
  /** Never sent in clear. */
  privates: TTenantPrivateKeys;
  recoveryCode?: string;
};

/** The first admin's tenant keys, wrapped to their admin key — the browser's own createTenantKeyMaterial. */
export async function newTenantKeys(tenantId: string, adminPublicJwk: JWK, withRecoveryKit: boolean): Promise<TenantKeyMaterial> {
  const material = await createTenantKeyMaterial(tenantId, adminPublicJwk, withRecoveryKit);
  return { ...material, encKid: material.body.encPublicJwk.kid as string, sigKid: material.body.sigPublicJwk.kid as string };
}

/**
 * The raw bytes behind deriveAccountKeys (same PBKDF2 and HKDF steps, but
 * extractable), for tests only: to plant the master key and wrapKey as
 * canaries. A browser never exports them.
 */
export async function exportAccountSecrets(
  passphrase: string,
  salt: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<{ masterKey: Uint8Array; authKey: string; wrapKey: Uint8Array }> {
  const subtle = globalThis.crypto.subtle;
  const password = new TextEncoder().encode(passphrase.normalize('NFKC'));
  const pbkdf2 = await subtle.importKey('raw', password, 'PBKDF2', false, ['deriveBits']);
  const masterKey = new Uint8Array(
    await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: base64urlDecode(salt), iterations }, pbkdf2, 256),
  );
  const hkdfKey = await subtle.importKey('raw', masterKey, 'HKDF', false, ['deriveBits']);
  const hkdf = async (info: string) =>
    new Uint8Array(
      await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode(info) }, hkdfKey, 256),
    );
  return {
    masterKey,
    authKey: base64urlEncode(await hkdf('cmk-broker/v1/auth-key')),
    wrapKey: await hkdf('cmk-broker/v1/wrap-key'),
  };
}

/** The token of the newest invitation link (…/invite#<token>) in a mail body. */
export function inviteTokenFrom(body: string): string {
  const token = /\/invite#([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/.exec(body)?.[1];
  if (!token) throw new Error(`no invitation link in the mail:\n${body}`);
  return token;
}
