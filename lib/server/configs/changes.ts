import 'server-only';
// Applying a configuration change. The server cannot read or sign anything
// here, so it checks everything it can without keys — JWE structure and
// algorithms, size, that the recipients are exactly the tenant's current set,
// the digests the state lists, seq exactly one higher (or, for a re-issue
// after the broker lost changes, past them from the state it names), the state's
// signature by the tenant signing key on record, and that kmsConfigIds are kept
// and never reused (./kms-config-ids.ts) — and then stores the change
// in one transaction, refusing it whole if anything does not hold.
//
// The state's `recipients` are the approved proxy deployments. They change
// only in a change of their own that re-seals every configuration as its next
// version to the new set; a newly approved key must be an active deployment
// of the tenant's environment. A key rotation (lib/server/configs/key-rotation.ts)
// is a change of its own too: its state is signed by the new signing key and
// every configuration is re-sealed to the new encryption key. Every accepted
// change bumps the environment's delivery sequence, which wakes the proxies'
// long-polls after commit.
//
// The state's `secrets` (lib/crypto/tenant-secrets.ts) follow the tenant's
// rotation rules from the state before (./secret-checks.ts); a state-only
// change may change nothing but them (a rotation or an archive).
import type { JWK } from 'jose';
import { configDigest } from '@/lib/crypto/config-digest';
import { readGeneralJwe } from '@/lib/crypto/narrow-jwe';
import { decodeTenantStateUnverified, verifyTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import type { Prisma } from '@/lib/generated/prisma/client';
import { MAX_JWE_BYTES, MAX_REISSUE_JUMP, type TConfigChange } from '@/lib/schemas/config-change';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { bumpDelivery } from '@/lib/server/dal/delivery';
import { refreshTenantSummaries } from '@/lib/server/dal/tenant-summary';
import { getDeliveryHub } from '@/lib/server/delivery/hub';
import { AppError } from '@/lib/server/errors';
import { recordAudit, userActor, type AuditContext } from '@/lib/server/audit/record';
import { checkKmsConfigIds } from './kms-config-ids';
import { checkStateSecrets } from './secret-checks';
import { describeChange, describeRotation } from './change-audit';
import { checkRotation, storeRotation } from './key-rotation';

const refuse = (path: string, message: string) => new AppError('validation_failed', { message, fields: [{ path, message }] });

/** The kids a configuration must be encrypted to: the tenant key and each proxy deployment the state approves. */
export function expectedRecipients(tenant: { encKid: string | null }, approved: readonly string[]): string[] {
  if (!tenant.encKid) throw new AppError('conflict', { message: 'This tenant has no keys yet.' });
  return [tenant.encKid, ...approved];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k) => b.includes(k));

function checkJwe(raw: unknown, recipients: string[], path = 'put.jwe') {
  const size = new TextEncoder().encode(JSON.stringify(raw)).byteLength;
  if (size > MAX_JWE_BYTES) throw refuse(path, `The sealed configuration is larger than ${MAX_JWE_BYTES} bytes.`);
  let jwe;
  try {
    jwe = readGeneralJwe(raw);
  } catch (error) {
    throw refuse(path, `The sealed configuration is not a valid JWE: ${(error as Error).message}`);
  }
  const kids = jwe.recipients.map((r) => r.header.kid).sort();
  const want = [...recipients].sort();
  if (kids.length !== want.length || kids.some((k, i) => k !== want[i])) {
    throw refuse(path, 'The configuration is not encrypted to exactly the tenant key and the approved proxy deployments. Reload and try again.');
  }
  return { jwe, size };
}

export type ChangeResult = { seq: number; configId?: string; version?: number };

