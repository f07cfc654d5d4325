// Proxy deployments: the operator API bodies, the rows the console shows, the
// credentials file a deployment runs with, and the proxy's status report —
// shared by the browser, the route handlers and the proxy client.
import type { JWK } from 'jose';
import { z } from 'zod';
import { STOPPED_CODES, type TDeliveryState } from '@/lib/delivery-state';
import { ZPublicJwk } from './account';
import { MAX_STATUS_SIEM, ZSiemHealth } from './siem-health';
import { MAX_STATUS_USAGE, ZUsageMinute } from './usage';

export const ZDeploymentId = z.string().regex(/^dep_[A-Za-z0-9_-]{16}$/, { error: 'Not a deployment id.' });

export const ZDeploymentName = z
  .string()
  .trim()
  .min(2, { error: 'Give the deployment a name of at least 2 characters, like “prod-eu”.' })
  .max(60, { error: 'Use at most 60 characters.' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, { error: 'Use letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit.' });

export const ZCreateDeployment = z.strictObject({
  name: ZDeploymentName,
  environmentId: z.string().min(1, { error: 'Choose an environment.' }).max(64),
  /** The ECDH P-256 public key made in the operator's browser; a private member is refused. */
  publicJwk: ZPublicJwk,
});
export type TCreateDeployment = z.infer<typeof ZCreateDeployment>;

/** The longest the old API key may keep working after a rotation. */
export const MAX_KEY_OVERLAP_DAYS = 30;

export const ZRotateApiKey = z.strictObject({
  /** Until when the current key(s) keep working; now (or earlier) ends them at once. */
  oldKeyExpiresAt: z.iso.datetime({ offset: true, error: 'Give a date and time (ISO 8601).' }),
});

export const ZUpdateDeployment = z.strictObject({
  status: z.enum(['active', 'disabled']).optional(),
  name: ZDeploymentName.optional(),
});

export type TDeploymentApiKey = { id: string; createdAt: string; expiresAt: string | null; lastUsedAt: string | null; revokedAt: string | null };
export type TDeploymentError = { tenantId: string; configId: string | null; code: string; message: string | null; seq?: number | null };
export type TDeploymentRow = {
  id: string;
  name: string;
  environment: { id: string; slug: string; displayName: string };
  kid: string;
  publicJwk: z.infer<typeof ZPublicJwk>;
  status: 'active' | 'disabled';
  createdAt: string;
  disabledAt: string | null;
  apiKeys: TDeploymentApiKey[];
  lastUsedAt: string | null;
  lastStatusAt: string | null;
  /** The cursor the deployment last reported as applied, and how many changes in its environment it has not yet applied. */
  appliedCursor: string | null;
  lag: number | null;
  /** Where it stands in receiving its environment's changes (lib/delivery-state.ts). */
  delivery: TDeliveryState;
  errorCount: number;
  errors: TDeploymentError[];
  tenantsInEnvironment: number;
  tenantsApproved: number;
};

/** A deployment as a tenant admin sees it (GET /api/v1/tenants/<tenant>/deployments). */
export type TTenantDeployment = {
  id: string | null;
  name: string | null;
  environment: string | null;
  kid: string;
  publicJwk: JWK | null;
  status: 'active' | 'disabled' | 'deleted';
  approved: boolean;
  appliedSeq: number | null;
  /** When it reported applying `appliedSeq` (null: nothing yet). */
  appliedAt: string | null;
  lastStatusAt: string | null;
  errors: { configId: string | null; code: string; message: string | null; seq?: number | null }[];
};
/** `changedAt`: the tenant's last change; `generatedAt`: the broker's clock when it answered (delivery states use both). */
export type TTenantDeployments = { seq: number; changedAt: string; generatedAt: string; recipients: string[]; deployments: TTenantDeployment[] };

/** What a deployment runs with (PROTOCOL.md "Keys" 2). The broker never sees `privateJwk`. */
export const ZProxyCredentials = z.strictObject({
  brokerUrl: z.url({ protocol: /^https?$/, error: 'brokerUrl must be an http(s) URL.' }),
  deploymentId: ZDeploymentId,
  apiKey: z.string().regex(/^cmkp_[A-Za-z0-9_-]{43}$/, { error: 'apiKey is not a deployment API key.' }),
  privateJwk: z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), d: z.string().regex(/^[A-Za-z0-9_-]{43}$/), x: z.string(), y: z.string() }),
  brokerJwks: z.strictObject({ keys: z.array(z.looseObject({ kty: z.literal('EC'), crv: z.literal('P-256'), kid: z.string() })).min(1) }),
});
export type TProxyCredentials = z.infer<typeof ZProxyCredentials>;

