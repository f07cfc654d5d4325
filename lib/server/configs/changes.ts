import 'server-only';
// Applying a configuration change. The server cannot read or sign anything
// here, so it checks everything it can without keys — JWE structure and
// algorithms, size, that the recipients are exactly the tenant's current set,
// the digests the state lists, seq exactly one higher, and the state's
// signature by the tenant signing key on record — and then stores the change
// in one transaction, refusing it whole if anything does not hold.
import type { JWK } from 'jose';
import { configDigest } from '@/lib/crypto/config-digest';
import { readGeneralJwe } from '@/lib/crypto/narrow-jwe';
import { verifyTenantState, type TTenantState } from '@/lib/crypto/tenant-state';
import type { Prisma } from '@/lib/generated/prisma/client';
import { MAX_JWE_BYTES, type TConfigChange } from '@/lib/schemas/config-change';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TenantAccess } from '@/lib/server/authz';
import { getPrisma } from '@/lib/server/db';
import { AppError } from '@/lib/server/errors';

const refuse = (path: string, message: string) => new AppError('validation_failed', { message, fields: [{ path, message }] });

/** The kids a configuration must be encrypted to: the tenant key and (later) each approved proxy deployment. */
export async function expectedRecipients(tenant: { encKid: string | null }): Promise<string[]> {
  if (!tenant.encKid) throw new AppError('conflict', { message: 'This tenant has no keys yet.' });
  return [tenant.encKid];
}

function checkJwe(raw: unknown, recipients: string[]) {
  const size = new TextEncoder().encode(JSON.stringify(raw)).byteLength;
  if (size > MAX_JWE_BYTES) throw refuse('put.jwe', `The sealed configuration is larger than ${MAX_JWE_BYTES} bytes.`);
  let jwe;
  try {
    jwe = readGeneralJwe(raw);
  } catch (error) {
    throw refuse('put.jwe', `The sealed configuration is not a valid JWE: ${(error as Error).message}`);
  }
  const kids = jwe.recipients.map((r) => r.header.kid).sort();
  const want = [...recipients].sort();
  if (kids.length !== want.length || kids.some((k, i) => k !== want[i])) {
    throw refuse('put.jwe', 'The configuration is not encrypted to exactly the tenant key and the approved proxy deployments. Reload and try again.');
  }
  return { jwe, size };
}

export type ChangeResult = { seq: number; configId?: string; version?: number };

export async function applyConfigChange(access: TenantAccess, change: TConfigChange): Promise<ChangeResult> {
  const db = await getPrisma();
  const tenant = await db.tenant.findUniqueOrThrow({
    where: { id: access.tenant.id },
    select: { id: true, externalId: true, stateSeq: true, sigPublicJwk: true, encKid: true },
  });
  if (!tenant.sigPublicJwk) throw new AppError('conflict', { message: 'This tenant has no keys yet.' });

  let state: TTenantState;
  try {
    state = await verifyTenantState(change.state, tenant.sigPublicJwk as JWK, { tenantId: tenant.externalId });
  } catch (error) {
    throw refuse('state', `The tenant state is not validly signed by this tenant: ${(error as Error).message}`);
  }
  if (state.seq !== tenant.stateSeq + 1) {
    throw new AppError('changed_elsewhere', { message: 'Another administrator changed the configurations a moment ago. Reload to see their change, then try again.' });
  }
  if (state.recipients.length !== 0) throw refuse('state.recipients', 'The state lists proxy deployments that this tenant has not approved.');

  let put: { jwe: object; digest: string; size: number } | undefined;
  if (change.put) {
    const provider = findProvider(change.put.provider);
    if (!provider || provider.kind !== change.put.kind) throw refuse('put.provider', 'Unknown provider for this kind of configuration.');
    const checked = checkJwe(change.put.jwe, await expectedRecipients(tenant));
    put = { jwe: checked.jwe, digest: await configDigest(checked.jwe), size: checked.size };
  }

  return db.$transaction(async (tx) => {
    // Optimistic concurrency: exactly one change can move seq from n to n + 1.
    const moved = await tx.tenant.updateMany({ where: { id: tenant.id, stateSeq: tenant.stateSeq }, data: { stateSeq: state.seq } });
    if (moved.count !== 1) throw new AppError('changed_elsewhere', { message: 'Another administrator changed the configurations a moment ago. Reload and try again.' });

    if (change.put && put) {
      const existing = await tx.tenantConfig.findFirst({ where: { id: change.put.configId, tenantId: tenant.id }, select: { latestVersion: true, kind: true } });
      const taken = existing ? null : await tx.tenantConfig.count({ where: { id: change.put.configId } });
      if (taken) throw refuse('put.configId', 'This configuration id is already in use.');
      if (existing && existing.kind !== change.put.kind) throw refuse('put.kind', 'A configuration cannot change its kind.');
      const expectedVersion = existing ? existing.latestVersion + 1 : 1;
      if (change.put.version !== expectedVersion) throw new AppError('changed_elsewhere', { message: `Expected version ${expectedVersion}; reload and try again.` });
      if (existing) {
        await tx.tenantConfig.update({
          where: { id: change.put.configId },
          data: { label: change.put.label, provider: change.put.provider, latestVersion: change.put.version, updatedById: access.user.id },
        });
      } else {
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
          createdById: access.user.id,
        },
      });
    }

    if (change.remove) {
      const target = await tx.tenantConfig.findFirst({ where: { id: change.remove.configId, tenantId: tenant.id }, select: { status: true } });
      if (!target) throw new AppError('not_found');
      if (target.status !== 'disabled') throw new AppError('conflict', { message: 'Disable the configuration before deleting it.' });
      await tx.tenantConfig.delete({ where: { id: change.remove.configId } });
    }

    // The state must list exactly the tenant's configurations, each at its latest version and digest.
    const configs = await tx.tenantConfig.findMany({
      where: { tenantId: tenant.id },
      select: { id: true, kind: true, latestVersion: true, versions: { orderBy: { version: 'desc' }, take: 1, select: { version: true, digest: true } } },
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
    return { seq: state.seq, configId: change.put?.configId, version: change.put?.version };
  });
}
