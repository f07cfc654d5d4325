// Google Cloud Logging settings: the project and log the key proxies write
// audit entries to, and the service account they write as.
import type { z } from 'zod';
import { defineField, defineProvider, siemQueueFullField, whenSettingsObject, ZGoogleServiceAccountJson, ZRequiredText, ZSiemSettingsObject } from './common';
import { checkGoogleTokenUri } from './google-cloud-kms';

const PROJECT_EXAMPLE = 'acme-security-logs';
const LOG_EXAMPLE = 'cmk-proxy/audit';

/**
 * Google's rules for project ids: 6–30 characters, lower-case letters,
 * digits and hyphens, starting with a letter and not ending with a hyphen.
 * The project number (all digits) and the display name are the usual
 * mix-ups. Legacy domain-scoped ids (example.com:project) are not accepted.
 */
export const ZGoogleLoggingProjectId = ZRequiredText(`Enter the project id, like ${PROJECT_EXAMPLE}.`, (value) => {
  if (/^\d+$/.test(value)) return `This is the project number; enter the project id instead, like ${PROJECT_EXAMPLE}.`;
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(value)) {
    return `The project id must be 6–30 lower-case letters, digits and hyphens, starting with a letter, like ${PROJECT_EXAMPLE}.`;
  }
  return undefined;
});

/**
 * The LOG_ID of `projects/<project>/logs/<LOG_ID>`: under 512 characters of
 * letters, digits and `/ _ - .`. Stored plain; the proxy URL-encodes it
 * (`/` → `%2F`) when it builds the log name.
 */
export const ZGoogleLogName = ZRequiredText(
  `Enter the log name, like ${LOG_EXAMPLE}.`,
  (value) => {
    if (/^projects\/|\/logs\//.test(value)) return `Enter only the log id, not the full projects/…/logs/… name, like ${LOG_EXAMPLE}.`;
    if (/%[0-9A-Fa-f]{2}/.test(value)) return `Write the log name without URL encoding (/ rather than %2F), like ${LOG_EXAMPLE}.`;
    if (!/^[A-Za-z0-9/_.-]+$/.test(value)) return `Use only letters, digits and / _ - . in the log name, like ${LOG_EXAMPLE}.`;
    return undefined;
  },
  511,
);

/**
 * The service account's own project is deliberately not required to match
 * the log's project: writing to another project's logs only needs the Logs
 * Writer role there, and a dedicated logging project is a common layout. The
 * key file's token_uri must be Google's, as for Cloud KMS: the proxy posts
 * signed assertions there.
 */
export const ZGoogleCloudLoggingSettings = ZSiemSettingsObject('Google Cloud Logging', {
  projectId: ZGoogleLoggingProjectId,
  logName: ZGoogleLogName,
  serviceAccountKey: ZGoogleServiceAccountJson,
}).superRefine(checkGoogleTokenUri, whenSettingsObject);
export type TGoogleCloudLoggingSettings = z.infer<typeof ZGoogleCloudLoggingSettings>;

/**
 * The textbook RSA key (p = 61, q = 53, e = 17) in PKCS#8: structurally
 * complete, so it passes every check, and 12 bits long, so it is obviously no
 * one's real key.
 */
const EXAMPLE_PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nMDMCAQAwDQYJKoZIhvcNAQEBBQAEHzAdAgEAAgIMoQIBEQICCsECAT0CATUCATUCATECASY=\n-----END PRIVATE KEY-----\n';

export const googleCloudLogging = defineProvider({
  id: 'google-cloud-logging',
  kind: 'siem',
  label: 'Google Cloud Logging',
  description: 'Lets the key proxies write audit entries to a log in your Google Cloud project.',
  schema: ZGoogleCloudLoggingSettings,
  fields: [
    defineField({
      name: 'projectId',
      label: 'Project id',
      help: 'The id (not the name or number) of the project that holds the log; it may differ from the service account’s own project.',
      example: PROJECT_EXAMPLE,
    }),
    defineField({
      name: 'logName',
      label: 'Log name',
      help: 'The log the entries go to, as Logs Explorer shows it after logs/; it is created on the first write.',
      example: LOG_EXAMPLE,
    }),
    defineField({
      name: 'serviceAccountKey',
      label: 'Service account key (JSON)',
      help: 'A JSON key of a service account with the Logs Writer role (roles/logging.logWriter) on the project above; paste the file or upload it.',
      example:
        '{ "type": "service_account", "project_id": "my-project", "private_key_id": "…", "private_key": "-----BEGIN PRIVATE KEY-----\\n…", "client_email": "cmk-proxy@my-project.iam.gserviceaccount.com", … }',
      input: 'json',
      secret: true,
    }),
    siemQueueFullField,
  ],
  example: {
    projectId: 'example-security-logs',
    logName: LOG_EXAMPLE,
    serviceAccountKey: {
      type: 'service_account',
      project_id: 'example-project',
      private_key_id: '89abcdef0123456789abcdef0123456789abcdef',
      private_key: EXAMPLE_PRIVATE_KEY,
      client_email: 'cmk-log-writer@example-project.iam.gserviceaccount.com',
      client_id: '100000000000000000001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      universe_domain: 'googleapis.com',
    },
    onQueueFull: 'drop',
  },
});