/** Stable error codes a proxy reports, one per verification step (PROTOCOL.md "Proxy API"). */
export const PROXY_ERROR_CODES = [
  'broker_signature',
  'bundle_expired',
  'bundle_audience',
  'tenant_key',
  'tenant_state',
  'state_rollback',
  // A configuration's kmsConfigId differs from an applied state's, or an applied id names another configuration.
  'kms_config_id_changed',
  'config_missing',
  'config_digest',
  'config_decrypt',
  'config_signature',
  'config_mismatch',
  'config_settings',
  'transport',
  // A Tenant Security Proxy's SIEM delivery for a configuration: failing, or losing events (queue full, or refused).
  'siem_delivery',
  // A SIEM configuration whose provider this proxy cannot deliver to: its events are dropped.
  'siem_unsupported',
  // A tenant secret (deterministic keys) not served: secret_invalid — the bundle's wrapped secret is not what the tenant's
  // signed state pins, or is missing, or changed; secret_unwrap — the KMS does not open it under its binding (tenant, path, id).
  'secret_invalid',
  'secret_unwrap',
  // tenant_withheld: a tenant this proxy has pinned that a full sync no longer lists (the broker left it out);
  // tenant_suspended: one the broker now marks suspended (unsigned). Nothing of it is served; each names the last seq applied.
  ...STOPPED_CODES,
] as const;
export type TProxyErrorCode = (typeof PROXY_ERROR_CODES)[number];

export const MAX_STATUS_TENANTS = 20_000;
export const MAX_STATUS_ERRORS = 10_000;

export const ZProxyStatus = z.strictObject({
  /** The cursor of the last bundle the proxy fully processed. */
  cursor: z.string().max(200).nullable(),
  /** Applied tenant states: those changed since the last accepted report (all of them on the first). */
  tenants: z.array(z.strictObject({ tenantId: z.string().min(1).max(200), seq: z.number().int().min(0).max(1_000_000_000) })).max(MAX_STATUS_TENANTS),
  /** Every failure the proxy currently has (replaces the previous report's list). */
  errors: z
    .array(
      z.strictObject({
        tenantId: z.string().min(1).max(200),
        configId: z.string().max(64).nullable().optional(),
        code: z.enum(PROXY_ERROR_CODES),
        message: z.string().max(500).optional(),
        /** With tenant_withheld / tenant_suspended: the last tenant state seq the proxy applied. */
        seq: z.number().int().min(0).max(1_000_000_000).optional(),
      }),
    )
    .max(MAX_STATUS_ERRORS),
  /**
   * Added for SIEM delivery health; older proxies send none of these. The
   * instance that sends the report (a deployment's replicas each deliver their
   * own events), and its delivery to the SIEM configurations whose health
   * changed since its last accepted report — or to every one it serves when
   * `siemFull` (its first report, then every few minutes), so the broker can
   * forget configurations the instance no longer serves.
   */
  instanceId: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, { error: 'instanceId must be 1–100 letters, digits and . _ : -.' }).optional(),
  siem: z.array(ZSiemHealth).max(MAX_STATUS_SIEM).optional(),
  siemFull: z.boolean().optional(),
  /** Added for usage (issue 23); older proxies send none: this instance's key use per configuration and whole minute since its last accepted report. */
  usage: z.array(ZUsageMinute).max(MAX_STATUS_USAGE).optional(),
}).refine((report) => (report.siem === undefined && report.siemFull === undefined && report.usage === undefined) || report.instanceId !== undefined, {
  error: 'A report with SIEM health or usage names the instanceId that sends it.',
  path: ['instanceId'],
});
export type TProxyStatus = z.infer<typeof ZProxyStatus>;
