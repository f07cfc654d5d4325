// HashiCorp Vault Transit settings: the Vault server (and namespace), the
// transit mount and key the key proxies use, and how they sign in (AppRole or
// a token), and the CA that signs the Vault server's certificate when it is a
// private one.
import { z } from 'zod';
import {
  leasedKeyLifetimeField,
  checkExclusiveFields,
  defineField,
  defineProvider,
  whenSettingsObject,
  ZHttpsUrlFor,
  MAX_SECRET_LENGTH,
  ZOptionalText,
  ZRequiredText,
  ZKmsSettingsObject,
  ZTextWithDefault,
  ZUuidShapeFor,
} from './common';
import { caCertificateField, ZCaCertificatePem } from './ca-certificate';

/** Vault's role_id and secret_id are random bytes in UUID layout (no version bits), like this one from its docs. */
const APPROLE_ID_EXAMPLE = 'db02de05-fa39-4855-059b-67221c5c2f63';

const PATH_SEGMENTS = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

/** Service (hvs.) and batch (hvb.) tokens since Vault 1.10; s. and b. before, optionally with a namespace suffix. */
const TOKEN_PATTERN = /^(?:hv[sb]\.[A-Za-z0-9_-]{24,}|[sb]\.[A-Za-z0-9]{24}(?:\.[A-Za-z0-9]{5})?)$/;

function pathProblem(value: string, what: string, example: string, pattern: RegExp, allowed: string): string | undefined {
  if (value.startsWith('/') || value.endsWith('/')) return `Remove the slash at the start or end of the ${what}, like ${example}.`;
  return pattern.test(value) ? undefined : `The ${what} may contain ${allowed}, with / between levels, like ${example}.`;
}

export const VAULT_AUTH_METHODS = [
  { value: 'approle', label: 'AppRole (role id and secret id)' },
  { value: 'token', label: 'Token' },
] as const;
type TVaultAuthMethod = (typeof VAULT_AUTH_METHODS)[number]['value'];

export const ZHashicorpVaultTransitSettings = ZKmsSettingsObject('HashiCorp Vault', {
  address: ZHttpsUrlFor('Vault address', 'https://vault.example.com:8200', { query: false }),
  namespace: ZOptionalText(
    ZRequiredText('Enter the namespace.', (value) =>
      pathProblem(value, 'namespace', 'admin/team-a', NAMESPACE_PATTERN, 'letters, digits, hyphens and underscores'),
    ),
  ),
  mountPath: ZTextWithDefault(
    ZRequiredText('Enter the mount path.', (value) =>
      pathProblem(value, 'mount path', 'transit', PATH_SEGMENTS, 'letters, digits, dots, hyphens and underscores'),
    ),
    'transit',
  ),
  // Vault's own rule for transit key names (framework.GenericNameRegex).
  keyName: ZRequiredText('Enter the transit key name.', (value) =>
    /^\w(?:[\w.@-]*\w)?$/.test(value) && value.length <= 256
      ? undefined
      : 'The key name may contain letters, digits and _ - . @, and must start and end with a letter, digit or underscore.',
  ),
  authMethod: z.enum(VAULT_AUTH_METHODS.map((method) => method.value) as [TVaultAuthMethod, ...TVaultAuthMethod[]], {
    error: 'Choose how the key proxies sign in to Vault: AppRole or a token.',
  }),
  roleId: ZOptionalText(ZUuidShapeFor('role id', APPROLE_ID_EXAMPLE)),
  // Trimmed like the role id: a secret id has the same layout and never a space.
  secretId: ZOptionalText(ZUuidShapeFor('secret id', APPROLE_ID_EXAMPLE)),
  // Trimmed, unlike a password: a token never contains spaces.
  token: ZOptionalText(
    ZRequiredText(
      'Enter the Vault token.',
      (value) => (TOKEN_PATTERN.test(value) ? undefined : 'Enter a Vault token: hvs. or hvb. and the rest of the token (s. or b. on Vault before 1.10).'),
      MAX_SECRET_LENGTH,
    ),
  ),
  // Vault servers often present a certificate from a private CA (their own PKI engine, or the operator's).
  caCertificate: ZCaCertificatePem,
}).superRefine((settings, ctx) => {
  if (settings.authMethod === 'approle') {
    checkExclusiveFields(ctx, settings, {
      required: {
        roleId: `Enter the AppRole's role id, like ${APPROLE_ID_EXAMPLE}.`,
        secretId: 'Enter a secret id generated for the AppRole.',
      },
      refused: { token: 'Leave the token empty when the proxies sign in with AppRole.' },
    });
  } else if (settings.authMethod === 'token') {
    checkExclusiveFields(ctx, settings, {
      required: { token: 'Enter the Vault token, starting with hvs.' },
      refused: {
        roleId: 'Leave the role id empty when the proxies sign in with a token.',
        secretId: 'Leave the secret id empty when the proxies sign in with a token.',
      },
    });
  }
}, whenSettingsObject);

