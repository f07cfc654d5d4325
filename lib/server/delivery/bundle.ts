import 'server-only';
// Builds one page of a deployment's bundle (PROTOCOL.md "Proxy API") from
// stored signed material: each tenant's signing key, latest signed state and
// the latest sealed versions it lists, narrowed to this deployment's recipient
// entry, and — for deployments the tenant approved — its wrapped secrets (KMS
// ciphertext; the member is left out when there are none). Nothing per tenant
// is signed here; only the page itself is signed, once, with the broker key.
import type { JWK } from 'jose';
import { MAX_BUNDLE_LIFETIME_SECONDS, signBundleJson, type TBundleConfig, type TBundleSecret, type TBundleTenant } from '@/lib/crypto/bundle';
import type { TFlattenedJwe, TGeneralJwe } from '@/lib/crypto/jwe-types';
import type { PrismaClient } from '@/lib/generated/prisma/client';
import { environmentSeq, keyRotationsOf, latestStates, latestVersions, tenantSecretsOf, tenantsPageByName, tenantsPageBySeq } from '@/lib/server/dal/delivery';
import { getActiveSigningKey } from '@/lib/server/signing';
import { decodeCursor, encodeCursor, type Cursor } from './cursor';
import { getDeliveryHub } from './hub';

/** Tenants per page; a full sync of 10 000 tenants is 40 requests. */
export const PAGE_TENANTS = 250;
/** A page also stops before this many bytes of tenants (always at least one tenant). */
export const MAX_PAGE_BYTES = 4 * 1024 * 1024;
/** Bundles are short-lived: a stolen or replayed page stops verifying after this. */
export const BUNDLE_LIFETIME_SECONDS = Math.min(300, MAX_BUNDLE_LIFETIME_SECONDS);

export type DeploymentRef = { id: string; kid: string; environmentId: string };

export type BuiltBundle = { jws: string; next: string; complete: boolean; tenants: number; etag: string | null; envSeq: number };

/** The ETag of a complete answer: the position it brings the proxy to. A poll with it and nothing new is a 304. */
export const etagFor = (deploymentId: string, seq: number) => `"${deploymentId}.${seq}"`;

// Stored versions were fully checked when they were accepted; this only cuts out our recipient entry.
function narrow(jwe: TGeneralJwe, kid: string): TFlattenedJwe | null {
  const recipient = jwe.recipients.find((r) => r.header.kid === kid);
  if (!recipient) return null;
  return { protected: jwe.protected, iv: jwe.iv, ciphertext: jwe.ciphertext, tag: jwe.tag, header: recipient.header, encrypted_key: recipient.encrypted_key };
}

type TenantRow = Awaited<ReturnType<typeof tenantsPageByName>>[number];

/** Each row's bundle entry, in row order (null for a row whose state vanished meanwhile). */
async function materialize(db: PrismaClient, rows: TenantRow[], kid: string): Promise<(TBundleTenant | null)[]> {
  const approved = rows.filter((r) => r.recipientKids.includes(kid)).map((r) => r.id);
  const [states, versions, secrets, rotations] = await Promise.all([
    latestStates(db, rows),
    latestVersions(db, approved),
    tenantSecretsOf(db, approved),
    keyRotationsOf(
      db,
      rows.map((r) => r.id),
    ),
  ]);
  const stateOf = new Map(states.map((s) => [s.tenantId, s.jws]));
  const rotationsOf = new Map<string, string[]>();
  for (const r of rotations) rotationsOf.set(r.tenantId, [...(rotationsOf.get(r.tenantId) ?? []), r.jws]);
  const configsOf = new Map<string, TBundleConfig[]>();
  for (const v of versions) {
    const flattened = narrow(v.jwe as TGeneralJwe, kid);
    if (!flattened) continue; // listed recipients and sealed recipients always agree; never send another key's entry
    const list = configsOf.get(v.tenant_id) ?? [];
    // The name operators and tenant admins see, for the proxy's own display (not signed; never used to decide anything).
    list.push({ configId: v.config_id, version: v.version, jwe: flattened, label: v.label });
    configsOf.set(v.tenant_id, list);
  }
  const secretsOf = new Map<string, TBundleSecret[]>();
  for (const s of secrets) {
    const list = secretsOf.get(s.tenant_id) ?? [];
    list.push({ secretPath: s.secret_path, tenantSecretId: s.tenant_secret_id, kmsConfigId: s.kms_config_id, wrapped: s.wrapped, createdAt: new Date(s.created_at).toISOString() });
    secretsOf.set(s.tenant_id, list);
  }
  return rows.map((row) => {
    const state = stateOf.get(row.id);
    if (!state || !row.sigPublicJwk) return null;
    return {
      tenantId: row.externalId,
      status: row.status === 'suspended' ? 'suspended' : 'active',
      signingKey: row.sigPublicJwk as JWK,
      state,
      // Every statement, oldest first: a proxy pinned to any earlier key can follow the chain.
      keyRotations: rotationsOf.get(row.id) ?? [],
      configs: configsOf.get(row.id) ?? [],
      // Absent rather than empty, so a tenant without secrets is delivered exactly as before.
      ...(secretsOf.has(row.id) ? { secrets: secretsOf.get(row.id) } : {}),
    };
  });
}