export async function applyConfigChange(access: TenantAccess, change: TConfigChange, audit?: AuditContext): Promise<ChangeResult> {
  const db = await getPrisma();
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: access.tenant.id },
    select: { id: true, externalId: true, environmentId: true, stateSeq: true, sigPublicJwk: true, sigKid: true, encKid: true, recipientKids: true, kmsConfigIdMax: true },
  });
  if (!tenant.sigPublicJwk) throw new AppError('conflict', { message: 'This tenant has no keys yet.' });
  const rotation = change.rotate ? await checkRotation(access, { ...tenant, sigPublicJwk: tenant.sigPublicJwk as JWK }, change.rotate) : undefined;

  try {
    // The rules first (unique kmsConfigIds, one primary per kind …), so that a broken rule is not reported as a bad signature.
    decodeTenantStateUnverified(change.state);
  } catch (error) {
    throw refuse('state', `The tenant state is not valid: ${(error as Error).message}`);
  }
  let state: TTenantState;
  try {
    // After a rotation the state is signed by the new key, which the old key's statement named.
    state = await verifyTenantState(change.state, rotation ? rotation.sig.jwk : (tenant.sigPublicJwk as JWK), { tenantId: tenant.externalId });
  } catch (error) {
    throw refuse('state', `The tenant state is not validly signed by this tenant${rotation ? '’s new signing key' : ''}: ${(error as Error).message}`);
  }
  // The state the change was built on: named by a re-issue, otherwise the one just before it.
  const baseSeq = change.reissue ? change.reissue.fromSeq : state.seq - 1;
  if (baseSeq !== tenant.stateSeq) {
    throw new AppError('changed_elsewhere', { message: 'Another administrator changed the configurations a moment ago. Reload to see their change, then try again.' });
  }
  if (change.reissue && (state.seq <= baseSeq + 1 || state.seq > baseSeq + MAX_REISSUE_JUMP)) {
    throw refuse('reissue', `A re-issue moves the seq past changes the broker lost: more than 1 and at most ${MAX_REISSUE_JUMP} beyond the current state.`);
  }
  // The state this one follows was checked when it was stored; if another change commits meanwhile, the seq update below refuses this one.
  const previous = baseSeq > 0 ? decodeTenantStateUnverified((await db.tenantState.findUniqueOrThrow({ where: { tenantId_seq: { tenantId: tenant.id, seq: baseSeq } }, select: { jws: true } })).jws).state : null;
  const kmsConfigIdMax = checkKmsConfigIds(previous, state, tenant.kmsConfigIdMax);
  await checkStateSecrets(db, tenant.id, previous, state);
  const recipientsChanged = !sameSet(state.recipients, tenant.recipientKids);
  if (recipientsChanged && change.reissue) {
    throw refuse('state.recipients', 'A re-issue keeps the approved proxy deployments; approve or remove them in a change of their own.');
  }
  if (recipientsChanged && rotation) {
    throw refuse('state.recipients', 'A key rotation keeps the approved proxy deployments; approve or remove them in a change of their own.');
  }
  if (recipientsChanged) {
    if (change.put || change.remove) {
      throw refuse('state.recipients', 'Approving or removing a proxy deployment re-seals every configuration; send it as a change of its own.');
    }
    const added = state.recipients.filter((kid) => !tenant.recipientKids.includes(kid));
    const found = added.length ? await db.proxyDeployment.count({ where: { kid: { in: added }, environmentId: tenant.environmentId, status: 'active' } }) : 0;
    if (found !== added.length) throw refuse('state.recipients', 'The state approves a proxy deployment that is not an active deployment of this tenant’s environment.');
  } else if (change.reseal && !rotation) {
    throw refuse('reseal', 'Configurations are re-sealed only when the approved proxy deployments change or the tenant keys are rotated.');
  }
  const recipients = expectedRecipients(rotation ? { encKid: rotation.enc.kid } : tenant, state.recipients);

  let put: { jwe: object; digest: string; size: number } | undefined;
  if (change.put) {
    const provider = findProvider(change.put.provider);
    if (!provider || provider.kind !== change.put.kind) throw refuse('put.provider', 'Unknown provider for this kind of configuration.');
    const checked = checkJwe(change.put.jwe, recipients);
    put = { jwe: checked.jwe, digest: await configDigest(checked.jwe), size: checked.size };
  }
  const resealed = await Promise.all(
    (change.reseal ?? []).map(async (entry, i) => {
      const checked = checkJwe(entry.jwe, recipients, `reseal.${i}.jwe`);
      return { configId: entry.configId, version: entry.version, jwe: checked.jwe, digest: await configDigest(checked.jwe), size: checked.size };
    }),
  );

  const result = await db.$transaction(async (tx) => {
    // Optimistic concurrency: exactly one change can move seq on from n (to n + 1, or past lost changes).
    const moved = await tx.tenant.updateMany({ where: { id: tenant.id, stateSeq: tenant.stateSeq }, data: { stateSeq: state.seq, kmsConfigIdMax } });
    if (moved.count !== 1) throw new AppError('changed_elsewhere', { message: 'Another administrator changed the configurations a moment ago. Reload and try again.' });

    let created = false;
    if (change.put && put) {
      const existing = await tx.tenantConfig.findFirst({ where: { id: change.put.configId, tenantId: tenant.id }, select: { latestVersion: true, kind: true } });
      const taken = existing ? null : await tx.tenantConfig.count({ where: { id: change.put.configId } });
      if (taken) throw refuse('put.configId', 'This configuration id is already in use.');
      if (existing && existing.kind !== change.put.kind) throw refuse('put.kind', 'A configuration cannot change its kind.');
      const expectedVersion = existing ? existing.latestVersion + 1 : 1;
      if (change.put.version !== expectedVersion) throw new AppError('changed_elsewhere', { message: `Expected version ${expectedVersion}; reload and try again.` });
      if (change.put.restoredFrom !== undefined) await checkRestoredFrom(tx, change.put.configId, change.put.restoredFrom, change.put.version);
      if (existing) {
        await tx.tenantConfig.update({
          where: { id: change.put.configId },
          data: { label: change.put.label, provider: change.put.provider, latestVersion: change.put.version, updatedById: access.user.id },
        });
      } else {
        created = true;
        await tx.tenantConfig.create({
          data: {
            id: change.put.configId,
            tenantId: tenant.id,
            kind: change.put.kind,
            provider: change.put.provider,
            label: change.put.label,
            latestVersion: 1,
            createdById: access.user.id,
            updatedById: access.user.id,
          },
        });
      }
      await tx.tenantConfigVersion.create({
        data: {
          configId: change.put.configId,
          version: change.put.version,
          label: change.put.label,
          provider: change.put.provider,
          jwe: put.jwe as Prisma.InputJsonValue,
          digest: put.digest,
          sizeBytes: put.size,
          stateSeq: state.seq,
          createdById: access.user.id,
        },
      });
    }

    if (recipientsChanged || rotation || resealed.length) await storeResealed(tx, tenant.id, access.user.id, state.seq, resealed);
    const rotated = rotation ? await storeRotation(tx, access, tenant.id, rotation) : undefined;

    let removed: { kind: string; provider: string; label: string } | undefined;
    if (change.remove) {
      const target = await tx.tenantConfig.findFirst({ where: { id: change.remove.configId, tenantId: tenant.id }, select: { status: true, kind: true, provider: true, label: true } });
      if (!target) throw new AppError('not_found');
      if (target.status !== 'disabled') throw new AppError('conflict', { message: 'Disable the configuration before deleting it.' });
      await tx.tenantConfig.delete({ where: { id: change.remove.configId } });
      removed = target;
    }

    // The state must list exactly the tenant's configurations, each at its latest version and digest.
    const configs = await tx.tenantConfig.findMany({
      where: { tenantId: tenant.id },
      select: { id: true, kind: true, latestVersion: true, status: true, isPrimary: true, provider: true, label: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true, digest: true } } },
    });
    const listed = new Map(state.configs.map((c) => [c.configId, c]));
    if (listed.size !== configs.length) throw refuse('state.configs', 'The state does not list exactly this tenant’s configurations. Reload and try again.');
    for (const config of configs) {
      const entry = listed.get(config.id);
      const latest = config.versions[0];
      if (!entry || !latest || entry.kind !== config.kind || entry.version !== config.latestVersion || entry.digest !== latest.digest) {
        throw refuse('state.configs', 'The state does not match the stored configurations (version or digest). Reload and try again.');
      }
    }
    // Mirror status and primary; only rows that actually change get a new "last changed by".
    for (const entry of state.configs) {
      await tx.tenantConfig.updateMany({
        where: { id: entry.configId, tenantId: tenant.id, OR: [{ status: { not: entry.status } }, { isPrimary: { not: entry.primary } }] },
        data: { status: entry.status, isPrimary: entry.primary, updatedById: access.user.id },
      });
    }
    await tx.tenantState.create({ data: { tenantId: tenant.id, seq: state.seq, jws: change.state, createdById: access.user.id } });
    if (recipientsChanged) await tx.tenant.update({ where: { id: tenant.id }, data: { recipientKids: state.recipients } });
    await refreshTenantSummaries(tx, [tenant.id], new Date());
    // Last: the environment row stays locked until commit, so deliveries commit in seq order.
    const deliverySeq = await bumpDelivery(tx, tenant.environmentId, [tenant.id]);
    // After the delivery bump: recordAudit's chain lock must be the transaction's last lock.
    await recordAudit(tx, {
      actor: userActor(access.user),
      tenantExternalId: tenant.externalId,
      context: audit,
      ...(rotation && rotated ? describeRotation(state, rotation, rotated, resealed) : describeChange(change, state, { created, removed, recipientsBefore: tenant.recipientKids, configs, secretsBefore: previous?.secrets })),
    });
    return { seq: state.seq, configId: change.put?.configId, version: change.put?.version, deliverySeq };
  });
  getDeliveryHub().publishEnvironment(tenant.environmentId, result.deliverySeq);
  return { seq: result.seq, configId: result.configId, version: result.version };
}

