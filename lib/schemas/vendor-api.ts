// The vendor API (/api/v1/vendor): every operation with its scope and its
// path, query, body and response schemas. The route handlers parse with
// these very schemas and the OpenAPI document (/api/v1/openapi.json) is
// generated from them, so the description cannot drift from the code.
import { z } from 'zod';
import { DELIVERY_STATES } from '@/lib/delivery-state';
import { ZEmail } from './account';
import { ZDisplayName, ZEnvironmentSlug, ZTenantExternalId } from './operator';
import { ZTenantListQuery, type TTenantListPage } from './tenant-list';
import type { TDeploymentRow } from './deployments';

/** Components of the OpenAPI document: each schema registered here is emitted once and referenced by name. */
export const vendorSchemas = z.registry<{ id: string; description?: string }>();

const ZTimestamp = z.string().meta({ format: 'date-time', description: 'ISO 8601, UTC.' });
const ZCount = z.number().int().min(0);
const ZStatus = z.enum(['invited', 'active', 'suspended']).meta({ description: 'invited: no admin has brought the tenant keys yet.' });
const ZConfigSummary = z.object({ primaryProvider: z.string().nullable(), count: ZCount });
const ZDelivery = z.enum(DELIVERY_STATES).meta({
  description:
    'Where a deployment stands in receiving changes: never (no proxy of it has connected yet), offline (no status report for 5 minutes), ahead (it applied more than the broker has: lost changes), current, behind (connected, the change on its way), withheld (connected and reporting, yet still behind 5 minutes after the change: the broker may be withholding updates), stopped (for one tenant: its proxies report that the broker no longer hands the tenant over, left out of the bundle or marked suspended).',
});

export const ZVendorTenantRow = z
  .object({
    id: z.string(),
    externalId: z.string().meta({ examples: ['acme'] }),
    displayName: z.string(),
    environment: z.object({ slug: z.string(), displayName: z.string() }),
    status: ZStatus,
    admins: z.object({ confirmed: ZCount, pending: ZCount }),
    kms: ZConfigSummary,
    siem: ZConfigSummary,
    lastChangeAt: ZTimestamp.nullable(),
    stateSeq: ZCount.meta({ description: 'seq of the latest signed tenant state (0: none yet).' }),
    propagation: z.object({
      approved: ZCount.meta({ description: 'Active deployments the tenant approved.' }),
      applied: ZCount.meta({ description: 'Of those, how many reported the latest state.' }),
      lagging: z
        .array(z.object({ deploymentId: z.string(), name: z.string(), appliedSeq: z.number().int().nullable(), delivery: ZDelivery }))
        .meta({ description: 'Approved deployments that have not applied the latest state, each with where it stands.' }),
    }),
    warnings: z.array(z.string()).meta({ description: 'Human-readable warnings, e.g. "Invitation expired", "No KMS configuration", "No primary KMS", "Approval pending: <deployments>", "Proxy errors: <deployments>", "1 admin awaiting confirmation" / "<n> admins awaiting confirmation", "Deletion requested".' }),
    createdAt: ZTimestamp,
  })
  .register(vendorSchemas, { id: 'TenantRow', description: 'A tenant as the console lists it: metadata only, never a configuration.' });

export const ZVendorTenantPage = z
  .object({
    rows: z.array(ZVendorTenantRow),
    total: ZCount.meta({ description: 'Tenants matching the filters, on all pages.' }),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one.' }),
  })
  .register(vendorSchemas, { id: 'TenantPage' });

export const ZVendorInvitation = z
  .object({ id: z.string(), email: z.string(), expiresAt: ZTimestamp, expired: z.boolean(), sendCount: ZCount })
  .register(vendorSchemas, { id: 'Invitation', description: 'An open invitation of a tenant admin (the link itself is only in the mail).' });

export const ZVendorTenant = z
  .object({
    id: z.string(),
    externalId: z.string(),
    displayName: z.string(),
    environment: z.object({ slug: z.string(), displayName: z.string() }),
    status: ZStatus,
    admins: z.object({ confirmed: ZCount, pending: ZCount }),
    openInvitations: z.array(ZVendorInvitation),
    kms: ZConfigSummary,
    siem: ZConfigSummary,
    stateSeq: ZCount,
    createdAt: ZTimestamp,
  })
  .register(vendorSchemas, { id: 'Tenant' });

