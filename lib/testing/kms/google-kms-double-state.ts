// The Google Cloud KMS double's world: service accounts with their RSA keys,
// the access tokens its token endpoint issued, crypto keys with versions (a
// rotated key keeps decrypting under its old versions), IAM members, the fault
// switches tests flip, the call log — and Google's error body. No I/O here.
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';

export type TVersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED' | 'DESTROY_SCHEDULED';

export type TDoubleKeyVersion = { id: number; state: TVersionState; material: Buffer };

export type TDoubleCryptoKey = {
  /** projects/…/locations/…/keyRings/…/cryptoKeys/… */
  name: string;
  purpose: 'ENCRYPT_DECRYPT' | 'ASYMMETRIC_SIGN';
  versions: TDoubleKeyVersion[];
  /** Version id encrypt uses. */
  primary: number;
  /** Service account emails with roles/cloudkms.cryptoKeyEncrypterDecrypter on the key. */
  members: Set<string>;
};

export type TDoubleServiceAccount = {
  email: string;
  /** The JSON key file, as Google issues it (token_uri is Google's: drivers reach the double through their token URL override). */
  keyFile: Record<string, string>;
};

export type TAccountRecord = { email: string; publicKeys: Map<string, KeyObject> };

export type TIssuedToken = { email: string; expiresAt: number; scopes?: string[] };

/** An answer the next calls get, whatever they ask. */
export type TGoogleFault = {
  service?: 'kms' | 'token';
  httpStatus: number;
  /** KMS: the google.rpc.Code name, e.g. UNAVAILABLE. */
  status?: string;
  /** KMS: an ErrorInfo reason, e.g. BILLING_DISABLED. */
  reason?: string;
  /** Token endpoint: the OAuth error, e.g. invalid_grant, with its description. */
  oauthError?: string;
  description?: string;
  message?: string;
  times?: number;
};

export type TGoogleDoubleCall = {
  service: 'kms' | 'token';
  operation: string;
  key?: string;
  version?: number;
  principal?: string;
  httpStatus: number;
  error?: string;
};

export type TGoogleDoubleState = {
  projectId: string;
  projectNumber: string;
  tokenUrl: string;
  tokenLifetimeSeconds: number;
  accounts: Map<string, TAccountRecord>;
  tokens: Map<string, TIssuedToken>;
  keys: Map<string, TDoubleCryptoKey>;
  rings: Set<string>;
  denied: Set<string>;
  throttle: number;
  /** Next n successful answers get one bit of their ciphertext or plaintext flipped, checksum unchanged (damage in transit). */
  tamper: number;
  delayMs: number;
  dropConnections: boolean;
  accountIssue: false | 'SERVICE_DISABLED' | 'BILLING_DISABLED';
  faults: TGoogleFault[];
  calls: TGoogleDoubleCall[];
};

/** What the OAuth half needs: accounts, issued tokens, the token URL assertions must name, and token faults. */
export type TGoogleOAuthState = Pick<TGoogleDoubleState, 'projectId' | 'tokenUrl' | 'tokenLifetimeSeconds' | 'accounts' | 'tokens' | 'faults'>;

export type TGoogleAnswer = { httpStatus: number; body: unknown };

/** HTTP status of each google.rpc.Code (google/rpc/code.proto). */
const HTTP_OF: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  DATA_LOSS: 500,
  UNKNOWN: 500,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** Google's JSON error (AIP-193): { error: { code, message, status, details: [ErrorInfo] } }. */
export function rpcError(status: string, message: string, info?: { reason: string; domain?: string; metadata?: Record<string, string> }, httpStatus?: number): TGoogleAnswer {
  const code = httpStatus ?? HTTP_OF[status] ?? 500;
  const details = info ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: info.reason, domain: info.domain ?? 'googleapis.com', metadata: info.metadata ?? {} }] : [];
  return { httpStatus: code, body: { error: { code, message, status, details } } };
}

