// The one request that changes a tenant's configurations: a new signed tenant
// state, plus at most one new sealed version (create, edit, rollback) or one
// removal (delete), or — when the approved proxy deployments change, or the
// tenant keys are rotated — every configuration re-sealed to the new
// recipients. Status and primary changes send the state alone.
import { z } from 'zod';
import { ZTenantKeySetup } from './account';

export const ZConfigId = z.string().regex(/^c_[A-Za-z0-9_-]{16,32}$/, { error: 'Not a valid configuration id.' });

export const ZConfigLabel = z
  .string()
  .trim()
  .min(1, { error: 'Give the configuration a name, like “Production KMS”.' })
  .max(100, { error: 'Use at most 100 characters.' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'Control characters are not allowed.' });

export const ZCompactJws = z
  .string()
  .max(262_144)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { error: 'Malformed JWS.' });

export const MAX_JWE_BYTES = 65_536;
/**
 * How far one re-issue may move a tenant's seq past the broker's (a restored
 * database lost that many changes at most); it keeps a broker that reports
 * absurd applied seqs from spending the tenant's sequence numbers.
 */
export const MAX_REISSUE_JUMP = 10_000;
/** As many configurations as one tenant state may list. */
export const MAX_RESEAL = 1000;

export const ZConfigChange = z
  .object({
    state: ZCompactJws,
    put: z
      .object({
        configId: ZConfigId,
        kind: z.enum(['kms', 'siem']),
        provider: z.string().regex(/^[a-z0-9-]{2,40}$/, { error: 'Unknown provider.' }),
        label: ZConfigLabel,
        version: z.number().int().min(1).max(1_000_000),
        /** JWE General JSON; its structure is checked by the server (lib/server/configs/checks.ts). */
        jwe: z.record(z.string(), z.unknown()),
        /** A rollback: the older version whose content this one repeats (audited as config.rollback; checked by the server, not signed). */
        restoredFrom: z.number().int().min(1).max(1_000_000).optional(),
      })
      .optional(),
    remove: z.object({ configId: ZConfigId }).optional(),
    /** Every configuration sealed again as its next version, to the recipients the new state lists. */
    reseal: z
      .array(z.strictObject({ configId: ZConfigId, version: z.number().int().min(2).max(1_000_000), jwe: z.record(z.string(), z.unknown()) }))
      .min(1)
      .max(MAX_RESEAL)
      .optional(),
    /**
     * New tenant keys, made in the admin's browser: a cmk-key-rotation+jws
     * statement by the current signing key naming the new one, the new public
     * keys, the new private keys wrapped to this admin, and optionally a new
     * recovery kit. The state is signed by the new key and `reseal` seals every
     * configuration to the new encryption key.
     */
    rotate: ZTenantKeySetup.extend({ statement: ZCompactJws }).strict().optional(),
    /**
     * A re-issue after the broker lost changes (an older database restored):
     * the state is built on the broker's current state `fromSeq` but signed
     * with a seq past every one proxies and this admin's browser have seen, so
     * they accept it. Statuses may change in it; nothing else does.
     */
    reissue: z.strictObject({ fromSeq: z.number().int().min(0).max(2_147_483_647) }).optional(),
  })
  .refine((c) => [c.put, c.remove, c.reseal].filter(Boolean).length <= 1, {
    error: 'A change puts one version, removes one configuration, or re-seals them all — one of these at most.',
  })
  .refine((c) => !c.rotate || (!c.put && !c.remove), {
    error: 'A key rotation re-seals every configuration and changes nothing else; send other changes on their own.',
  })
  .refine((c) => !c.reissue || (!c.put && !c.remove && !c.reseal && !c.rotate), {
    error: 'A re-issue publishes a new state only (statuses may change in it); send other changes on their own.',
  });

export type TConfigChange = z.infer<typeof ZConfigChange>;