export const ZVendorTenantAnswer = z.object({ tenant: ZVendorTenant }).register(vendorSchemas, { id: 'TenantAnswer' });

export const ZVendorCreatedTenant = z
  .object({ tenant: ZVendorTenant, invitation: z.object({ email: z.string(), mailed: z.boolean().meta({ description: 'false: kept in the outbox (no SMTP) or sending failed; resend later.' }) }) })
  .register(vendorSchemas, { id: 'CreatedTenant' });

export const ZVendorResent = z
  .object({ invitation: ZVendorInvitation, mailed: z.boolean() })
  .register(vendorSchemas, { id: 'ResentInvitation' });

export const ZVendorEnvironments = z
  .object({ environments: z.array(z.object({ id: z.string(), slug: z.string(), displayName: z.string(), tenantCount: ZCount, createdAt: ZTimestamp })) })
  .register(vendorSchemas, { id: 'Environments' });

const ZPublicJwk = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), kid: z.string().optional() });

export const ZVendorDeployment = z
  .object({
    id: z.string(),
    name: z.string(),
    environment: z.object({ id: z.string(), slug: z.string(), displayName: z.string() }),
    kid: z.string().meta({ description: 'RFC 7638 thumbprint of the deployment key.' }),
    publicJwk: ZPublicJwk,
    status: z.enum(['active', 'disabled']),
    createdAt: ZTimestamp,
    disabledAt: ZTimestamp.nullable(),
    apiKeys: z.array(z.object({ id: z.string(), createdAt: ZTimestamp, expiresAt: ZTimestamp.nullable(), lastUsedAt: ZTimestamp.nullable(), revokedAt: ZTimestamp.nullable() })),
    lastUsedAt: ZTimestamp.nullable(),
    lastStatusAt: ZTimestamp.nullable(),
    appliedCursor: z.string().nullable(),
    lag: ZCount.nullable().meta({ description: 'Changes in its environment not yet applied (null: never reported).' }),
    delivery: ZDelivery,
    errorCount: ZCount,
    errors: z.array(z.object({ tenantId: z.string(), configId: z.string().nullable(), code: z.string(), message: z.string().nullable() })),
    tenantsInEnvironment: ZCount,
    tenantsApproved: ZCount,
  })
  .register(vendorSchemas, { id: 'Deployment', description: 'A proxy deployment and what it last reported. Never a key or secret.' });

export const ZVendorDeployments = z.object({ deployments: z.array(ZVendorDeployment) }).register(vendorSchemas, { id: 'Deployments' });

export const ZVendorTenantStatus = z
  .object({ externalId: z.string(), status: ZStatus, changed: z.boolean().meta({ description: 'false when the tenant already had this status.' }) })
  .register(vendorSchemas, { id: 'TenantStatus' });

