// API bodies for sign-in, enrollment and accounts — shared by the browser
// forms and the route handlers. Only public keys and sealed blobs travel;
// schemas here refuse anything that looks like a private key in clear.
import { z } from 'zod';

export const ZEmail = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, { error: 'Enter an email address.' })
  .max(254, { error: 'Use at most 254 characters.' })
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: 'Enter an email address like name@example.com.' });

const B64U = /^[A-Za-z0-9_-]+$/;

/** PBKDF2 salt: 16–64 random bytes, base64url. */
export const ZKdfSalt = z.string().regex(/^[A-Za-z0-9_-]{22,86}$/, { error: 'Malformed salt.' });
/**
 * Browsers always derive with 600 000 rounds. Accepting only that value keeps
 * the pre-login answer for unknown emails indistinguishable from real ones.
 */
export const ZKdfIterations = z.literal(600_000, { error: 'Key derivation must use 600 000 PBKDF2 rounds.' });
/** The HKDF-derived login secret: 32 bytes, base64url. */
export const ZAuthKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'Malformed authKey.' });

const ZCoordinate = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

/** An EC P-256 public JWK. A `d` (or any extra member) is refused: no private key may be sent. */
export const ZPublicJwk = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: ZCoordinate,
  y: ZCoordinate,
  kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/).optional(),
  alg: z.enum(['ECDH-ES+A256KW', 'ES256']).optional(),
  use: z.enum(['enc', 'sig']).optional(),
  key_ops: z.array(z.string()).max(4).optional(),
  ext: z.boolean().optional(),
});
export type TPublicJwk = z.infer<typeof ZPublicJwk>;

/** The admin private key sealed in the browser (lib/crypto/admin-key.ts). */
export const ZSealedAdminKey = z
  .string()
  .max(4096)
  .refine(
    (value) => {
      try {
        const v = JSON.parse(value) as Record<string, unknown>;
        return (
          v.v === 1 &&
          v.typ === 'cmk-sealed-admin-key' &&
          v.alg === 'A256GCM' &&
          typeof v.kid === 'string' &&
          typeof v.iv === 'string' &&
          B64U.test(v.iv) &&
          typeof v.ct === 'string' &&
          B64U.test(v.ct) &&
          Object.keys(v).length === 6
        );
      } catch {
        return false;
      }
    },
    { error: 'Malformed sealed key.' },
  );

/** A compact JWE (five base64url parts). */
export const ZCompactJwe = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { error: 'Malformed JWE.' });

export const ZInvitationToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'This invitation link is not valid.' });

/** What a new account sends: salt, authKey and the admin key pair's public half plus sealed private half. */
export const ZNewAccount = z.object({
  email: ZEmail,
  kdfSalt: ZKdfSalt,
  kdfIterations: ZKdfIterations,
  authKey: ZAuthKey,
  adminPublicJwk: ZPublicJwk,
  sealedAdminKey: ZSealedAdminKey,
});
export type TNewAccount = z.infer<typeof ZNewAccount>;

export const ZPrelogin = z.object({ email: ZEmail });

export const ZSetup = z.object({ setupToken: z.string().trim().min(10).max(100), account: ZNewAccount });

/** The first admin's browser creates the tenant keys and wraps them to itself. */
export const ZTenantKeySetup = z.object({
  encPublicJwk: ZPublicJwk,
  sigPublicJwk: ZPublicJwk,
  wrappedTenantKeys: ZCompactJwe,
  recoveryKit: z.string().max(16_384).optional(),
});

export const ZAcceptInvitation = z.object({
  token: ZInvitationToken,
  /** New users enroll; existing users (signed in) accept with their current key. */
  account: ZNewAccount.omit({ email: true }).optional(),
  tenantKeys: ZTenantKeySetup.optional(),
});

export const ZChangePassphrase = z.object({
  currentAuthKey: ZAuthKey,
  kdfSalt: ZKdfSalt,
  kdfIterations: ZKdfIterations,
  authKey: ZAuthKey,
  sealedAdminKey: ZSealedAdminKey,
});

export const ZTotpCode = z.object({ code: z.string().trim().regex(/^\d{6}$/, { error: 'Enter the 6-digit code from your app.' }) });
