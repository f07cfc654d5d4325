// The AWS double's world: IAM users, roles, the temporary credentials its STS
// issued, KMS keys with their policies and states, the fault switches tests
// flip, and the call log. Shared by the KMS and STS handlers; no I/O here.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export type TDoubleUser = { name: string; arn: string; accessKeyId: string; secretAccessKey: string };

export type TDoubleRole = {
  roleArn: string;
  externalId: string;
  /** Access key ids allowed by the role's trust policy to assume it. */
  trusted: string[];
};

export type TDoubleSession = {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
  roleArn: string;
  sessionArn: string;
};

export type TKeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY';
export type TKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export type TDoubleKey = {
  keyId: string;
  keyArn: string;
  aliasArn?: string;
  usage: TKeyUsage;
  state: TKeyState;
  material: Buffer;
  /** Principals (user access key ids, role ARNs) the key policy allows; undefined = every principal of the account. */
  allow?: string[];
};

/** An error the next calls answer with, whatever they ask. */
export type TDoubleFault = { service?: 'kms' | 'sts'; type: string; status: number; message?: string; times?: number };

export type TDoubleCall = {
  service: 'kms' | 'sts';
  /** KMS operation (Encrypt, Decrypt…) or STS action (AssumeRole). */
  target: string;
  keyId?: string;
  /** The caller's policy principal: an IAM user's access key id, or the assumed role's ARN. */
  principal?: string;
  status: number;
  error?: string;
};

/** Who signed a request, once the signature checked out. */
export type TCaller = { accessKeyId: string; principal: string; arn: string; kind: 'user' | 'session' };

export type TDoubleState = {
  region: string;
  accountId: string;
  sessionDurationSeconds?: number;
  users: Map<string, TDoubleUser>;
  roles: Map<string, TDoubleRole>;
  sessions: Map<string, TDoubleSession>;
  keys: Map<string, TDoubleKey>;
  aliases: Map<string, string>;
  denied: Set<string>;
  throttle: number;
  delayMs: number;
  dropConnections: boolean;
  accountIssue: boolean;
  faults: TDoubleFault[];
  calls: TDoubleCall[];
};

const UPPER_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+';

const randomFrom = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** AKIA… for IAM users, ASIA… for temporary credentials: 4 + 16 capital letters or digits. */
export const newAccessKeyId = (prefix: 'AKIA' | 'ASIA') => prefix + randomFrom(UPPER_DIGITS, 16);
export const newSecretAccessKey = () => randomFrom(SECRET_CHARS, 40);
export const newSessionToken = () => randomBytes(180).toString('base64');

export function newUser(state: TDoubleState, opts: Partial<TDoubleUser> = {}): TDoubleUser {
  const name = opts.name ?? `user-${randomFrom(UPPER_DIGITS, 6).toLowerCase()}`;
  const user = {
    name,
    arn: opts.arn ?? `arn:aws:iam::${state.accountId}:user/${name}`,
    accessKeyId: opts.accessKeyId ?? newAccessKeyId('AKIA'),
    secretAccessKey: opts.secretAccessKey ?? newSecretAccessKey(),
  };
  state.users.set(user.accessKeyId, user);
  return user;
}

export function newRole(state: TDoubleState, opts: { roleArn?: string; externalId?: string; trusted?: string[] }): TDoubleRole {
  const role = {
    roleArn: opts.roleArn ?? `arn:aws:iam::${state.accountId}:role/cmk-key-proxy-${randomFrom(UPPER_DIGITS, 6).toLowerCase()}`,
    externalId: opts.externalId ?? `ext-${randomUUID()}`,
    trusted: [...(opts.trusted ?? [])],
  };
  state.roles.set(role.roleArn, role);
  return role;
}

/** `material`: a key kept across restarts (the demo's double); random otherwise. */
export type TNewKeyOptions = { keyId?: string; alias?: string; usage?: TKeyUsage; state?: TKeyState; allow?: string[]; material?: Uint8Array };

export function newKey(state: TDoubleState, opts: TNewKeyOptions = {}): TDoubleKey {
  const keyId = opts.keyId ?? randomUUID();
  const prefix = `arn:aws:kms:${state.region}:${state.accountId}`;
  const key: TDoubleKey = {
    keyId,
    keyArn: `${prefix}:key/${keyId}`,
    usage: opts.usage ?? 'ENCRYPT_DECRYPT',
    state: opts.state ?? 'Enabled',
    material: opts.material ? Buffer.from(opts.material) : randomBytes(32),
    ...(opts.allow ? { allow: [...opts.allow] } : {}),
  };
  if (opts.alias !== undefined) {
    key.aliasArn = `${prefix}:alias/${opts.alias}`;
    state.aliases.set(`alias/${opts.alias}`, keyId);
  }
  state.keys.set(keyId, key);
  return key;
}

/** A key by id, key ARN, alias name or alias ARN, as KMS accepts them; only this account and region. */
export function resolveKey(state: TDoubleState, keyRef: string): TDoubleKey | undefined {
  const prefix = `arn:aws:kms:${state.region}:${state.accountId}:`;
  const local = keyRef.startsWith(prefix) ? keyRef.slice(prefix.length) : keyRef.startsWith('arn:') ? undefined : keyRef;
  if (local === undefined) return undefined;
  if (local.startsWith('alias/')) {
    const keyId = state.aliases.get(local);
    return keyId === undefined ? undefined : state.keys.get(keyId);
  }
  return state.keys.get(local.startsWith('key/') ? local.slice(4) : local);
}

export function takeFault(state: TDoubleState, service: 'kms' | 'sts'): TDoubleFault | undefined {
  const index = state.faults.findIndex((fault) => (fault.service ?? 'kms') === service);
  if (index < 0) return undefined;
  const fault = state.faults[index] as TDoubleFault;
  const times = fault.times ?? 1;
  if (times !== Infinity) {
    if (times <= 1) state.faults.splice(index, 1);
    else state.faults[index] = { ...fault, times: times - 1 };
  }
  return fault;
}

/** The caller behind an access key the signature check accepted. */
export function callerOf(state: TDoubleState, accessKeyId: string): TCaller | undefined {
  const user = state.users.get(accessKeyId);
  if (user) return { accessKeyId, principal: accessKeyId, arn: user.arn, kind: 'user' };
  const session = state.sessions.get(accessKeyId);
  if (session) return { accessKeyId, principal: session.roleArn, arn: session.sessionArn, kind: 'session' };
  return undefined;
}