/** A rollback names an existing older version of the same configuration. */
async function checkRestoredFrom(tx: Prisma.TransactionClient, configId: string, restoredFrom: number, version: number): Promise<void> {
  const found = restoredFrom < version ? await tx.tenantConfigVersion.count({ where: { configId, version: restoredFrom } }) : 0;
  if (!found) throw refuse('put.restoredFrom', 'A rollback must name an existing older version of this configuration.');
}

type Resealed = { configId: string; version: number; jwe: object; digest: string; size: number };

/** A change of approved deployments or a key rotation: every configuration, and only those, as its next version. */
async function storeResealed(tx: Prisma.TransactionClient, tenantId: string, userId: string, seq: number, resealed: Resealed[]) {
  const configs = await tx.tenantConfig.findMany({ where: { tenantId }, select: { id: true, latestVersion: true, label: true, provider: true } });
  const byId = new Map(resealed.map((r) => [r.configId, r]));
  if (byId.size !== resealed.length || configs.length !== resealed.length || configs.some((c) => !byId.has(c.id))) {
    throw refuse('reseal', 'Every configuration must be re-sealed, each once, when the approved proxy deployments change or the tenant keys are rotated. Reload and try again.');
  }
  for (const config of configs) {
    const entry = byId.get(config.id) as Resealed;
    if (entry.version !== config.latestVersion + 1) throw new AppError('changed_elsewhere', { message: 'A configuration changed a moment ago; reload and try again.' });
    await tx.tenantConfig.update({ where: { id: config.id }, data: { latestVersion: entry.version, updatedById: userId } });
    await tx.tenantConfigVersion.create({
      data: {
        configId: config.id,
        version: entry.version,
        label: config.label,
        provider: config.provider,
        jwe: entry.jwe as Prisma.InputJsonValue,
        digest: entry.digest,
        sizeBytes: entry.size,
        stateSeq: seq,
        createdById: userId,
      },
    });
  }
}
