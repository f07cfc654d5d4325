// Typed calls to the broker's JSON API, one function per endpoint. Types are
// the shapes the route handlers return (dates arrive as ISO strings).
import type { JWK } from 'jose';
import type { TApiTokenRow, TCreateApiToken, TCreatedApiToken } from '@/lib/schemas/api-tokens';
import type { TTenantSecretListing } from '@/lib/schemas/tenant-secret-listing';
import type { TCreateDeployment, TDeploymentRow, TTenantDeployment, TTenantDeployments } from '@/lib/schemas/deployments';
import type { TSiemDelivery } from '@/lib/schemas/siem-delivery';
import type { TConfigUsageView, TUsageRange } from '@/lib/schemas/usage';
import type { TTenantDetail } from '@/lib/schemas/tenant-detail';
import type { TNotificationSettings } from '@/lib/schemas/notifications';
import type { TTenantListPage } from '@/lib/schemas/tenant-list';
import { fetchJson, sendJson } from './fetchers';
import type { TOverview } from '@/lib/schemas/overview';

export type TEnvironment = { id: string; slug: string; displayName: string; createdAt: string; tenantCount: number };
export type TInvitation = {
  id: string;
  kind: 'operator' | 'tenant_admin';
  email: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
  sendCount: number;
  lastSentAt: string;
  createdAt: string;
};
export type TOutboxMail = { id: string; recipient: string; subject: string; body: string; createdAt: string; sentAt: string | null; error: string | null };
export type TAccount = {
  id: string;
  email: string;
  isOperator: boolean;
  kdfSalt: string;
  kdfIterations: number;
  adminPublicJwk: JWK;
  adminKeyKid: string;
  sealedAdminKey: string;
  mfaEnabled: boolean;
  mfaRequired: boolean;
  tenants: { externalId: string; displayName: string; status: 'pending' | 'confirmed' }[];
};
export type TTenantAdmin = {
  id: string;
  email: string;
  status: 'pending' | 'confirmed';
  adminPublicJwk: JWK;
  adminKeyKid: string;
  mfaEnabled: boolean;
  confirmedAt: string | null;
  confirmedBy: string | null;
  createdAt: string;
  isMe: boolean;
};
/** The public keys and kids are the broker's word: the browser uses the keys it unwrapped (lib/client/session-keys.ts). */
export type TTenantKeys = {
  tenant: { externalId: string; displayName: string; requireMfa: boolean };
  status: 'pending' | 'confirmed';
  wrappedTenantKeys: string | null;
  encPublicJwk: JWK | null;
  encKid: string | null;
  sigPublicJwk: JWK | null;
  sigKid: string | null;
  /** Set when a confirmed admin was removed and the keys were not rotated since (ISO time). */
  keyRotationDueAt: string | null;
  /** The tenant's cmk-key-rotation+jws statements, oldest first: how this browser follows a new signing key. */
  keyRotations: string[];
};
export type TInvitationInfo = {
  kind: 'operator' | 'tenant_admin';
  email: string;
  tenant: { externalId: string; displayName: string } | null;
  needsTenantKeys: boolean;
  accountExists: boolean;
  signedInAsInvitee: boolean;
};

export type TConfigRow = {
  id: string;
  kind: 'kms' | 'siem';
  provider: string;
  label: string;
  latestVersion: number;
  status: 'active' | 'disabled';
  isPrimary: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
  latest: { version: number; jwe: unknown; digest: string; createdAt: string } | null;
  /**
   * The seq of the signed tenant state from which this configuration's entry (version, status, primary) is what it
   * is now, by the broker's record: a deployment that applied it, or later, runs it as set. Informational only
   * (lib/server/configs/propagation.ts): the broker is not trusted.
   */
  changedSeq: number;
  /** When the broker stored the state `changedSeq` (null when it no longer keeps it). */
  changedAt: string | null;
};
export type TConfigListing = {
  seq: number;
  state: { seq: number; jws: string; createdAt: string } | null;
  /** The broker's record of the highest kmsConfigId ever given (deleted configurations included); 0 when none. */
  kmsConfigIdMax: number;
  configs: TConfigRow[];
};
export type TConfigVersion = { version: number; label: string; provider: string; jwe: unknown; digest: string; createdAt: string; createdBy: string | null };

/** What a new deployment's credentials file is built from; the browser adds privateJwk. */
export type TCreatedDeployment = {
  deployment: TDeploymentRow;
  apiKey: string;
  credentials: { brokerUrl: string; deploymentId: string; apiKey: string; brokerJwks: { keys: JWK[] } };
};
export type { TTenantDeployment, TTenantDeployments };
export type TReseal = { configId: string; version: number; jwe: object };

const t = (tenant: string) => `/api/v1/tenants/${encodeURIComponent(tenant)}`;

export type { TOverview };

