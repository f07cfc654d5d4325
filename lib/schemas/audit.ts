// The catalogue of audited actions (docs/audit.md): every action the broker
// records, what it means to a reader, whose chain it belongs to, and whether
// it warrants mail to the tenant's admins. recordAudit only accepts these
// names, the audit views filter by them, the notifier reads `notify`, and the
// table-driven test (lib/server/audit/catalogue.int.test.ts) proves each one
// is written by the action it names — so adding an action starts here.
/**
 * scope: 'tenant' — always in a tenant's chain (and the vendor chain);
 *        'vendor' — only in the vendor chain;
 *        'either' — in a tenant's chain when the action concerns one
 *                   (e.g. a tenant admin's sign-in), else vendor-only.
 * notify: mailed to the tenant's admins (batched), see lib/server/notifications.
 */
type ActionInfo = { label: string; scope: 'tenant' | 'vendor' | 'either'; notify?: boolean };

export const AUDIT_ACTIONS = {
  // Accounts and sign-in
  'auth.sign_in': { label: 'Signed in', scope: 'either' },
  'auth.sign_out': { label: 'Signed out', scope: 'either' },
  'account.setup': { label: 'Set up the first operator account', scope: 'vendor' },
  'account.passphrase_change': { label: 'Changed passphrase', scope: 'either' },
  'account.sessions_revoke': { label: 'Signed out everywhere', scope: 'either' },
  'account.mfa_enable': { label: 'Turned on two-factor authentication', scope: 'either' },
  'account.mfa_disable': { label: 'Turned off two-factor authentication', scope: 'either' },
  'account.notifications_update': { label: 'Changed mail notification settings', scope: 'either' },
  'account.recovery_code_use': { label: 'Signed in with a recovery code', scope: 'either' },
  /** A signed-in user's change refused by authorization (lib/server/audit/refusals.ts); outcome 'denied'. */
  'access.denied': { label: 'Was refused a change', scope: 'either' },
  // Invitations, enrollment, admins
  'invitation.create': { label: 'Invited', scope: 'either' },
  'invitation.resend': { label: 'Resent an invitation', scope: 'either' },
  'invitation.revoke': { label: 'Revoked an invitation', scope: 'either' },
  'invitation.accept': { label: 'Accepted an invitation and enrolled', scope: 'either' },
  'admin.confirm': { label: 'Confirmed an admin', scope: 'tenant', notify: true },
  'admin.remove': { label: 'Removed an admin', scope: 'tenant', notify: true },
  'tenant.recover': { label: 'Recovered tenant keys with a recovery kit', scope: 'tenant', notify: true },
  'recovery_kit.create': { label: 'Created a recovery kit', scope: 'tenant', notify: true },
  /** A rotation after an admin left: new tenant keys, every configuration re-sealed; the other admins are confirmed again. */
  'tenant.keys_rotate': { label: 'Rotated the tenant keys', scope: 'tenant', notify: true },
  /** After the broker lost changes (an older database restored): a state past every seq proxies have seen. */
  'tenant.state_reissue': { label: 'Re-issued the tenant state past lost changes', scope: 'tenant', notify: true },
  // Configurations
  'config.create': { label: 'Created a configuration', scope: 'tenant', notify: true },
  'config.edit': { label: 'Edited a configuration', scope: 'tenant', notify: true },
  'config.rollback': { label: 'Rolled a configuration back', scope: 'tenant', notify: true },
  'config.disable': { label: 'Disabled a configuration', scope: 'tenant', notify: true },
  'config.enable': { label: 'Enabled a configuration', scope: 'tenant', notify: true },
  'config.primary': { label: 'Changed the primary configuration', scope: 'tenant', notify: true },
  'config.delete': { label: 'Deleted a configuration', scope: 'tenant', notify: true },
  /** A test of a saved configuration or of a draft (never stored as one); results are telemetry, not audited. */
  'config.test': { label: 'Tested a configuration', scope: 'tenant' },
  // Deployments
  'deployment.create': { label: 'Created a proxy deployment', scope: 'vendor' },
  'deployment.update': { label: 'Renamed a proxy deployment', scope: 'vendor' },
  'deployment.approve': { label: 'Approved a proxy deployment', scope: 'tenant', notify: true },
  'deployment.remove': { label: 'Removed a proxy deployment', scope: 'tenant', notify: true },
  'deployment.rotate_key': { label: 'Rotated a deployment API key', scope: 'vendor' },
  'deployment.disable': { label: 'Disabled a proxy deployment', scope: 'vendor' },
  'deployment.enable': { label: 'Enabled a proxy deployment', scope: 'vendor' },
  'deployment.delete': { label: 'Deleted a proxy deployment', scope: 'vendor' },
  /** Written in each tenant chain of the deployment's environment, so its admins see a deployment awaiting approval. */
  'deployment.awaiting_approval': { label: 'A proxy deployment awaits approval', scope: 'tenant', notify: true },
  // Tenant secrets for deterministic keys (a proxy makes them; the tenant rotates and archives them in its signed state)
  'tenant_secret.created': { label: 'A proxy deployment stored a new tenant secret', scope: 'tenant' },
  'tenant_secret.rotated': { label: 'Rotated a tenant secret', scope: 'tenant', notify: true },
  'tenant_secret.archived': { label: 'Archived a tenant secret', scope: 'tenant', notify: true },
  // Delivery (from proxy status reports)
  'delivery.apply': { label: 'A proxy deployment applied a new state', scope: 'tenant' },
  'delivery.error': { label: 'A proxy deployment reported an error', scope: 'tenant', notify: true },
  // Tenants and the vendor side
  'tenant.create': { label: 'Created a tenant', scope: 'tenant' },
  'tenant.settings_update': { label: 'Changed tenant settings', scope: 'tenant' },
  'tenant.suspend': { label: 'Suspended the tenant', scope: 'tenant', notify: true },
  'tenant.resume': { label: 'Resumed the tenant', scope: 'tenant', notify: true },
  'tenant.deletion_request': { label: 'Requested deletion of the tenant', scope: 'tenant', notify: true },
  'tenant.deletion_cancel': { label: 'Cancelled deletion of the tenant', scope: 'tenant', notify: true },
  'tenant.delete': { label: 'Deleted the tenant', scope: 'tenant' },
  'environment.create': { label: 'Created an environment', scope: 'vendor' },
  'broker.settings_update': { label: 'Changed broker settings', scope: 'vendor' },
  'api_token.create': { label: 'Created a vendor API token', scope: 'vendor' },
  'api_token.revoke': { label: 'Revoked a vendor API token', scope: 'vendor' },
  'signing_key.rotate': { label: 'Rotated the broker signing key', scope: 'vendor' },
} as const satisfies Record<string, ActionInfo>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];
export const isAuditAction = (value: string): value is AuditAction => Object.hasOwn(AUDIT_ACTIONS, value);
export const auditActionLabel = (action: string): string => (isAuditAction(action) ? AUDIT_ACTIONS[action].label : action);
export const NOTIFY_ACTIONS = AUDIT_ACTION_NAMES.filter((a) => (AUDIT_ACTIONS[a] as ActionInfo).notify === true);

export const AUDIT_ACTOR_TYPES = ['user', 'operator', 'deployment', 'system', 'vendor_token'] as const;
export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
