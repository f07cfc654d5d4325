// Google Cloud KMS settings: the crypto key the key proxies use, named by its
// full resource name, and the service account key they sign in with.
import type { z } from 'zod';
import { defineField, defineProvider, GOOGLE_PROJECT_ID_PATTERN, leasedKeyLifetimeField, whenSettingsObject, ZGoogleServiceAccountJson, ZKmsSettingsObject, ZRequiredText } from './common';

const KEY_NAME_EXAMPLE = 'projects/my-project/locations/europe-west1/keyRings/my-ring/cryptoKeys/my-key';

/** Key rings and crypto keys: 1–63 letters, digits, hyphens and underscores. */
const KMS_ID_PATTERN = /^[a-zA-Z0-9_-]{1,63}$/;
/** Locations: regions (europe-west1), multi-regions (eu, nam-eur-asia1) and global. */
const LOCATION_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** KMS also accepts the project number in place of the project id. */
const PROJECT_NUMBER_PATTERN = /^[1-9]\d{5,18}$/;

export const CRYPTO_KEY_NAME_PATTERN =
  /^projects\/([^/]+)\/locations\/([^/]+)\/keyRings\/([^/]+)\/cryptoKeys\/([^/]+)$/;

function cryptoKeyNameProblem(value: string): string | undefined {
  if (value.startsWith('//cloudkms.googleapis.com/')) return 'Remove //cloudkms.googleapis.com/ from the start; the name begins with projects/.';
  const segments = value.split('/');
  if (segments.length === 10 && segments[8] === 'cryptoKeyVersions') {
    return 'Remove /cryptoKeyVersions/… from the end: enter the key itself, not one of its versions.';
  }
  const match = CRYPTO_KEY_NAME_PATTERN.exec(value);
  if (!match) return `Enter the key's full resource name, like ${KEY_NAME_EXAMPLE}.`;
  const [, project = '', location = '', keyRing = '', cryptoKey = ''] = match;
  if (!GOOGLE_PROJECT_ID_PATTERN.test(project) && !PROJECT_NUMBER_PATTERN.test(project)) {
    return 'The project in the resource name must be a project id (6–30 lower-case letters, digits and hyphens, starting with a letter) or a project number.';
  }
  if (!LOCATION_PATTERN.test(location)) return 'The location in the resource name must be a location id, like europe-west1, eu or global.';
  if (!KMS_ID_PATTERN.test(keyRing)) return 'The key ring name must be 1–63 letters, digits, hyphens and underscores.';
  if (!KMS_ID_PATTERN.test(cryptoKey)) return 'The crypto key name must be 1–63 letters, digits, hyphens and underscores.';
  return undefined;
}

/**
 * The key proxies send a signed assertion to the key file's token_uri, so it
 * must be Google's token endpoint in the key file's universe (googleapis.com
 * unless universe_domain says otherwise): oauth2.<universe>, another host of
 * that universe, or — in key files made before 2019 — accounts.google.com.
 * Any other host would receive the proxies' requests for nothing.
 */
export function googleTokenUriProblem(tokenUri: string, universe = 'googleapis.com'): string | undefined {
  const message = `The key file's token_uri must be Google's token endpoint, like https://oauth2.${universe}/token.`;
  let url: URL;
  try {
    url = new URL(tokenUri);
  } catch {
    return message;
  }
  const host = url.hostname.toLowerCase();
  const inUniverse = host.endsWith(`.${universe.toLowerCase()}`) || (universe === 'googleapis.com' && host === 'accounts.google.com');
  return url.protocol === 'https:' && url.port === '' && inUniverse ? undefined : message;
}

/** A settings refinement: the key file's token_uri is Google's token endpoint (the Cloud Logging settings share it). */
export function checkGoogleTokenUri(settings: { serviceAccountKey?: unknown }, ctx: z.RefinementCtx): void {
  const file = settings.serviceAccountKey as Partial<Record<string, unknown>> | undefined;
  if (typeof file !== 'object' || file === null || typeof file.token_uri !== 'string') return;
  const universe = typeof file.universe_domain === 'string' ? file.universe_domain : undefined;
  const message = googleTokenUriProblem(file.token_uri.trim(), universe);
  if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['serviceAccountKey'], message });
}

export const ZGoogleCloudKmsSettings = ZKmsSettingsObject('Google Cloud KMS', {
  cryptoKeyName: ZRequiredText(`Enter the key's resource name, like ${KEY_NAME_EXAMPLE}.`, cryptoKeyNameProblem),
  serviceAccountKey: ZGoogleServiceAccountJson,
}).superRefine(checkGoogleTokenUri, whenSettingsObject);

export type TGoogleCloudKmsSettings = z.infer<typeof ZGoogleCloudKmsSettings>;

/**
 * The textbook RSA key (p = 61, q = 53, e = 17) in PKCS#8: structurally
 * complete, so it passes every check, and 12 bits long, so it is obviously no
 * one's real key.
 */
const EXAMPLE_PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMDMCAQAwDQYJKoZIhvcNAQEBBQAEHzAdAgEAAgIMoQIBEQICCsECAT0CATUCATUCATECASY=\n-----END PRIVATE KEY-----\n';

export const googleCloudKms = defineProvider({
  id: 'google-cloud-kms',
  kind: 'kms',
  label: 'Google Cloud KMS',
  description: 'Lets the key proxies encrypt and decrypt with a key in your Google Cloud KMS key ring.',
  schema: ZGoogleCloudKmsSettings,
  fields: [
    defineField({
      name: 'cryptoKeyName',
      label: 'Key resource name',
      help: 'The full name of a symmetric crypto key; in the console, open the key, choose ⋮ → Copy resource name.',
      example: KEY_NAME_EXAMPLE,
    }),
    defineField({
      name: 'serviceAccountKey',
      label: 'Service account key (JSON)',
      help: 'A JSON key of a service account with the Cloud KMS CryptoKey Encrypter/Decrypter role on the key (IAM → Service accounts → Keys → Add key); paste the file or upload it.',
      example: '{ "type": "service_account", "project_id": "my-project", "private_key_id": "…", "private_key": "-----BEGIN PRIVATE KEY-----\\n…", "client_email": "cmk-proxy@my-project.iam.gserviceaccount.com", … }',
      input: 'json',
      secret: true,
    }),
    leasedKeyLifetimeField,
  ],
  example: {
    cryptoKeyName: 'projects/example-project/locations/europe-west1/keyRings/cmk-example/cryptoKeys/cmk-example-key',
    serviceAccountKey: {
      type: 'service_account',
      project_id: 'example-project',
      private_key_id: '0123456789abcdef0123456789abcdef01234567',
      private_key: EXAMPLE_PRIVATE_KEY,
      client_email: 'cmk-proxy@example-project.iam.gserviceaccount.com',
      client_id: '100000000000000000000',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'googleapis.com',
    },
  },
});
