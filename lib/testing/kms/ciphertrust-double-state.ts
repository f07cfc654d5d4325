// The CipherTrust Manager double's world: users (with their auth domain,
// connection and the domains they may work in), the JWTs and refresh tokens
// its token endpoint issued, AES keys with their versions, KMIP states and
// ACLs, the fault switches tests flip, and the call log. No I/O here.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';

export type TCtmKeyState = 'Pre-Active' | 'Active' | 'Deactivated' | 'Compromised' | 'Destroyed';

export type TCtmUser = { username: string; password: string; authDomain: string; connection: string; domains: string[] };

export type TCtmKey = {
  id: string;
  name: string;
  domain: string;
  state: TCtmKeyState;
  /** Key material per version; the last is the current one. */
  versions: Buffer[];
  /** User names allowed to use the key; undefined = every user signed in to its domain. */
  allow?: string[];
};

export type TCtmCall = {
  endpoint: 'auth' | 'encrypt' | 'decrypt' | 'versions' | 'other';
  grant?: string;
  user?: string;
  key?: string;
  version?: number;
  status: number;
  codeDesc?: string;
};

/** An error the next calls to `endpoint` (default: the crypto API) answer with, whatever they ask. */
export type TCtmFault = { endpoint?: 'auth' | 'crypto'; status: number; codeDesc?: string; message?: string; times?: number };

export type TCtmSessionToken = { jti: string; username: string; domain: string; expiresAt: number };

export type TCtmState = {
  users: Map<string, TCtmUser>;
  keys: Map<string, TCtmKey>;
  refreshTokens: Map<string, { username: string; domain: string; revoked: boolean }>;
  /** Issued JWT ids that are revoked (by revokeTokens) before they expire. */
  revokedJtis: Set<string>;
  issued: TCtmSessionToken[];
  tokenDurationSeconds: number;
  denied: Set<string>;
  throttle: number;
  delayMs: number;
  dropConnections: boolean;
  licenceIssue: boolean;
  faults: TCtmFault[];
  calls: TCtmCall[];
};

export type TCtmError = { status: number; body: { code: number; codeDesc: string; message: string } };

/** CipherTrust's error JSON: a numeric code, an NCERR… tag with its description, and a message. */
export function ctmError(status: number, codeDesc: string, message: string): TCtmError {
  return { status, body: { code: status, codeDesc, message } };
}

export function newUser(state: TCtmState, opts: Partial<TCtmUser> = {}): TCtmUser {
  const authDomain = opts.authDomain ?? 'root';
  const user = {
    username: opts.username ?? `user-${randomUUID().slice(0, 8)}`,
    password: opts.password ?? randomBytes(18).toString('base64url'),
    authDomain,
    connection: opts.connection ?? 'local_account',
    domains: opts.domains ?? [authDomain],
  };
  state.users.set(user.username, user);
  return user;
}

export type TNewCtmKey = { name?: string; domain?: string; state?: TCtmKeyState; allow?: string[]; material?: Uint8Array };

export function newKey(state: TCtmState, opts: TNewCtmKey = {}): TCtmKey {
  const key: TCtmKey = {
    id: randomUUID(),
    name: opts.name ?? `cmk-${randomUUID().slice(0, 8)}`,
    domain: opts.domain ?? 'root',
    state: opts.state ?? 'Active',
    versions: [opts.material ? Buffer.from(opts.material) : randomBytes(32)],
    ...(opts.allow ? { allow: [...opts.allow] } : {}),
  };
  state.keys.set(key.id, key);
  return key;
}

/** By id or name, as CipherTrust's `id` field takes either; only keys of the token's domain. */
export function findKey(state: TCtmState, ref: string, domain?: string): TCtmKey | undefined {
  for (const key of state.keys.values()) {
    if ((key.id === ref || key.name === ref) && (domain === undefined || key.domain === domain)) return key;
  }
  return undefined;
}

export function takeFault(state: TCtmState, endpoint: 'auth' | 'crypto'): TCtmFault | undefined {
  const index = state.faults.findIndex((fault) => (fault.endpoint ?? 'crypto') === endpoint);
  if (index < 0) return undefined;
  const fault = state.faults[index] as TCtmFault;
  const times = fault.times ?? 1;
  if (times !== Infinity) {
    if (times <= 1) state.faults.splice(index, 1);
    else state.faults[index] = { ...fault, times: times - 1 };
  }
  return fault;
}

/** AES-256-GCM with a 12-byte IV the double picks and a 16-byte tag, as CipherTrust answers. */
export function sealGcm(material: Buffer, plaintext: Buffer, aad: Buffer | undefined) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  if (aad) cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

export function openGcm(material: Buffer, sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }, aad: Buffer | undefined): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, sealed.iv, { authTagLength: sealed.tag.length });
    if (aad) decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