export const api = {
  prelogin: (email: string) => sendJson<{ kdfSalt: string; kdfIterations: number }>('POST', '/api/v1/auth/prelogin', { email }),
  setupStatus: () => fetchJson<{ needed: boolean }>('/api/v1/setup'),
  setup: (body: unknown) => sendJson<{ userId: string }>('POST', '/api/v1/setup', body),
  lookupInvitation: (token: string) => sendJson<TInvitationInfo>('POST', '/api/v1/invitations/lookup', { token }),
  acceptInvitation: (body: unknown) => sendJson<{ userId: string; email: string; tenant: string | null }>('POST', '/api/v1/invitations/accept', body),

  account: () => fetchJson<TAccount>('/api/v1/account'),
  changePassphrase: (body: unknown) => sendJson<{ changed: true }>('POST', '/api/v1/account/passphrase', body),
  signOutEverywhere: () => sendJson<{ signedOut: true }>('DELETE', '/api/v1/account/sessions'),
  beginTotp: () => sendJson<{ secret: string; uri: string; qrSvg: string }>('POST', '/api/v1/account/totp'),
  enableTotp: (code: string) => sendJson<{ recoveryCodes: string[] }>('PUT', '/api/v1/account/totp', { code }),
  disableTotp: (code: string) => sendJson<{ disabled: true }>('DELETE', '/api/v1/account/totp', { code }),
  cancelTotpEnrolment: () => sendJson<{ cancelled: true }>('DELETE', '/api/v1/account/totp/enrolment'),
  notificationSettings: () => fetchJson<TNotificationSettings>('/api/v1/account/notifications'),
  setNotificationSettings: (enabled: boolean) => sendJson<TNotificationSettings>('PATCH', '/api/v1/account/notifications', { enabled }),

  environments: () => fetchJson<{ environments: TEnvironment[] }>('/api/v1/operator/environments'),
  createEnvironment: (body: { slug: string; displayName: string }) => sendJson<{ id: string }>('POST', '/api/v1/operator/environments', body),
  /** `search` is the list's URL query (q, filters, sort, order, cursor, limit), passed through as is. */
  tenantsPage: (search: string) => fetchJson<TTenantListPage>(`/api/v1/operator/tenants${search ? `?${search}` : ''}`),
  tenantDetail: (externalId: string) => fetchJson<TTenantDetail>(`/api/v1/operator/tenants/${encodeURIComponent(externalId)}`),
  suspendTenant: (externalId: string) => sendJson<{ status: string }>('POST', `/api/v1/operator/tenants/${encodeURIComponent(externalId)}/suspension`),
  resumeTenant: (externalId: string) => sendJson<{ status: string }>('DELETE', `/api/v1/operator/tenants/${encodeURIComponent(externalId)}/suspension`),
  requestTenantDeletion: (externalId: string) =>
    sendJson<{ requestedAt: string; eligibleAt: string }>('POST', `/api/v1/operator/tenants/${encodeURIComponent(externalId)}/deletion`),
  cancelTenantDeletion: (externalId: string) => sendJson<{ cancelled: true }>('DELETE', `/api/v1/operator/tenants/${encodeURIComponent(externalId)}/deletion`),
  deleteTenant: (externalId: string, confirm: string) => sendJson<{ deleted: true }>('DELETE', `/api/v1/operator/tenants/${encodeURIComponent(externalId)}`, { confirm }),
  createTenant: (body: { externalId: string; displayName: string; environmentId: string; adminEmail: string }) =>
    sendJson<{ id: string; externalId: string; mailed: boolean }>('POST', '/api/v1/operator/tenants', body),
  operators: () =>
    fetchJson<{ operators: { id: string; email: string; createdAt: string; mfaEnabled: boolean }[]; invitations: TInvitation[] }>('/api/v1/operator/operators'),
  inviteOperator: (email: string) => sendJson<{ id: string; mailed: boolean }>('POST', '/api/v1/operator/operators', { email }),
  resendInvitation: (id: string) => sendJson<{ mailed: boolean }>('POST', `/api/v1/operator/invitations/${id}/resend`),
  revokeInvitation: (id: string) => sendJson<{ revoked: true }>('DELETE', `/api/v1/operator/invitations/${id}`),
  outbox: (cursor?: string) => fetchJson<{ items: TOutboxMail[]; nextCursor?: string }>(`/api/v1/operator/outbox${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`),
  overview: () => fetchJson<TOverview>('/api/v1/operator/overview'),
  operatorSettings: () => fetchJson<{ operatorsRequireMfa: boolean }>('/api/v1/operator/settings'),
  setOperatorSettings: (operatorsRequireMfa: boolean) => sendJson<{ operatorsRequireMfa: boolean }>('PATCH', '/api/v1/operator/settings', { operatorsRequireMfa }),

  apiTokens: () => fetchJson<{ apiTokens: TApiTokenRow[] }>('/api/v1/operator/api-tokens'),
  createApiToken: (body: TCreateApiToken) => sendJson<TCreatedApiToken>('POST', '/api/v1/operator/api-tokens', body),
  revokeApiToken: (id: string) => sendJson<{ revoked: true }>('DELETE', `/api/v1/operator/api-tokens/${encodeURIComponent(id)}`),

  deployments: () => fetchJson<{ deployments: TDeploymentRow[] }>('/api/v1/operator/deployments'),
  deployment: (id: string) => fetchJson<{ deployment: TDeploymentRow }>(`/api/v1/operator/deployments/${encodeURIComponent(id)}`),
  createDeployment: (body: Omit<TCreateDeployment, 'publicJwk'> & { publicJwk: JWK }) => sendJson<TCreatedDeployment>('POST', '/api/v1/operator/deployments', body),
  updateDeployment: (id: string, body: { status?: 'active' | 'disabled'; name?: string }) =>
    sendJson<{ deployment: TDeploymentRow }>('PATCH', `/api/v1/operator/deployments/${encodeURIComponent(id)}`, body),
  deleteDeployment: (id: string) => sendJson<{ deleted: true }>('DELETE', `/api/v1/operator/deployments/${encodeURIComponent(id)}`),
  rotateApiKey: (id: string, oldKeyExpiresAt: string) =>
    sendJson<{ apiKey: string; keyId: string; deployment: TDeploymentRow }>('POST', `/api/v1/operator/deployments/${encodeURIComponent(id)}/api-keys`, { oldKeyExpiresAt }),

  tenantKeys: (tenant: string) => fetchJson<TTenantKeys>(`${t(tenant)}/keys`),
  tenantAdmins: (tenant: string) => fetchJson<{ admins: TTenantAdmin[] }>(`${t(tenant)}/admins`),
  confirmAdmin: (tenant: string, id: string, wrappedTenantKeys: string, signingKid: string) =>
    sendJson<{ confirmed: true }>('POST', `${t(tenant)}/admins/${id}/confirm`, { wrappedTenantKeys, signingKid }),
  removeAdmin: (tenant: string, id: string) => sendJson<{ removed: true }>('DELETE', `${t(tenant)}/admins/${id}`),
  tenantInvitations: (tenant: string) => fetchJson<{ invitations: TInvitation[] }>(`${t(tenant)}/invitations`),
  inviteAdmin: (tenant: string, email: string) => sendJson<{ id: string; mailed: boolean }>('POST', `${t(tenant)}/invitations`, { email }),
  resendTenantInvitation: (tenant: string, id: string) => sendJson<{ mailed: boolean }>('POST', `${t(tenant)}/invitations/${id}/resend`),
  revokeTenantInvitation: (tenant: string, id: string) => sendJson<{ revoked: true }>('DELETE', `${t(tenant)}/invitations/${id}`),
  recoveryKits: (tenant: string) => fetchJson<{ kits: { id: string; kit: string; createdAt: string }[] }>(`${t(tenant)}/recovery-kits`),
  saveRecoveryKit: (tenant: string, kit: string, signingKid: string) => sendJson<{ id: string }>('POST', `${t(tenant)}/recovery-kits`, { kit, signingKid }),
  recover: (tenant: string, kitId: string, wrappedTenantKeys: string) => sendJson<{ confirmed: true }>('POST', `${t(tenant)}/recover`, { kitId, wrappedTenantKeys }),
  configs: (tenant: string) => fetchJson<TConfigListing>(`${t(tenant)}/configs`),
  configVersions: (tenant: string, configId: string) => fetchJson<{ versions: TConfigVersion[] }>(`${t(tenant)}/configs/${configId}/versions`),
  siemDelivery: (tenant: string, configId: string) => fetchJson<TSiemDelivery>(`${t(tenant)}/configs/${configId}/delivery`),
  configUsage: (tenant: string, configId: string, range: TUsageRange) => fetchJson<TConfigUsageView>(`${t(tenant)}/configs/${configId}/usage?range=${range}`),
  tenantDeployments: (tenant: string) => fetchJson<TTenantDeployments>(`${t(tenant)}/deployments`),
  tenantSecrets: (tenant: string) => fetchJson<TTenantSecretListing>(`${t(tenant)}/secrets`),
  change: (tenant: string, body: { state: string; put?: object; remove?: { configId: string }; reseal?: TReseal[]; reissue?: { fromSeq: number } }) =>
    sendJson<{ seq: number; configId?: string; version?: number }>('POST', `${t(tenant)}/changes`, body),
  setTenantSettings: (tenant: string, requireMfa: boolean) => sendJson<{ requireMfa: boolean }>('PATCH', `${t(tenant)}/settings`, { requireMfa }),
};
