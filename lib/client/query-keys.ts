// Query-key factories, one per feature; mutations invalidate exact keys.
export const systemKeys = {
  all: ['system'] as const,
  readiness: () => [...systemKeys.all, 'readiness'] as const,
  readinessDetails: () => [...systemKeys.all, 'readiness', 'details'] as const,
};

export const accountKeys = {
  all: ['account'] as const,
  me: () => [...accountKeys.all, 'me'] as const,
  notifications: () => [...accountKeys.all, 'notifications'] as const,
};

export const operatorKeys = {
  all: ['operator'] as const,
  environments: () => [...operatorKeys.all, 'environments'] as const,
  tenants: () => [...operatorKeys.all, 'tenants'] as const,
  tenantList: (search: string) => [...operatorKeys.tenants(), 'list', search] as const,
  tenant: (externalId: string) => [...operatorKeys.tenants(), 'detail', externalId] as const,
  /** Under the tenant's detail, so whatever refreshes the tenant (suspend, resend…) refreshes its latest events too. */
  tenantAudit: (externalId: string) => [...operatorKeys.tenant(externalId), 'audit'] as const,
  operators: () => [...operatorKeys.all, 'operators'] as const,
  outbox: () => [...operatorKeys.all, 'outbox'] as const,
  settings: () => [...operatorKeys.all, 'settings'] as const,
  deployments: () => [...operatorKeys.all, 'deployments'] as const,
  deployment: (id: string) => [...operatorKeys.all, 'deployments', id] as const,
  overview: () => [...operatorKeys.all, 'overview'] as const,
  apiTokens: () => [...operatorKeys.all, 'api-tokens'] as const,
};

export const tenantKeys = {
  all: (tenant: string) => ['tenant', tenant] as const,
  keys: (tenant: string) => [...tenantKeys.all(tenant), 'keys'] as const,
  admins: (tenant: string) => [...tenantKeys.all(tenant), 'admins'] as const,
  invitations: (tenant: string) => [...tenantKeys.all(tenant), 'invitations'] as const,
  recoveryKits: (tenant: string) => [...tenantKeys.all(tenant), 'recovery-kits'] as const,
  configs: (tenant: string) => [...tenantKeys.all(tenant), 'configs'] as const,
  deployments: (tenant: string) => [...tenantKeys.all(tenant), 'deployments'] as const,
  secrets: (tenant: string) => [...tenantKeys.all(tenant), 'secrets'] as const,
  versions: (tenant: string, configId: string) => [...tenantKeys.all(tenant), 'configs', configId, 'versions'] as const,
  siemDelivery: (tenant: string, configId: string) => [...tenantKeys.all(tenant), 'configs', configId, 'delivery'] as const,
  usage: (tenant: string, configId: string, range: string) => [...tenantKeys.all(tenant), 'configs', configId, 'usage', range] as const,
};