/** A new RSA key and its JSON key file, as Google issues it (token_uri is Google's: drivers reach the double through their token URL override). */
export function makeServiceAccountKeyFile(projectId: string, name: string, clientNumber: number): { keyFile: Record<string, string>; kid: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(20).toString('hex');
  const keyFile = {
    type: 'service_account',
    project_id: projectId,
    private_key_id: kid,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    client_email: `${name}@${projectId}.iam.gserviceaccount.com`,
    client_id: String(100_000_000_000_000_000_000n + BigInt(clientNumber)),
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    universe_domain: 'googleapis.com',
  };
  return { keyFile, kid, publicKey };
}

export function newServiceAccount(state: Pick<TGoogleDoubleState, 'projectId' | 'accounts'>, name: string): TDoubleServiceAccount {
  const email = `${name}@${state.projectId}.iam.gserviceaccount.com`;
  const record = state.accounts.get(email) ?? { email, publicKeys: new Map() };
  const { keyFile, kid, publicKey } = makeServiceAccountKeyFile(state.projectId, name, state.accounts.size + (state.accounts.has(email) ? 0 : 1));
  record.publicKeys.set(kid, publicKey);
  state.accounts.set(email, record);
  return { email, keyFile };
}

/** Accepts an existing key file's key for its account (the demo's, made once at seeding). */
export function acceptServiceAccountKey(state: TGoogleDoubleState, keyFile: Record<string, string>): void {
  const email = keyFile.client_email ?? '';
  const record = state.accounts.get(email) ?? { email, publicKeys: new Map() };
  record.publicKeys.set(keyFile.private_key_id ?? '', createPublicKey(keyFile.private_key ?? ''));
  state.accounts.set(email, record);
}

export type TNewCryptoKey = { ring?: string; id?: string; location?: string; members?: string[]; purpose?: TDoubleCryptoKey['purpose']; material?: Uint8Array };

export function newCryptoKey(state: TGoogleDoubleState, opts: TNewCryptoKey = {}): TDoubleCryptoKey {
  const ring = `projects/${state.projectId}/locations/${opts.location ?? 'europe-west1'}/keyRings/${opts.ring ?? 'cmk'}`;
  const name = `${ring}/cryptoKeys/${opts.id ?? `key-${randomBytes(4).toString('hex')}`}`;
  const key: TDoubleCryptoKey = {
    name,
    purpose: opts.purpose ?? 'ENCRYPT_DECRYPT',
    versions: [{ id: 1, state: 'ENABLED', material: opts.material ? Buffer.from(opts.material) : randomBytes(32) }],
    primary: 1,
    members: new Set(opts.members ?? []),
  };
  state.rings.add(ring);
  state.keys.set(name, key);
  return key;
}

/** A new version, made primary: new ciphertexts use it, old ones still open under theirs. */
export function rotateKey(key: TDoubleCryptoKey): TDoubleKeyVersion {
  const version: TDoubleKeyVersion = { id: key.versions.length + 1, state: 'ENABLED', material: randomBytes(32) };
  key.versions.push(version);
  key.primary = version.id;
  return version;
}

/** 8 bytes naming the key inside its ciphertexts, so another key's ciphertext is told apart from a damaged one. */
export const keyTag = (name: string) => createHash('sha256').update(name).digest().subarray(0, 8);

export function takeFault(state: Pick<TGoogleDoubleState, 'faults'>, service: 'kms' | 'token'): TGoogleFault | undefined {
  const index = state.faults.findIndex((fault) => (fault.service ?? 'kms') === service);
  if (index < 0) return undefined;
  const fault = state.faults[index] as TGoogleFault;
  const times = fault.times ?? 1;
  if (times !== Infinity) {
    if (times <= 1) state.faults.splice(index, 1);
    else state.faults[index] = { ...fault, times: times - 1 };
  }
  return fault;
}
