// The Microsoft Entra app credentials shared by the Azure providers (Key
// Vault, Monitor): directory id, client id and client secret, with their
// field specs. Only the role the app needs differs, so it is a parameter.
import { defineField, UUID_SHAPE_PATTERN, ZNonEmptySecret, ZUuidFor } from './common';

export const AZURE_APP_CREDENTIALS = {
  tenantId: ZUuidFor('directory (tenant) id'),
  clientId: ZUuidFor('application (client) id'),
  // The portal lists a secret's "Secret ID" (a UUID) beside its "Value"; the id is the usual mix-up.
  clientSecret: ZNonEmptySecret('client secret').refine((value) => !UUID_SHAPE_PATTERN.test(value.trim()), {
    error: "This is the secret's ID; copy the secret's Value instead (shown once, when the secret was created).",
  }),
};

export const AZURE_APP_CREDENTIALS_EXAMPLE = {
  tenantId: '00000000-0000-4000-8000-000000000000',
  clientId: '11111111-1111-4111-8111-111111111111',
  clientSecret: 'Abc8Q~example-client-secret-value-0000000',
};

/** Field specs for the credentials; `role` names what the app must be granted, e.g. "the Key Vault Crypto User role on the key". */
export function azureAppCredentialFields(role: string) {
  return [
    defineField({
      name: 'tenantId',
      label: 'Directory (tenant) id',
      help: "The Directory (tenant) ID on the app registration's Overview page in Microsoft Entra ID.",
      example: AZURE_APP_CREDENTIALS_EXAMPLE.tenantId,
    }),
    defineField({
      name: 'clientId',
      label: 'Application (client) id',
      help: `The Application (client) ID of the app registration the proxies sign in as; give it ${role}.`,
      example: AZURE_APP_CREDENTIALS_EXAMPLE.clientId,
    }),
    defineField({
      name: 'clientSecret',
      label: 'Client secret',
      help: "The secret's Value from Certificates & secrets, shown once when it is created (not its Secret ID).",
      example: AZURE_APP_CREDENTIALS_EXAMPLE.clientSecret,
      secret: true,
    }),
  ];
}
