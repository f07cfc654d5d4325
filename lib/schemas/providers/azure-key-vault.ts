// Azure Key Vault settings: the vault (or managed HSM) and key the key proxies
// use, and the Microsoft Entra app registration they sign in as, with a client
// secret or a certificate. Configurations saved before the certificate option
// have no authMethod and mean a client secret.
import { z } from 'zod';
import {
  leasedKeyLifetimeField,
  checkExclusiveFields,
  defineField,
  defineProvider,
  httpsUrlProblem,
  inspectPemPrivateKey,
  whenSettingsObject,
  ZOptionalText,
  ZRequiredText,
  ZKmsSettingsObject,
} from './common';
import { AZURE_APP_CREDENTIALS, AZURE_APP_CREDENTIALS_EXAMPLE, azureAppCredentialFields } from './azure-credentials';
import { caCertificateField, isCertificateDer, ZCaCertificatePem } from './ca-certificate';

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

export const AZURE_KEY_VAULT_AUTH_METHODS = [
  { value: 'client-secret', label: 'Client secret' },
  { value: 'client-certificate', label: 'Certificate' },
] as const;
type TAzureAuthMethod = (typeof AZURE_KEY_VAULT_AUTH_METHODS)[number]['value'];

const CERTIFICATE_EXAMPLE = '-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----';
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** What @azure/identity's ClientCertificateCredential takes: the app's certificate and its RSA private key, in PEM. */
function clientCertificateProblem(value: string): string | undefined {
  if (value.length > 32_768) return 'This is too long for a certificate and its key; paste only the certificate the app registration lists and its private key.';
  const blocks = [...value.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', text: m[0] }));
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE');
  const keys = blocks.filter((b) => /PRIVATE KEY$/.test(b.label));
  const both = 'Paste the certificate and its private key in PEM, both blocks one after the other';
  if (certificates.length === 0) return `${both}; the -----BEGIN CERTIFICATE----- block is missing.`;
  if (keys.length === 0) return `${both}; the private key (-----BEGIN PRIVATE KEY-----) is missing: the proxies sign in with it.`;
  if (keys.length > 1) return 'Paste only one private key: the one that belongs to the certificate.';
  const body = (certificates[0]?.text ?? '').replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  let der: Uint8Array | undefined;
  try {
    der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  } catch {
    der = undefined;
  }
  if (!der || !isCertificateDer(der)) return 'The certificate is damaged or incomplete; paste the whole PEM block exactly as exported.';
  const inspection = inspectPemPrivateKey(keys[0]?.text ?? '', 'The private key');
  if (!inspection.ok) return inspection.message;
  if (inspection.algorithm !== 'rsa') return 'Microsoft Entra ID signs apps in with RSA certificates only; use an RSA certificate and key.';
  return undefined;
}

const ZClientCertificate = z
  .string()
  .trim()
  .check((ctx) => {
    const message = clientCertificateProblem(ctx.value);
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });

export const ZAzureKeyVaultSettings = ZKmsSettingsObject('Azure Key Vault', {
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
  tenantId: AZURE_APP_CREDENTIALS.tenantId,
  clientId: AZURE_APP_CREDENTIALS.clientId,
  authMethod: z
    .enum(AZURE_KEY_VAULT_AUTH_METHODS.map((method) => method.value) as [TAzureAuthMethod, ...TAzureAuthMethod[]], {
      error: 'Choose how the key proxies sign in: a client secret or a certificate.',
    })
    .default('client-secret'),
  clientSecret: ZOptionalText(AZURE_APP_CREDENTIALS.clientSecret),
  clientCertificate: ZOptionalText(ZClientCertificate),
  // Azure's own vaults use public CAs; a private CA is for a vault reached through a TLS-inspecting proxy or an Azure Stack Hub.
  caCertificate: ZCaCertificatePem,
}).superRefine((settings, ctx) => {
  if (settings.authMethod === 'client-certificate') {
    checkExclusiveFields(ctx, settings, {
      required: { clientCertificate: `Paste the app's certificate and its private key, like ${CERTIFICATE_EXAMPLE}.` },
      refused: { clientSecret: 'Leave the client secret empty when the proxies sign in with a certificate.' },
    });
  } else if (settings.authMethod === 'client-secret') {
    checkExclusiveFields(ctx, settings, {
      required: { clientSecret: 'Enter the client secret.' },
      refused: { clientCertificate: 'Leave the certificate empty when the proxies sign in with a client secret.' },
    });
  }
}, whenSettingsObject);

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
    ...azureAppCredentialFields('the Key Vault Crypto User role on the key').flatMap((field) =>
      field.name !== 'clientSecret'
        ? [field]
        : [
            defineField({
              name: 'authMethod',
              label: 'Sign in with',
              help: 'A certificate is recommended: its private key never leaves the configuration, and Entra ID checks a signature instead of a shared secret.',
              example: 'client-certificate',
              input: 'select',
              options: AZURE_KEY_VAULT_AUTH_METHODS,
            }),
            { ...field, showWhen: { field: 'authMethod', equals: 'client-secret' } },
            defineField({
              name: 'clientCertificate',
              label: 'Certificate and private key',
              help: "The certificate uploaded to the app registration (Certificates & secrets → Certificates) followed by its RSA private key, both in PEM, without a passphrase.",
              example: CERTIFICATE_EXAMPLE,
              input: 'pem',
              secret: true,
              showWhen: { field: 'authMethod', equals: 'client-certificate' },
            }),
          ],
    ),
    caCertificateField('your Key Vault'),
    leasedKeyLifetimeField,
  ],
  example: {
    vaultUrl: 'https://cmk-example.vault.azure.net',
    keyName: 'cmk-example-key',
    ...AZURE_APP_CREDENTIALS_EXAMPLE,
    authMethod: 'client-secret',
  },
});
