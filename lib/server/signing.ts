import 'server-only';
// The broker's ES256 signing keys (PROTOCOL.md "Keys" 1). The private JWK is
// stored encrypted at rest under the server key, bound to its kid. Exactly one
// key is active; rotation makes a new key, announces it with a
// cmk-key-rotation+jws statement signed by the current key, and keeps the old
// key published until every bundle it may have signed has expired.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { MAX_BUNDLE_LIFETIME_SECONDS } from '@/lib/crypto/bundle';
import { signKeyRotation } from '@/lib/crypto/key-rotation';
import { decryptAtRest, encryptAtRest } from '@/lib/server/at-rest';
import { recordAudit, SYSTEM_ACTOR, type AuditOptions } from '@/lib/server/audit/record';
import { getPrisma } from '@/lib/server/db';
import {
  findActiveSigningKey,
  listKeyRotations,
  listPublishedSigningKeys,
  lockSigningKeys,
  retireExpiredSigningKeys,
} from '@/lib/server/dal/signing-keys';
import { getServerSecrets } from '@/lib/server/secrets';

export type ActiveSigningKey = { kid: string; key: CryptoKey; publicJwk: JWK };

/** How long an instance may keep using a cached key after another instance rotated it. */
const CACHE_MS = 60_000;
/** A superseded key stays published for the longest bundle lifetime plus the cache time, with a margin. */
export const RETIRE_AFTER_MS = (MAX_BUNDLE_LIFETIME_SECONDS + 120) * 1000 + CACHE_MS;

const context = (kid: string) => `broker-signing-key:${kid}`;

async function generateKeyPair(): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK;
  const { kty, crv, x, y } = privateJwk;
  const kid = await calculateJwkThumbprint({ kty, crv, x, y } as JWK, 'sha256');
  return { kid, publicJwk: { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }, privateJwk: { ...privateJwk, kid } };
}

async function importPrivate(sealed: string, kid: string): Promise<CryptoKey> {
  const jwk = JSON.parse(decryptAtRest(sealed, getServerSecrets().keyEncryptionKey, context(kid))) as JsonWebKey;
  // Not extractable: once imported, the private key cannot be read back out of this process's key object.
  return crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

const CACHE = Symbol.for('cmk-broker.signing-key');
type GlobalWithKey = typeof globalThis & { [CACHE]?: { loadedAt: number; key: Promise<ActiveSigningKey> } };

async function loadOrCreateActiveKey(): Promise<ActiveSigningKey> {
  const db = await getPrisma();
  const existing = await findActiveSigningKey(db);
  if (existing) return { kid: existing.kid, key: await importPrivate(existing.privateSealed, existing.kid), publicJwk: existing.publicJwk as JWK };
  const created = await db.$transaction(async (tx) => {
    await lockSigningKeys(tx);
    const raced = await findActiveSigningKey(tx);
    if (raced) return raced;
    const pair = await generateKeyPair();
    return tx.brokerSigningKey.create({
      data: {
        kid: pair.kid,
        publicJwk: pair.publicJwk as object,
        privateSealed: encryptAtRest(JSON.stringify(pair.privateJwk), getServerSecrets().keyEncryptionKey, context(pair.kid)),
        activatedAt: new Date(),
      },
    });
  });
  return { kid: created.kid, key: await importPrivate(created.privateSealed, created.kid), publicJwk: created.publicJwk as JWK };
}

/** The key bundles are signed with now (created on first use). */
export function getActiveSigningKey(): Promise<ActiveSigningKey> {
  const g = globalThis as GlobalWithKey;
  const cached = g[CACHE];
  if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached.key;
  const key = loadOrCreateActiveKey();
  g[CACHE] = { loadedAt: Date.now(), key };
  key.catch(() => {
    if (g[CACHE]?.key === key) delete g[CACHE];
  });
  return key;
}

/** GET /.well-known/jwks.json: every key a valid bundle may be signed with. */
export async function publishedJwks(): Promise<{ keys: JWK[] }> {
  await getActiveSigningKey();
  const keys = await listPublishedSigningKeys(await getPrisma(), new Date());
  return { keys: keys.map((k) => k.publicJwk as JWK) };
}

/** GET /.well-known/cmk-key-rotations.json: the statements, oldest first. */
export async function keyRotationStatements(): Promise<{ rotations: string[] }> {
  const rows = await listKeyRotations(await getPrisma());
  return { rotations: rows.map((r) => r.jws) };
}

export type RotationResult = { previousKid: string; nextKid: string; previousRetiresAfter: Date; retired: number };

/** Makes a new active key, signs its announcement with the current one, and schedules the current one's retirement. */
export async function rotateSigningKey(now = new Date(), audit?: AuditOptions): Promise<RotationResult> {
  const current = await getActiveSigningKey();
  const db = await getPrisma();
  const pair = await generateKeyPair();
  const statement = await signKeyRotation({ subject: 'broker', next: pair.publicJwk }, current.key, current.kid);
  const retireAfter = new Date(now.getTime() + RETIRE_AFTER_MS);
  const result = await db.$transaction(async (tx) => {
    await lockSigningKeys(tx);
    const active = await findActiveSigningKey(tx);
    if (active?.kid !== current.kid) throw new Error('The signing key was rotated elsewhere a moment ago; run the command again.');
    await tx.brokerSigningKey.update({ where: { kid: current.kid }, data: { supersededAt: now, retireAfter } });
    await tx.brokerSigningKey.create({
      data: {
        kid: pair.kid,
        publicJwk: pair.publicJwk as object,
        privateSealed: encryptAtRest(JSON.stringify(pair.privateJwk), getServerSecrets().keyEncryptionKey, context(pair.kid)),
        activatedAt: now,
      },
    });
    await tx.brokerKeyRotation.create({ data: { id: `rot_${randomBytes(12).toString('base64url')}`, previousKid: current.kid, nextKid: pair.kid, jws: statement } });
    const retired = await retireExpiredSigningKeys(tx, now);
    await recordAudit(tx, {
      actor: audit?.actor ?? SYSTEM_ACTOR,
      action: 'signing_key.rotate',
      target: { type: 'signing_key', id: pair.kid },
      details: { previousKid: current.kid, nextKid: pair.kid, retireAfter: retireAfter.toISOString(), retired: retired.count },
      context: audit?.context,
    });
    return retired;
  });
  delete (globalThis as GlobalWithKey)[CACHE];
  return { previousKid: current.kid, nextKid: pair.kid, previousRetiresAfter: retireAfter, retired: result.count };
}
