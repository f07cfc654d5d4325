// The OAuth half of the Google double: the token endpoint a service account
// signs in at with the JWT bearer grant (RFC 7523). It checks the assertion
// as Google does — RS256 signature against the public half of the key named
// by `kid` (any key of the account when absent), iss = a known service
// account, aud = this endpoint, at most one hour between iat and exp, not
// expired, and a scope the caller accepts (Cloud KMS's by default) — and
// issues opaque bearer tokens, noting their scopes, that the service half
// (Cloud KMS here, Cloud Logging in lib/testing/siem) accepts until they
// expire or a test revokes them.
import { randomBytes } from 'node:crypto';

import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

import { takeFault, type TGoogleAnswer, type TGoogleOAuthState } from './google-kms-double-state';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const KMS_SCOPES: ReadonlySet<string> = new Set(['https://www.googleapis.com/auth/cloudkms', 'https://www.googleapis.com/auth/cloud-platform']);
const SKEW_SECONDS = 300;

export type TTokenOutcome = TGoogleAnswer & { principal?: string };

const oauthError = (error: string, description: string, httpStatus = 400): TTokenOutcome => ({ httpStatus, body: { error, error_description: description } });
const BAD_TIME = 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

export async function handleToken(state: TGoogleOAuthState, body: Buffer, accepted: ReadonlySet<string> = KMS_SCOPES): Promise<TTokenOutcome> {
  const form = new URLSearchParams(body.toString('utf8'));
  if (form.get('grant_type') !== JWT_BEARER) return oauthError('unsupported_grant_type', `Invalid grant_type: ${form.get('grant_type') ?? ''}`);
  const assertion = form.get('assertion') ?? '';
  let claims: ReturnType<typeof decodeJwt>;
  let kid: string | undefined;
  try {
    claims = decodeJwt(assertion);
    kid = decodeProtectedHeader(assertion).kid;
  } catch {
    return oauthError('invalid_request', 'Invalid JWT: the assertion is not a JWT.');
  }
  const email = typeof claims.iss === 'string' ? claims.iss : '';
  const fault = takeFault(state, 'token');
  if (fault) return { ...oauthError(fault.oauthError ?? 'internal_failure', fault.description ?? 'Injected by the test.', fault.httpStatus), principal: email };
  const account = state.accounts.get(email);
  if (!account) return oauthError('invalid_grant', 'Invalid grant: account not found');
  const candidates = kid === undefined ? [...account.publicKeys.values()] : [account.publicKeys.get(kid)].filter((key) => key !== undefined);
  let verified = false;
  for (const publicKey of candidates) {
    try {
      await jwtVerify(assertion, publicKey, { algorithms: ['RS256'] });
      verified = true;
      break;
    } catch (error) {
      // A good signature on a stale assertion is a time problem, not a signature problem.
      if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') return { ...oauthError('invalid_grant', BAD_TIME), principal: email };
    }
  }
  if (!verified) return { ...oauthError('invalid_grant', 'Invalid JWT Signature.'), principal: email };
  const now = Math.floor(Date.now() / 1000);
  const { iat, exp, aud, scope } = claims as { iat?: number; exp?: number; aud?: unknown; scope?: unknown };
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || iat > now + SKEW_SECONDS || exp < now - SKEW_SECONDS) {
    return { ...oauthError('invalid_grant', BAD_TIME), principal: email };
  }
  if (aud !== state.tokenUrl) return { ...oauthError('invalid_grant', 'Invalid JWT: Failed audience check.'), principal: email };
  const scopes = typeof scope === 'string' ? scope.split(' ') : [];
  if (!scopes.some((s) => accepted.has(s))) return { ...oauthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.'), principal: email };

  const token = `ya29.${randomBytes(48).toString('base64url')}`;
  state.tokens.set(token, { email, expiresAt: Date.now() + state.tokenLifetimeSeconds * 1000, scopes });
  return { httpStatus: 200, body: { access_token: token, expires_in: state.tokenLifetimeSeconds, token_type: 'Bearer' }, principal: email };
}
