// Inputs of the operator console and tenant admin management, shared by the
// forms and the route handlers.
import { z } from 'zod';
import { ZEmail } from './account';

export const ZEnvironmentSlug = z
  .string()
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, { error: 'Use 1–32 lower-case letters, digits and dashes, like prod-eu.' });

export const ZDisplayName = z
  .string()
  .trim()
  .min(1, { error: 'Enter a name.' })
  .max(100, { error: 'Use at most 100 characters.' })
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: 'Control characters are not allowed.' });

export const ZNewEnvironment = z.object({ slug: ZEnvironmentSlug, displayName: ZDisplayName });

/** The vendor's own tenant id: what its application and proxies call the tenant. */
export const ZTenantExternalId = z
  .string()
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/, {
    error: 'Use 1–64 lower-case letters, digits, dots, dashes and underscores, starting and ending with a letter or digit.',
  });

export const ZNewTenant = z.object({
  externalId: ZTenantExternalId,
  displayName: ZDisplayName,
  environmentId: z.string().min(1, { error: 'Choose an environment.' }).max(64),
  adminEmail: ZEmail,
});

export const ZInvite = z.object({ email: ZEmail });

export const ZId = z.string().regex(/^[a-z]{2,4}_[A-Za-z0-9_-]{16}$/, { error: 'Not a valid id.' });
