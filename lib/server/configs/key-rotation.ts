import 'server-only';
// Rotating a tenant's keys (PROTOCOL.md "Keys" 4), as part of a configuration
// change. The server cannot make or read the keys; it checks what it can: the
// rotation statement is signed by the tenant's current signing key and names
// the new one, the new public keys are valid P-256 keys unlike the old ones,
// and the new private keys are wrapped to the admin who rotates. The change
// itself (state signed by the new key, every configuration re-sealed to the
// new encryption key) is checked by applyConfigChange.
//
// Only the rotating admin receives the new keys. The broker cannot be trusted
// to say which public keys the other admins hold — if it could, it could add
// a key holder — so they return to pending and are confirmed again by a
// fingerprint comparison, as when they joined. Recovery kits hold the old keys
// and are deleted; the request may bring a new one.
import type { JWK } from 'jose';
import { verifyKeyRotation } from '@/lib/crypto/key-rotation';
import type { Prisma } from '@/lib/generated/prisma/client';
import type { TConfigChange } from '@/lib/schemas/config-change';
import { checkRecoveryKit } from '@/lib/server/accounts/invitations';
import type { TenantAccess } from '@/lib/server/authz';
import { lockTenant } from '@/lib/server/dal/tenants';
import { AppError } from '@/lib/server/errors';
import { newId } from '@/lib/server/ids';
import { canonicalPublicJwk, checkWrappedTenantKeys } from '@/lib/server/keys';

export type TCheckedRotation = {
  statement: string;
  sig: { jwk: JWK; kid: string };
  enc: { jwk: JWK; kid: string };
  wrappedTenantKeys: string;
  recoveryKit?: string;
  previous: { sigKid: string; encKid: string };
};

const refuse = (path: string, message: string) => new AppError('validation_failed', { message, fields: [{ path, message }] });

type TCurrentKeys = { externalId: string; sigPublicJwk: JWK; sigKid: string | null; encKid: string | null };

export async function checkRotation(access: TenantAccess, tenant: TCurrentKeys, rotate: NonNullable<TConfigChange['rotate']>): Promise<TCheckedRotation> {
  if (!tenant.sigKid || !tenant.encKid) throw new AppError('conflict', { message: 'This tenant has no keys yet.' });
  const sig = await canonicalPublicJwk(rotate.sigPublicJwk, 'sig', 'rotate.sigPublicJwk');
  const enc = await canonicalPublicJwk(rotate.encPublicJwk, 'enc', 'rotate.encPublicJwk');
  if (sig.kid === tenant.sigKid) throw refuse('rotate.sigPublicJwk', 'The new signing key is the current one.');
  if (enc.kid === tenant.encKid) throw refuse('rotate.encPublicJwk', 'The new encryption key is the current one.');
  let named: string;
  try {
    named = (await verifyKeyRotation(rotate.statement, tenant.sigPublicJwk, { subject: `tenant:${tenant.externalId}` })).next.kid as string;
  } catch (error) {
    throw refuse('rotate.statement', `The rotation statement is not validly signed by the tenant's current signing key: ${(error as Error).message}`);
  }
  if (named !== sig.kid) throw refuse('rotate.statement', 'The rotation statement names another key than the new signing key.');
  checkWrappedTenantKeys(rotate.wrappedTenantKeys, { adminKid: access.user.adminKeyKid, tenantId: tenant.externalId }, 'rotate.wrappedTenantKeys');
  if (rotate.recoveryKit) checkRecoveryKit(rotate.recoveryKit, tenant.externalId);
  return { statement: rotate.statement, sig, enc, wrappedTenantKeys: rotate.wrappedTenantKeys, recoveryKit: rotate.recoveryKit, previous: { sigKid: tenant.sigKid, encKid: tenant.encKid } };
}

/** Inside the change's transaction: the new keys on record, the statement appended, the admin set and recovery kits updated. */
export async function storeRotation(tx: Prisma.TransactionClient, access: TenantAccess, tenantId: string, rotation: TCheckedRotation) {
  // The lock every change to the admin set takes (the change's first statement already holds it, as
  // an UPDATE of the row): removals, confirmations and recoveries commit wholly before or after this.
  await lockTenant(tx, tenantId);
  const last = await tx.tenantKeyRotation.findFirst({ where: { tenantId }, orderBy: { ordinal: 'desc' }, select: { ordinal: true } });
  await tx.tenantKeyRotation.create({
    data: { tenantId, ordinal: (last?.ordinal ?? 0) + 1, jws: rotation.statement, previousKid: rotation.previous.sigKid, nextKid: rotation.sig.kid, createdById: access.user.id },
  });
  // Only if the keys are still the ones the statement was checked against (another rotation may have won).
  const moved = await tx.tenant.updateMany({
    where: { id: tenantId, sigKid: rotation.previous.sigKid, encKid: rotation.previous.encKid },
    data: {
      sigPublicJwk: rotation.sig.jwk as Prisma.InputJsonValue,
      sigKid: rotation.sig.kid,
      encPublicJwk: rotation.enc.jwk as Prisma.InputJsonValue,
      encKid: rotation.enc.kid,
      keyRotationDueAt: null,
    },
  });
  if (moved.count !== 1) throw new AppError('changed_elsewhere', { message: 'The tenant keys changed a moment ago. Reload and try again.' });
  // The rotating admin is the only holder of the new keys: removed or sent back to pending meanwhile, the keys would be lost.
  const holder = await tx.tenantAdmin.updateMany({
    where: { id: access.membership.id, tenantId, status: 'confirmed' },
    data: { wrappedTenantKeys: rotation.wrappedTenantKeys },
  });
  if (holder.count !== 1) throw new AppError('changed_elsewhere', { message: 'Your administrator access changed a moment ago. Reload and try again.' });
  const others = await tx.tenantAdmin.findMany({ where: { tenantId, status: 'confirmed', id: { not: access.membership.id } }, select: { id: true, userId: true } });
  await tx.tenantAdmin.updateMany({
    where: { id: { in: others.map((o) => o.id) } },
    data: { status: 'pending', wrappedTenantKeys: null, confirmedById: null, confirmedAt: null },
  });
  const kits = await tx.recoveryKit.deleteMany({ where: { tenantId } });
  const kit = rotation.recoveryKit
    ? await tx.recoveryKit.create({ data: { id: newId('kit'), tenantId, createdById: access.user.id, kit: rotation.recoveryKit }, select: { id: true } })
    : null;
  return { reconfirm: others.map((o) => o.userId), kitsDeleted: kits.count, kitId: kit?.id ?? null };
}