export type THashicorpVaultTransitSettings = z.infer<typeof ZHashicorpVaultTransitSettings>;

export const hashicorpVaultTransit = defineProvider({
  id: 'hashicorp-vault-transit',
  kind: 'kms',
  label: 'HashiCorp Vault Transit',
  description: "Lets the key proxies encrypt and decrypt with a key in your Vault's transit secrets engine.",
  schema: ZHashicorpVaultTransitSettings,
  fields: [
    defineField({
      name: 'address',
      label: 'Vault address',
      help: 'The https address of your Vault server or cluster (VAULT_ADDR), reachable from the key proxies.',
      example: 'https://vault.example.com:8200',
    }),
    defineField({
      name: 'namespace',
      label: 'Namespace',
      help: 'Vault Enterprise or HCP Vault namespace, like admin or admin/team-a; leave empty for the root namespace.',
      example: 'admin',
      required: false,
    }),
    defineField({
      name: 'mountPath',
      label: 'Transit mount path',
      help: 'Where the transit secrets engine is mounted, without slashes; leave empty for transit.',
      example: 'transit',
      required: false,
    }),
    defineField({
      name: 'keyName',
      label: 'Key name',
      help: 'The name of the transit key (vault list transit/keys).',
      example: 'cmk-key',
    }),
    defineField({
      name: 'authMethod',
      label: 'Sign in with',
      help: 'AppRole is recommended: the proxies get short-lived tokens, and the secret id can be limited by CIDR and number of uses.',
      example: 'approle',
      input: 'select',
      options: VAULT_AUTH_METHODS,
    }),
    defineField({
      name: 'roleId',
      label: 'Role id',
      help: 'The AppRole role_id (vault read auth/approle/role/<role>/role-id); its policy must allow transit encrypt and decrypt on the key.',
      example: APPROLE_ID_EXAMPLE,
      showWhen: { field: 'authMethod', equals: 'approle' },
    }),
    defineField({
      name: 'secretId',
      label: 'Secret id',
      help: 'A secret_id for that role (vault write -f auth/approle/role/<role>/secret-id).',
      example: APPROLE_ID_EXAMPLE,
      secret: true,
      showWhen: { field: 'authMethod', equals: 'approle' },
    }),
    defineField({
      name: 'token',
      label: 'Token',
      help: 'A periodic or long-lived token whose policy allows transit encrypt and decrypt on the key; it starts with hvs.',
      example: 'hvs.CAESIexampleexampleexampleexample',
      secret: true,
      showWhen: { field: 'authMethod', equals: 'token' },
    }),
    caCertificateField('your Vault server'),
    leasedKeyLifetimeField,
  ],
  example: {
    address: 'https://vault.example.com:8200',
    namespace: 'admin',
    mountPath: 'transit',
    keyName: 'cmk-example-key',
    authMethod: 'approle',
    roleId: '11111111-2222-3333-4444-555555555555',
    secretId: '66666666-7777-8888-9999-000000000000',
  },
});
