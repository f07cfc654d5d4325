// Azure Key Vault settings: the vault (or managed HSM) and key the key proxies
// use, and the Microsoft Entra app registration they sign in as.
import type { z } from 'zod';
import {
  defineField,
  defineProvider,
  httpsUrlProblem,
  UUID_SHAPE_PATTERN,
  ZNonEmptySecret,
  ZOptionalText,
  ZRequiredText,
  ZSettingsObject,
  ZUuidFor,
} from './common';

const VAULT_URL_EXAMPLE = 'https://my-vault.vault.azure.net';

/** Key Vault and managed HSM hosts in the public, China and US Government clouds. */
const VAULT_HOST_PATTERN =
  /^([^.]+)\.(vault\.azure\.net|vault\.azure\.cn|vault\.usgovcloudapi\.net|managedhsm\.azure\.net|managedhsm\.azure\.cn|managedhsm\.usgovcloudapi\.net)$/;
/** 3–24 letters, digits and hyphens; starts with a letter, ends with a letter or digit, no "--". */
const VAULT_NAME_PATTERN = /^(?!.*--)[a-z][a-z0-9-]{1,22}[a-z0-9]$/;

function vaultUrlProblem(value: string): string | undefined {
  const urlProblem = httpsUrlProblem(value, 'vault URL', VAULT_URL_EXAMPLE, { query: false });
  if (urlProblem !== undefined) return urlProblem;
  const url = new URL(value);
  // The key identifier the portal shows (…/keys/<name>/<version>) is a common paste.
  if (url.pathname.startsWith('/keys/')) {
    return `Enter only the vault URL, like ${VAULT_URL_EXAMPLE}; the key name and version have their own fields.`;
  }
  if (url.pathname !== '/') return `Remove the path from the vault URL; enter it like ${VAULT_URL_EXAMPLE}.`;
  if (url.port !== '') return `Remove the port from the vault URL; enter it like ${VAULT_URL_EXAMPLE}.`;
  const host = VAULT_HOST_PATTERN.exec(url.hostname);
  if (!host) return `Enter a Key Vault URL ending in .vault.azure.net, or a managed HSM URL ending in .managedhsm.azure.net.`;
  if (!VAULT_NAME_PATTERN.test(host[1] ?? '')) {
    return 'The vault name must be 3–24 letters, digits and hyphens, start with a letter, end with a letter or digit, and have no "--".';
  }
  return undefined;
}

export const ZAzureKeyVaultSettings = ZSettingsObject('Azure Key Vault', {
  vaultUrl: ZRequiredText(`Enter the vault URL, like ${VAULT_URL_EXAMPLE}.`, vaultUrlProblem),
  keyName: ZRequiredText('Enter the key name.', (value) =>
    /^[0-9a-zA-Z-]{1,127}$/.test(value) ? undefined : 'The key name may contain only letters, digits and hyphens, up to 127 characters.',
  ),
  keyVersion: ZOptionalText(
    ZRequiredText('Enter the key version.', (value) =>
      /^[0-9a-f]{32}$/i.test(value)
        ? undefined
        : 'The key version must be 32 hexadecimal characters, like 0123456789abcdef0123456789abcdef; leave it empty to use the current version.',
    ),
  ),
  tenantId: ZUuidFor('directory (tenant) id'),
  clientId: ZUuidFor('application (client) id'),
  // The portal lists a secret's "Secret ID" (a UUID) beside its "Value"; the id is the usual mix-up.
  clientSecret: ZNonEmptySecret('client secret').refine((value) => !UUID_SHAPE_PATTERN.test(value.trim()), {
    error: "This is the secret's ID; copy the secret's Value instead (shown once, when the secret was created).",
  }),
});

export type TAzureKeyVaultSettings = z.infer<typeof ZAzureKeyVaultSettings>;

export const azureKeyVault = defineProvider({
  id: 'azure-key-vault',
  kind: 'kms',
  label: 'Azure Key Vault',
  description: 'Lets the key proxies wrap and unwrap with an RSA key in your Azure key vault or managed HSM.',
  schema: ZAzureKeyVaultSettings,
  fields: [
    defineField({
      name: 'vaultUrl',
      label: 'Vault URL',
      help: "The vault's URI from its Overview page (https://<name>.vault.azure.net), or a managed HSM's (https://<name>.managedhsm.azure.net).",
      example: VAULT_URL_EXAMPLE,
    }),
    defineField({
      name: 'keyName',
      label: 'Key name',
      help: 'The name of the key in the vault (Objects → Keys).',
      example: 'cmk-key',
    }),
    defineField({
      name: 'keyVersion',
      label: 'Key version',
      help: "Leave empty to always use the key's current version; enter a version (32 hex characters) to pin one.",
      example: '0123456789abcdef0123456789abcdef',
      required: false,
    }),
    defineField({
      name: 'tenantId',
      label: 'Directory (tenant) id',
      help: "The Directory (tenant) ID on the app registration's Overview page in Microsoft Entra ID.",
      example: '00000000-0000-4000-8000-000000000000',
    }),
    defineField({
      name: 'clientId',
      label: 'Application (client) id',
      help: "The Application (client) ID of the app registration the proxies sign in as; give it the Key Vault Crypto User role on the key.",
      example: '11111111-1111-4111-8111-111111111111',
    }),
    defineField({
      name: 'clientSecret',
      label: 'Client secret',
      help: "The secret's Value from Certificates & secrets, shown once when it is created (not its Secret ID).",
      example: 'Abc8Q~example-client-secret-value-0000000',
      secret: true,
    }),
  ],
  example: {
    vaultUrl: 'https://cmk-example.vault.azure.net',
    keyName: 'cmk-example-key',
    tenantId: '00000000-0000-4000-8000-000000000000',
    clientId: '11111111-1111-4111-8111-111111111111',
    clientSecret: 'Abc8Q~example-client-secret-value-0000000',
  },
});
