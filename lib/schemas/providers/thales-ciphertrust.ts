// Thales CipherTrust Manager settings: the appliance (and the CA that signs
// its certificate, if private), the key the key proxies use and the domain it
// lives in, and the user they sign in as (in which domain, through which
// connection). Each field is one field of CipherTrust's token request
// (POST /api/v1/auth/tokens: username, password, auth_domain, domain,
// connection) or of its crypto request (the key's id or name).
import type { z } from 'zod';
import { caCertificateField, ZCaCertificatePem } from './ca-certificate';
import {
  leasedKeyLifetimeField,
  defineField,
  defineProvider,
  UUID_SHAPE_PATTERN,
  ZHttpsUrlFor,
  ZNonEmptySecret,
  ZOptionalText,
  ZRequiredText,
  ZKmsSettingsObject,
  ZTextWithDefault,
} from './common';

/**
 * CipherTrust refers to a key by name, by UUID or by its 64-hex-digit id. A
 * name is free text, but it travels in URL paths, so the characters that
 * would change the path are refused.
 */
function keyIdProblem(value: string): string | undefined {
  if (UUID_SHAPE_PATTERN.test(value) || /^[0-9a-f]{64}$/i.test(value)) return undefined;
  if (value.length > 256) return 'The key name is too long; use at most 256 characters.';
  if (/[/?#%\\]/.test(value)) return "The key name cannot contain / ? # % or \\; enter the key's name, UUID or 64-character id.";
  return undefined;
}

/** Domains and connections: letters, digits, . _ - and single inner spaces. */
const NAME_PATTERN = /^[A-Za-z0-9_.-]+(?: [A-Za-z0-9_.-]+)*$/;

const nameProblem = (what: string, empty: string) => (value: string) =>
  NAME_PATTERN.test(value) && value.length <= 128
    ? undefined
    : `The ${what} may contain letters, digits, spaces, dots, hyphens and underscores; leave it empty for ${empty}.`;

export const ZThalesCipherTrustSettings = ZKmsSettingsObject('CipherTrust Manager', {
  url: ZHttpsUrlFor('CipherTrust Manager URL', 'https://ciphertrust.example.com', { query: false }),
  keyId: ZRequiredText("Enter the key's name, UUID or 64-character id.", keyIdProblem),
  username: ZRequiredText('Enter the user name.', (value) => (value.length > 256 ? 'The user name is too long; use at most 256 characters.' : undefined)),
  password: ZNonEmptySecret('password'),
  authDomain: ZTextWithDefault(ZRequiredText('Enter the auth domain.', nameProblem('auth domain', 'root')), 'root'),
  // Added with the driver (issue 21), optional so that existing configurations keep working: the key's
  // domain when it is not the user's own (CipherTrust's `domain`, beside `auth_domain`).
  keyDomain: ZOptionalText(ZRequiredText('Enter the key domain.', nameProblem('key domain', "the user's auth domain"))),
  connection: ZTextWithDefault(ZRequiredText('Enter the connection.', nameProblem('connection', 'local_account')), 'local_account'),
  caCertificate: ZCaCertificatePem,
});

export type TThalesCipherTrustSettings = z.infer<typeof ZThalesCipherTrustSettings>;

export const thalesCipherTrust = defineProvider({
  id: 'thales-ciphertrust',
  kind: 'kms',
  label: 'Thales CipherTrust Manager',
  description: 'Lets the key proxies encrypt and decrypt with a key held in your CipherTrust Manager.',
  schema: ZThalesCipherTrustSettings,
  fields: [
    defineField({
      name: 'url',
      label: 'CipherTrust Manager URL',
      help: 'The https address of the CipherTrust Manager (or cluster) the proxies call; the API lives under /api/v1 on it.',
      example: 'https://ciphertrust.example.com',
    }),
    defineField({
      name: 'keyId',
      label: 'Key',
      help: "The key's name, its UUID, or its 64-character id, as shown under Keys.",
      example: 'cmk-key',
    }),
    defineField({
      name: 'username',
      label: 'User name',
      help: 'A CipherTrust user allowed to use the key (Key Users group, or a key ACL); a dedicated user for the proxies is best.',
      example: 'cmk-proxy',
    }),
    defineField({
      name: 'password',
      label: 'Password',
      help: "That user's password.",
      example: 'example-password',
      secret: true,
    }),
    defineField({
      name: 'authDomain',
      label: 'Auth domain',
      help: 'The domain the user belongs to; leave empty for root.',
      example: 'root',
      required: false,
    }),
    defineField({
      name: 'keyDomain',
      label: 'Key domain',
      help: "The domain the key lives in, if it is not the user's auth domain (a user of root working in a sub-domain); leave empty otherwise.",
      example: 'tenant-acme',
      required: false,
    }),
    defineField({
      name: 'connection',
      label: 'Connection',
      help: 'The identity connection the user signs in through (an LDAP or OIDC connection name); leave empty for local_account.',
      example: 'local_account',
      required: false,
    }),
    caCertificateField('your CipherTrust Manager'),
    leasedKeyLifetimeField,
  ],
  example: {
    url: 'https://ciphertrust.example.com',
    keyId: 'cmk-example-key',
    username: 'cmk-proxy',
    password: 'example-password-not-real',
    authDomain: 'root',
    connection: 'local_account',
  },
});