/** One page for `deployment` from `cursorText` (undefined = start a full sync). Throws bad_cursor. */
export async function buildBundle(
  db: PrismaClient,
  deployment: DeploymentRef,
  cursorText: string | undefined,
  { now = Date.now(), maxPageBytes = MAX_PAGE_BYTES }: { now?: number; maxPageBytes?: number } = {},
): Promise<BuiltBundle> {
  const generation = getDeliveryHub().generation();
  const envSeq = await environmentSeq(db, deployment.environmentId);
  getDeliveryHub().observe(deployment.environmentId, envSeq, generation);
  const cursor: Cursor | null = cursorText === undefined ? null : decodeCursor(cursorText, envSeq);

  const full = cursor === null || cursor.kind === 'full';
  const page =
    cursor === null || cursor.kind === 'full'
      ? await tenantsPageByName(db, deployment.environmentId, cursor?.after ?? null, PAGE_TENANTS + 1)
      : await tenantsPageBySeq(db, deployment.environmentId, cursor.seq, envSeq, PAGE_TENANTS + 1);
  const rows = page.slice(0, PAGE_TENANTS);
  const entries = await materialize(db, rows, deployment.kid);

  // Pages are also bounded in bytes: a tenant with many large configurations ends its page early.
  const parts: string[] = [];
  let bytes = 0;
  let taken = 0;
  for (const entry of entries) {
    const json = entry ? JSON.stringify(entry) : null;
    if (json && parts.length > 0 && bytes + json.length > maxPageBytes) break;
    if (json) {
      parts.push(json);
      bytes += json.length;
    }
    taken++;
  }
  const complete = page.length <= PAGE_TENANTS && taken === rows.length;
  const last = rows[taken - 1];
  let next: Cursor;
  if (full) {
    const snapshot = cursor?.seq ?? envSeq;
    // Tenants changed during the sync are sent again by the first delta: the seq-not-lower rule lets a proxy accept the same state twice.
    next = complete || !last ? { kind: 'delta', seq: snapshot } : { kind: 'full', seq: snapshot, after: last.externalId };
  } else {
    next = complete || !last ? { kind: 'delta', seq: envSeq } : { kind: 'delta', seq: last.deliverySeq };
  }

  const key = await getActiveSigningKey();
  const iat = Math.floor(now / 1000);
  const nextText = encodeCursor(next);
  const jws = await signBundleJson(
    { aud: deployment.id, iat, exp: iat + BUNDLE_LIFETIME_SECONDS, cursor: cursorText ?? null, next: nextText, complete },
    `[${parts.join(',')}]`,
    key.key,
    key.kid,
  );
  return { jws, next: nextText, complete, tenants: parts.length, etag: complete && next.kind === 'delta' ? etagFor(deployment.id, next.seq) : null, envSeq };
}
