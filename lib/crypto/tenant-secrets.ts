// Tenant secrets (issue 25; docs/tsp.md "Deterministic keys"): the rotation
// state of each secret a proxy derives deterministic keys from, as the tenant
// signs it inside its tenant state (`secrets`), and the rules every signer and
// checker of that state shares.
//
// A secret is 64 random bytes made in a proxy, wrapped by the tenant's primary
// KMS configuration with the tenant, `secretPath` and `tenantSecretId` bound in
// the KMS call, and stored at the broker as ciphertext. The broker can neither
// read it nor move it (the KMS refuses another binding); what it could still
// do — put an old secret back as current, flip a state, serve the loser of a
// creation race — the signed state below rules out:
// - A path the state does not list has one implicit secret, id 1, current.
// - A listed path has exactly one `current` entry, the path's highest id; the
//   others are `rotating` (still answered, `current: false`) or `archived`
//   (never answered again). Ids increase per path and are never reused.
// - `digest` pins one wrapped secret (secretDigest); every entry but a
//   current one that no proxy has made yet carries it.
import { base64urlDecode, base64urlEncode } from './encoding';
import { CryptoError, type TCryptoErrorCode } from './errors';
import { isConfigDigest } from './config-digest';
import { assertExactMembers, isJsonObject } from './json-object';

export type TSecretStatus = 'current' | 'rotating' | 'archived';

export type TTenantStateSecret = {
  secretPath: string;
  tenantSecretId: number;
  status: TSecretStatus;
  /** secretDigest of the wrapped secret this entry pins; absent only on a current entry not made yet. */
  digest?: string;
};

/** The deterministic field header carries the id as a u32; ids here stop at the int32 maximum, as kmsConfigIds do (the broker stores them as integer). */
export const MAX_TENANT_SECRET_ID = 2_147_483_647;
export const MAX_SECRET_PATH_LENGTH = 256;
/** Bounds on what one state may list, so that a hostile state cannot cost a proxy unbounded work. */
export const MAX_STATE_SECRETS = 5000;
export const MAX_SECRETS_PER_PATH = 100;

const MEMBERS = ['secretPath', 'tenantSecretId', 'status'] as const;
const MEMBERS_WITH_DIGEST = [...MEMBERS, 'digest'] as const;

export function isSecretPath(value: unknown): value is string {
  // Printable, no control characters: it is shown to admins and written into logs and KMS contexts.
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_SECRET_PATH_LENGTH && !/[\u0000-\u001f\u007f]/.test(value);
}

export function isTenantSecretId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= MAX_TENANT_SECRET_ID;
}

function readEntry(value: unknown, code: TCryptoErrorCode, what: string): TTenantStateSecret {
  if (!isJsonObject(value)) throw new CryptoError(code, `${what} must be an object.`);
  // An in-memory `digest: undefined` counts as absent; JSON has no undefined.
  assertExactMembers(value, Object.hasOwn(value, 'digest') ? MEMBERS_WITH_DIGEST : MEMBERS, code, what);
  const { secretPath, tenantSecretId, status, digest } = value;
  const fail = (message: string) => new CryptoError(code, `${what}: ${message}`);
  if (!isSecretPath(secretPath)) throw fail(`"secretPath" must be 1 to ${MAX_SECRET_PATH_LENGTH} printable characters.`);
  if (!isTenantSecretId(tenantSecretId)) throw fail(`"tenantSecretId" must be an integer from 1 to ${MAX_TENANT_SECRET_ID}.`);
  if (status !== 'current' && status !== 'rotating' && status !== 'archived') throw fail('"status" must be "current", "rotating" or "archived".');
  if (digest === undefined) {
    if (status !== 'current') throw fail('only a current secret not made yet may be listed without a digest.');
    return { secretPath, tenantSecretId, status };
  }
  if (!isConfigDigest(digest)) throw fail('"digest" must be a SHA-256 digest (43 base64url characters).');
  return { secretPath, tenantSecretId, status, digest };
}

/**
 * The `secrets` member of a tenant state, checked: each entry well formed,
 * (path, id) unique, exactly one current per path and it the path's highest id.
 * Returns a rebuilt copy, sorted by path then id.
 */
export function readStateSecrets(value: unknown, code: TCryptoErrorCode, what = 'Tenant state: secrets'): TTenantStateSecret[] {
  if (!Array.isArray(value)) throw new CryptoError(code, `${what} must be an array.`);
  if (value.length > MAX_STATE_SECRETS) throw new CryptoError(code, `${what}: at most ${MAX_STATE_SECRETS} secrets.`);
  const entries = value.map((v: unknown, i) => readEntry(v, code, `${what}[${i}]`));
  const byPath = new Map<string, TTenantStateSecret[]>();
  for (const entry of entries) {
    const list = byPath.get(entry.secretPath) ?? [];
    if (list.some((e) => e.tenantSecretId === entry.tenantSecretId)) {
      throw new CryptoError(code, `${what}: secret ${entry.tenantSecretId} of path "${entry.secretPath}" is listed twice.`);
    }
    list.push(entry);
    byPath.set(entry.secretPath, list);
  }
  for (const [path, list] of byPath) {
    if (list.length > MAX_SECRETS_PER_PATH) throw new CryptoError(code, `${what}: at most ${MAX_SECRETS_PER_PATH} secrets per path ("${path}").`);
    const current = list.filter((e) => e.status === 'current');
    if (current.length !== 1) throw new CryptoError(code, `${what}: path "${path}" must have exactly one current secret.`);
    const highest = Math.max(...list.map((e) => e.tenantSecretId));
    if (current[0]!.tenantSecretId !== highest) throw new CryptoError(code, `${what}: the current secret of path "${path}" must be its newest (id ${highest}).`);
  }
  return sortSecrets(entries);
}

