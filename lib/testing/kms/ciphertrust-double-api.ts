// The CipherTrust Manager double's API: the token endpoint (password and
// refresh_token grants → { jwt, duration, token_type, refresh_token }) and
// the crypto endpoints (encrypt/decrypt in GCM with AAD and key versions),
// plus key rotation (POST /api/v1/vault/keys2/{id}/versions). JWTs are HS256,
// signed with the double's own secret and checked on every crypto call.
import { randomBytes, randomUUID } from 'node:crypto';

import { jwtVerify, SignJWT } from 'jose';

import { ctmError, findKey, openGcm, sealGcm, takeFault, type TCtmCall, type TCtmError, type TCtmKey, type TCtmState } from './ciphertrust-double-state';

export type TCtmAnswer = { status: number; body: unknown; call: Omit<TCtmCall, 'status' | 'codeDesc'> };

type TCaller = { username: string; domain: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const fromB64 = (value: unknown) => (typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

const asAnswer = (error: TCtmError, call: TCtmAnswer['call']): TCtmAnswer => ({ status: error.status, body: error.body, call });
const unauthorized = (message: string) => ctmError(401, 'NCERRUnauthorized: Unauthorized', message);

export function createCtmApi(state: TCtmState) {
  const secret = randomBytes(32);

  async function issue(username: string, domain: string, withRefresh: boolean) {
    const jti = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = Date.now() + state.tokenDurationSeconds * 1000;
    const jwt = await new SignJWT({ dom: domain, preferred_username: username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('kylo')
      .setSubject(`local|${username}`)
      .setJti(jti)
      .setIssuedAt(now)
      .setExpirationTime(Math.floor(expiresAt / 1000) + 1)
      .sign(secret);
    state.issued.push({ jti, username, domain, expiresAt });
    const answer: Record<string, unknown> = { jwt, duration: state.tokenDurationSeconds, token_type: 'Bearer', client_id: randomUUID() };
    if (withRefresh) {
      const refreshToken = randomBytes(36).toString('base64url');
      state.refreshTokens.set(refreshToken, { username, domain, revoked: false });
      Object.assign(answer, { refresh_token: refreshToken, refresh_token_id: randomUUID() });
    }
    return answer;
  }

  async function token(body: Record<string, unknown>): Promise<TCtmAnswer> {
    const grant = text(body.grant_type) ?? '';
    const call = { endpoint: 'auth' as const, grant };
    const fault = takeFault(state, 'auth');
    if (fault) return asAnswer(ctmError(fault.status, fault.codeDesc ?? 'NCERRInternal', fault.message ?? ''), call);
    if (state.throttle > 0) {
      state.throttle -= 1;
      return asAnswer(ctmError(429, 'NCERRTooManyRequests: Too many requests', 'Rate limit exceeded'), call);
    }
    if (grant === 'refresh_token') {
      const held = state.refreshTokens.get(text(body.refresh_token) ?? '');
      if (!held || held.revoked) return asAnswer(unauthorized('Invalid refresh token'), call);
      const domain = text(body.domain) ?? held.domain;
      const user = state.users.get(held.username);
      if (!user?.domains.includes(domain)) return asAnswer(unauthorized('Invalid domain'), { ...call, user: held.username });
      return { status: 200, body: await issue(held.username, domain, false), call: { ...call, user: held.username } };
    }
    if (grant !== 'password') return asAnswer(ctmError(400, 'NCERRInvalidParamValue: Invalid parameter value', 'Unsupported grant_type'), call);
    const user = state.users.get(text(body.username) ?? '');
    const authDomain = text(body.auth_domain) ?? 'root';
    const connection = text(body.connection) ?? 'local_account';
    // One answer for every mismatch, as an identity service should: no hint which part was wrong.
    if (!user || user.password !== body.password || user.authDomain !== authDomain || user.connection !== connection) {
      return asAnswer(unauthorized('Invalid user credentials'), { ...call, ...(user ? { user: user.username } : {}) });
    }
    const domain = text(body.domain) ?? user.authDomain;
    if (!user.domains.includes(domain)) return asAnswer(unauthorized('Invalid domain'), { ...call, user: user.username });
    return { status: 200, body: await issue(user.username, domain, true), call: { ...call, user: user.username } };
  }

  async function callerOf(authorization: string | undefined): Promise<TCaller | TCtmError> {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!bearer) return unauthorized('Missing authorization header');
    try {
      const { payload } = await jwtVerify(bearer, secret, { issuer: 'kylo', algorithms: ['HS256'] });
      const issued = state.issued.find((entry) => entry.jti === payload.jti);
      if (!issued || state.revokedJtis.has(issued.jti) || issued.expiresAt <= Date.now()) return unauthorized('Token is expired or revoked');
      return { username: issued.username, domain: issued.domain };
    } catch {
      return unauthorized('Invalid token');
    }
  }

  function usable(key: TCtmKey, caller: TCaller, operation: 'encrypt' | 'decrypt'): TCtmError | undefined {
    if (state.denied.has(caller.username) || (key.allow && !key.allow.includes(caller.username))) {
      return ctmError(403, 'NCERRPermissionDenied: User is not authorized to perform this action', 'Permission denied');
    }
    // KMIP: only an Active key protects; Deactivated and Compromised keys still process (decrypt).
    const allowed = operation === 'encrypt' ? ['Active'] : ['Active', 'Deactivated', 'Compromised'];
    if (!allowed.includes(key.state)) return ctmError(422, 'NCERRInvalidKeyState: Key state does not allow this operation', `Key is ${key.state.toLowerCase()}`);
    return undefined;
  }

  async function crypto(operation: 'encrypt' | 'decrypt' | 'versions', keyRef: string | undefined, body: Record<string, unknown>, authorization: string | undefined): Promise<TCtmAnswer> {
    const call: TCtmAnswer['call'] = { endpoint: operation, ...(keyRef ? { key: keyRef } : {}) };
    const caller = await callerOf(authorization);
    if ('status' in caller) return asAnswer(caller, call);
    call.user = caller.username;
    if (state.licenceIssue) return asAnswer(ctmError(403, 'NCERRLicenseExpired: License has expired', 'No valid license for this feature'), call);
    const fault = takeFault(state, 'crypto');
    if (fault) return asAnswer(ctmError(fault.status, fault.codeDesc ?? 'NCERRInternal', fault.message ?? ''), call);
    if (state.throttle > 0) {
      state.throttle -= 1;
      return asAnswer(ctmError(429, 'NCERRTooManyRequests: Too many requests', 'Rate limit exceeded'), call);
    }
    const key = keyRef === undefined ? undefined : findKey(state, keyRef, caller.domain);
    if (!key) return asAnswer(ctmError(404, 'NCERRResourceNotFound: Resource not found', 'Key not found'), call);
    if (operation === 'versions') {
      key.versions.push(randomBytes(32));
      return { status: 201, body: { id: key.id, name: key.name, version: key.versions.length - 1 }, call };
    }
    const refusal = usable(key, caller, operation);
    if (refusal) return asAnswer(refusal, call);
    if (text(body.mode)?.toLowerCase() !== 'gcm') return asAnswer(ctmError(400, 'NCERRInvalidParamValue: Invalid parameter value', 'The double only speaks mode gcm'), call);
    const version = body.version === undefined ? key.versions.length - 1 : body.version;
    const material = typeof version === 'number' && Number.isInteger(version) ? key.versions[version] : undefined;
    call.version = typeof version === 'number' ? version : undefined;
    if (!material) return asAnswer(ctmError(404, 'NCERRResourceNotFound: Resource not found', 'Key version not found'), call);
    const aad = body.aad === undefined ? undefined : fromB64(body.aad);
    const bad = () => asAnswer(ctmError(400, 'NCERRInvalidParamValue: Invalid parameter value', 'Invalid base64 input'), call);
    if (body.aad !== undefined && !aad) return bad();
    if (operation === 'encrypt') {
      const plaintext = fromB64(body.plaintext);
      if (!plaintext?.length || plaintext.length > 64 * 1024) return bad();
      const sealed = sealGcm(material, plaintext, aad);
      const reply = { id: key.id, version, mode: 'gcm', ciphertext: sealed.ciphertext.toString('base64'), tag: sealed.tag.toString('base64'), iv: sealed.iv.toString('base64') };
      return { status: 200, body: aad ? { ...reply, aad: body.aad } : reply, call };
    }
    const [ciphertext, tag, iv] = [fromB64(body.ciphertext), fromB64(body.tag), fromB64(body.iv)];
    if (!ciphertext || !tag || !iv || tag.length < 12 || tag.length > 16 || iv.length < 8) return bad();
    const plaintext = openGcm(material, { ciphertext, tag, iv }, aad);
    if (!plaintext) return asAnswer(ctmError(400, 'NCERRCryptoError: Cryptographic operation failed', 'cipher: message authentication failed'), call);
    return { status: 200, body: { id: key.id, version, plaintext: plaintext.toString('base64') }, call };
  }

  return { token, crypto };
}
