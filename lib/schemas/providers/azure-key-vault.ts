// Azure Key Vault settings: the vault (or managed HSM) and key the key proxies
// use, and the Microsoft Entra app registration they sign in as.
import type { z } from 'zod';
import {
  defineField,
  defineProvider,
  httpsUrlProblem,
  ZOptionalText,
  ZRequiredText,
  ZSettingsObject,
} from './common';
import { AZURE_APP_CREDENTIALS, AZURE_APP_CREDENTIALS_EXAMPLE, azureAppCredentialFields } from './azure-credentials';
import { caCertificateField, ZCaCertificatePem } from './ca-certificate';

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
  ...AZURE_APP_CREDENTIALS,
  // Azure's own vaults use public CAs; a private CA is for a vault reached through a TLS-inspecting proxy or an Azure Stack Hub.
  caCertificate: ZCaCertificatePem,
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
    ...azureAppCredentialFields('the Key Vault Crypto User role on the key'),
    caCertificateField('your Key Vault'),
  ],
  example: {
    vaultUrl: 'https://cmk-example.vault.azure.net',
    keyName: 'cmk-example-key',
    ...AZURE_APP_CREDENTIALS_EXAMPLE,
  },
});