export const ZProblem = z
  .object({
    type: z.string().meta({ examples: ['urn:cmk-broker:problem:unauthenticated'] }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable code: unauthenticated, forbidden, not_found, validation_failed, conflict, …' }),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .register(vendorSchemas, { id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

// ---- inputs --------------------------------------------------------------

export const ZVendorNewTenant = z.strictObject({
  externalId: ZTenantExternalId.meta({ description: 'Your application’s id for the tenant.', examples: ['acme'] }),
  displayName: ZDisplayName.meta({ examples: ['Acme Corp'] }),
  environment: ZEnvironmentSlug.meta({ description: 'Slug of an existing environment.', examples: ['prod-eu'] }),
  adminEmail: ZEmail.meta({ description: 'The first tenant admin; gets the invitation mail.', examples: ['security@acme.example'] }),
});
export type TVendorNewTenant = z.infer<typeof ZVendorNewTenant>;

export const ZTenantParams = z.strictObject({ tenant: ZTenantExternalId.meta({ description: 'The tenant’s external id.' }) });
const ZNoQuery = z.strictObject({});

// ---- operations ----------------------------------------------------------

export type TVendorOperation = {
  method: 'GET' | 'POST';
  /** OpenAPI-style path ({tenant}); the route file is the same path with [tenant]. */
  path: string;
  scope: 'read' | 'write';
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query: z.ZodObject;
  body?: z.ZodType;
  response: { status: 200 | 201; schema: z.ZodType; description: string };
  /** Error statuses besides 400 (bad input), 401 and 403 that every operation has. */
  errors?: (404 | 409)[];
};

export const VENDOR_OPERATIONS = {
  listTenants: {
    method: 'GET',
    path: '/api/v1/vendor/tenants',
    scope: 'read',
    summary: 'List tenants',
    description: 'The same search, filters, sorting and pagination as the console’s tenant list. Follow `nextCursor` for further pages.',
    query: ZTenantListQuery,
    response: { status: 200, schema: ZVendorTenantPage, description: 'One page of tenants.' },
  },
  createTenant: {
    method: 'POST',
    path: '/api/v1/vendor/tenants',
    scope: 'write',
    summary: 'Create a tenant and invite its first admin',
    description: 'The admin receives a single-use invitation mail; their browser makes the tenant keys on acceptance.',
    query: ZNoQuery,
    body: ZVendorNewTenant,
    response: { status: 201, schema: ZVendorCreatedTenant, description: 'The tenant, in status invited.' },
    errors: [409],
  },
  getTenant: {
    method: 'GET',
    path: '/api/v1/vendor/tenants/{tenant}',
    scope: 'read',
    summary: 'Get a tenant',
    params: ZTenantParams,
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorTenantAnswer, description: 'The tenant with its open invitations.' },
    errors: [404],
  },
  suspendTenant: {
    method: 'POST',
    path: '/api/v1/vendor/tenants/{tenant}/suspend',
    scope: 'write',
    summary: 'Suspend a tenant',
    description: 'Proxies receive the suspended status with the tenant’s next bundle. Suspending a suspended tenant changes nothing.',
    params: ZTenantParams,
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorTenantStatus, description: 'The tenant’s status now.' },
    errors: [404],
  },
  resumeTenant: {
    method: 'POST',
    path: '/api/v1/vendor/tenants/{tenant}/resume',
    scope: 'write',
    summary: 'Resume a suspended tenant',
    description: 'Back to active, or to invited while no admin has set up the tenant keys.',
    params: ZTenantParams,
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorTenantStatus, description: 'The tenant’s status now.' },
    errors: [404],
  },
  resendInvitation: {
    method: 'POST',
    path: '/api/v1/vendor/tenants/{tenant}/invitation/resend',
    scope: 'write',
    summary: 'Resend the tenant admin invitation',
    description: 'Renews the newest open admin invitation of the tenant (a new link; the old one stops working) and mails it again.',
    params: ZTenantParams,
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorResent, description: 'The renewed invitation.' },
    errors: [404, 409],
  },
  listEnvironments: {
    method: 'GET',
    path: '/api/v1/vendor/environments',
    scope: 'read',
    summary: 'List environments',
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorEnvironments, description: 'Every environment with its tenant count.' },
  },
  listDeployments: {
    method: 'GET',
    path: '/api/v1/vendor/deployments',
    scope: 'read',
    summary: 'Deployment status',
    description: 'Every proxy deployment: last contact, applied cursor, lag behind its environment, reported errors, approvals.',
    query: ZNoQuery,
    response: { status: 200, schema: ZVendorDeployments, description: 'Every deployment that is not deleted.' },
  },
} as const satisfies Record<string, TVendorOperation>;

export type TVendorOperationId = keyof typeof VENDOR_OPERATIONS;

// The hand-written row types and these schemas must describe the same JSON.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const SCHEMAS_MATCH_TYPES: [Same<z.infer<typeof ZVendorTenantPage>, TTenantListPage>, Same<z.infer<typeof ZVendorDeployment>, Omit<TDeploymentRow, 'publicJwk'> & { publicJwk: z.infer<typeof ZPublicJwk> }>] = [true, true];
