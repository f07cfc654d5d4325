// The Microsoft Entra ID (Azure AD) half of the Azure Key Vault double: the
// v2.0 OpenID metadata and token endpoint that @azure/identity's MSAL client
// uses for the client-credentials grant, with a client secret or with a signed
// client assertion (certificate credential). It checks the secret, or the
// assertion's signature against the app's registered certificate and its
// aud/iss/sub/exp, and issues opaque bearer tokens for the requested resource.
// Errors have Entra's OAuth shape: { error, error_description: "AADSTS…", error_codes }.
// Sources: learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
// …/certificate-credentials, …/reference-error-codes.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';

/** `certificatePem` is what the app registration lists (public); `credentialPem` is that certificate and its key, for the configuration. */
export type TAzureApp = { directoryId: string; clientId: string; clientSecret?: string; certificatePem?: string; credentialPem?: string };

/** A self-signed RSA certificate and its key, as an app registration's certificate credential (made with the openssl CLI). */
export function makeAppCertificate(): { certificatePem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cmk-azure-app-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'app.key', '-out', 'app.crt', '-days', '7', '-subj', '/CN=cmk-tsp test app'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return { certificatePem: readFileSync(join(dir, 'app.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'app.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
export type TAzureToken = { clientId: string; directoryId: string; resource: string; expiresAt: number };

export type TAadState = {
  directories: Set<string>;
  apps: Map<string, TAzureApp>;
  tokens: Map<string, TAzureToken>;
  tokenLifetimeSeconds: number;
};

export type TJsonAnswer = { status: number; body: unknown; headers?: Record<string, string> };

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function aadError(status: number, error: string, code: number, description: string): TJsonAnswer {
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${randomBytes(8).toString('hex')}`,
      error_codes: [code],
      timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19) + 'Z',
    },
  };
}

/** GET {authority}/{directory}/v2.0/.well-known/openid-configuration: what MSAL resolves the authority with. */
export function openIdConfiguration(state: TAadState, base: string, directoryId: string): TJsonAnswer {
  if (!state.directories.has(directoryId)) return aadError(400, 'invalid_tenant', 90002, `Tenant '${directoryId}' not found.`);
  const root = `${base}/${directoryId}`;
  return {
    status: 200,
    body: {
      issuer: `${root}/v2.0`,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      token_endpoint: `${root}/oauth2/v2.0/token`,
      end_session_endpoint: `${root}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/${directoryId}/discovery/v2.0/keys`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      tenant_region_scope: 'EU',
    },
  };
}

async function assertionProblem(app: TAzureApp, assertion: string, tokenEndpoint: string): Promise<string | undefined> {
  if (!app.certificatePem) return 'no certificate is registered for the application';
  try {
    const header = decodeProtectedHeader(assertion);
    const alg = header.alg === 'PS256' || header.alg === 'RS256' ? header.alg : undefined;
    if (!alg) return 'the assertion must be signed with RS256 or PS256';
    const der = new X509Certificate(app.certificatePem).raw;
    const x5t = createHash('sha1').update(der).digest('base64url');
    const x5tS256 = createHash('sha256').update(der).digest('base64url');
    if (header.x5t !== x5t && header['x5t#S256'] !== x5tS256) return 'the assertion names a certificate that is not registered';
    await jwtVerify(assertion, await importX509(app.certificatePem, alg), {
      audience: tokenEndpoint,
      issuer: app.clientId,
      subject: app.clientId,
      maxTokenAge: '10m',
      // MSAL rounds nbf/iat to the nearest second, so they may be up to half a second ahead.
      clockTolerance: 5,
    });
    return undefined;
  } catch {
    return 'the assertion signature or its claims are invalid';
  }
}

/** POST {authority}/{directory}/oauth2/v2.0/token with grant_type=client_credentials. */
export async function issueToken(state: TAadState, base: string, directoryId: string, form: URLSearchParams): Promise<TJsonAnswer> {
  if (!state.directories.has(directoryId)) return aadError(400, 'invalid_tenant', 90002, `Tenant '${directoryId}' not found.`);
  if (form.get('grant_type') !== 'client_credentials') return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
  const clientId = form.get('client_id') ?? '';
  const app = state.apps.get(clientId);
  if (!app || app.directoryId !== directoryId) {
    return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${directoryId}'.`);
  }
  const scope = form.get('scope') ?? '';
  if (!scope.endsWith('/.default')) return aadError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid; client credential flows must have a scope value with /.default.');
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (app.clientSecret === undefined || secret !== app.clientSecret) return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  } else if (assertion !== null && form.get('client_assertion_type') === ASSERTION_TYPE) {
    const problem = await assertionProblem(app, assertion, `${base}/${directoryId}/oauth2/v2.0/token`);
    if (problem) return aadError(401, 'invalid_client', 700027, `Client assertion failed signature validation: ${problem}.`);
  } else {
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the parameter 'client_assertion' or 'client_secret'.");
  }
  const accessToken = randomBytes(32).toString('base64url');
  const resource = scope.slice(0, -'/.default'.length);
  state.tokens.set(accessToken, { clientId, directoryId, resource, expiresAt: Date.now() + state.tokenLifetimeSeconds * 1000 });
  return {
    status: 200,
    body: { token_type: 'Bearer', expires_in: state.tokenLifetimeSeconds, ext_expires_in: state.tokenLifetimeSeconds, access_token: accessToken },
  };
}