export function sortSecrets(entries: readonly TTenantStateSecret[]): TTenantStateSecret[] {
  return [...entries].sort((a, b) => (a.secretPath < b.secretPath ? -1 : a.secretPath > b.secretPath ? 1 : a.tenantSecretId - b.tenantSecretId));
}

/** What the state says a path has: its listed entries, or the implicit secret 1, current and not pinned. */
export function secretsOfPath(secrets: readonly TTenantStateSecret[] | undefined, secretPath: string): TTenantStateSecret[] {
  const listed = (secrets ?? []).filter((s) => s.secretPath === secretPath);
  return listed.length ? listed : [{ secretPath, tenantSecretId: 1, status: 'current' }];
}

/**
 * Refuses a next `secrets` list that the tenant's own rules forbid, given the
 * previous one (both already read): an entry disappears, an archived secret
 * comes back, a rotating one becomes current again, a pinned digest changes,
 * or a new id is not above every id the path had. A newly listed path may
 * start anywhere at 1 (its implicit secret) and up. Throws 'invalid_input'.
 */
export function checkSecretsTransition(previous: readonly TTenantStateSecret[] | undefined, next: readonly TTenantStateSecret[] | undefined): void {
  const before = previous ?? [];
  const after = next ?? [];
  const fail = (message: string) => new CryptoError('invalid_input', `Tenant state: secrets: ${message}`);
  const rank: Record<TSecretStatus, number> = { current: 0, rotating: 1, archived: 2 };
  for (const old of before) {
    const now = after.find((s) => s.secretPath === old.secretPath && s.tenantSecretId === old.tenantSecretId);
    const name = `secret ${old.tenantSecretId} of path "${old.secretPath}"`;
    if (!now) throw fail(`${name} was dropped; an old secret stays listed (archived) so that its id is never reused.`);
    if (rank[now.status] < rank[old.status]) throw fail(`${name} cannot go from ${old.status} back to ${now.status}.`);
    if (old.digest !== undefined && now.digest !== old.digest) throw fail(`${name} is pinned to another wrapped secret than before.`);
  }
  for (const entry of after) {
    if (before.some((s) => s.secretPath === entry.secretPath && s.tenantSecretId === entry.tenantSecretId)) continue;
    const listedBefore = before.filter((s) => s.secretPath === entry.secretPath);
    if (listedBefore.length === 0) continue;
    const highest = Math.max(...listedBefore.map((s) => s.tenantSecretId));
    if (entry.tenantSecretId <= highest) throw fail(`secret ${entry.tenantSecretId} of path "${entry.secretPath}" reuses an id at or below ${highest}.`);
  }
}

/** base64url(SHA-256(ASCII(kmsConfigId "." wrapped))): pins one wrapped secret and the configuration that wrapped it. */
export async function secretDigest(kmsConfigId: number, wrapped: string): Promise<string> {
  base64urlDecode(wrapped);
  const input = `${kmsConfigId}.${wrapped}`;
  const bytes = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) bytes[i] = input.charCodeAt(i);
  return base64urlEncode(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)));
}

/**
 * The next `secrets` list after a rotation of `secretPath`: the current secret
 * (made and pinned by `digest`) becomes rotating, and a new current one, not
 * made yet, takes the next id.
 */
export function rotateSecret(secrets: readonly TTenantStateSecret[] | undefined, secretPath: string, pins: ReadonlyMap<number, string>): TTenantStateSecret[] {
  const path = secretsOfPath(secrets, secretPath).map((s) => ({ ...s, digest: s.digest ?? pins.get(s.tenantSecretId) }));
  const current = path.find((s) => s.status === 'current')!;
  if (current.digest === undefined) throw new CryptoError('invalid_input', `No proxy has made secret ${current.tenantSecretId} of "${secretPath}" yet: there is nothing to rotate.`);
  const nextId = Math.max(...path.map((s) => s.tenantSecretId)) + 1;
  if (nextId > MAX_TENANT_SECRET_ID) throw new CryptoError('invalid_input', `Path "${secretPath}" has used every secret id.`);
  const rest = (secrets ?? []).filter((s) => s.secretPath !== secretPath);
  const edited = path.map((s) => (s.tenantSecretId === current.tenantSecretId ? { ...s, status: 'rotating' as const } : s));
  return sortSecrets([...rest, ...edited.map(dropUndefinedDigest), { secretPath, tenantSecretId: nextId, status: 'current' }]);
}

/** The next `secrets` list with one old (rotating) secret archived: never answered again. */
export function archiveSecret(secrets: readonly TTenantStateSecret[] | undefined, secretPath: string, tenantSecretId: number): TTenantStateSecret[] {
  const list = [...(secrets ?? [])];
  const index = list.findIndex((s) => s.secretPath === secretPath && s.tenantSecretId === tenantSecretId);
  if (index < 0) throw new CryptoError('invalid_input', `Secret ${tenantSecretId} of "${secretPath}" is not listed.`);
  if (list[index]!.status !== 'rotating') throw new CryptoError('invalid_input', 'Only a secret in rotation can be archived: rotate first, so that the path keeps a current secret.');
  list[index] = { ...list[index]!, status: 'archived' };
  return sortSecrets(list);
}

function dropUndefinedDigest(s: TTenantStateSecret): TTenantStateSecret {
  return s.digest === undefined ? { secretPath: s.secretPath, tenantSecretId: s.tenantSecretId, status: s.status } : s;
}
