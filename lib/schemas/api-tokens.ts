// Vendor API tokens: what an operator sends to make one and the rows the
// console lists. The token itself is returned once, at creation.
import { z } from 'zod';

export const API_TOKEN_SCOPES = ['read', 'write'] as const;
export type TApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** `cmkv_` + 32 random bytes, base64url. */
export const API_TOKEN_PATTERN = /^cmkv_[A-Za-z0-9_-]{43}$/;
export const MAX_TOKEN_DAYS = 365;
/** The expiry presets the console offers (days); any date up to MAX_TOKEN_DAYS is accepted too. */
export const TOKEN_EXPIRY_PRESETS = [7, 30, 90, 365] as const;

export const ZApiTokenId = z.string().regex(/^vat_[A-Za-z0-9_-]{16}$/, { error: 'Not an API token id.' });

export const ZApiTokenName = z
  .string()
  .trim()
  .min(2, { error: 'Give the token a name of at least 2 characters, like “billing sync”.' })
  .max(80, { error: 'Use at most 80 characters.' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'Control characters are not allowed.' });

export const ZCreateApiToken = z.strictObject({
  name: ZApiTokenName,
  /** read: list and get; write: also create, suspend, resume and resend invitations. */
  scope: z.enum(API_TOKEN_SCOPES, { error: 'Choose read or write.' }),
  /** Required; at most MAX_TOKEN_DAYS from now. */
  expiresAt: z.iso.datetime({ offset: true, error: 'Give an expiry date and time (ISO 8601).' }),
});
export type TCreateApiToken = z.infer<typeof ZCreateApiToken>;

export type TApiTokenRow = {
  id: string;
  name: string;
  scope: TApiTokenScope;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** active, expired or revoked, as of the answer. */
  state: 'active' | 'expired' | 'revoked';
};

export type TCreatedApiToken = { apiToken: TApiTokenRow; token: string };
