// The TSP's settings, from command-line flags and environment variables,
// checked with zod at start: a wrong value stops the process with a message
// that names the flag or variable and what it expects. Secrets (API keys, the
// vendor's AWS secret) come from the environment only, never from flags,
// which other users of the machine can read in the process list.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TKmsDriverOptions } from '@/lib/kms/types';
import { SUPPORTED_SIEM_PROVIDERS } from '@/lib/siem/registry';
import { MAX_DRIVERS } from './configs';

export class TspSettingsError extends Error {}

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number.` })
    .int({ error: `${name} must be a whole port number.` })
    .min(0, { error: `${name} must be from 0 to 65535.` })
    .max(65_535, { error: `${name} must be from 0 to 65535.` })
    .default(fallback);

/** The reference's Rust client accepts only API keys that are base64 of at least 12 bytes; so do we, so that every client works. */
const apiKey = (name: string) =>
  z
    .string({ error: `${name} is required: the API key the application sends as "Authorization: cmk <key>".` })
    .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && v.length % 4 === 0 && Buffer.from(v, 'base64').length >= 16, {
      error: `${name} must be base64 of at least 16 random bytes (e.g. openssl rand -base64 32), so that every reference client accepts it.`,
    });

const file = (name: string) =>
  z.string().refine((p) => existsSync(p), { error: `${name}: no such file.` });

/** An https URL: these endpoints carry bearer tokens and key material. */
const httpsUrl = (name: string, like: string) =>
  z.url({ protocol: /^https$/, error: `${name} must be an https URL, like ${like}.` });

const pemFile = (name: string) =>
  file(name).refine((p) => !existsSync(p) || readFileSync(p, 'utf8').includes('-----BEGIN CERTIFICATE-----'), { error: `${name} must hold PEM CA certificates (-----BEGIN CERTIFICATE-----).` });

const wholeNumber = (name: string, min: number, max: number) => {
  const error = `${name} must be a whole number from ${min} to ${max}.`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const ZSettings = z
  .object({
    credentials: z.string({ error: '--credentials <file.json> is required: the proxy deployment credentials file from the broker.' }).pipe(file('--credentials')),
    pins: z.string().optional(),
    host: z.string().min(1).default('127.0.0.1'),
    port: port('--port (TSP_PORT)', 7777),
    healthPort: port('--health-port (TSP_HEALTH_PORT)', 9000),
    apiKey: apiKey('TSP_API_KEY'),
    apiKey2: apiKey('TSP_API_KEY_2').optional(),
    tlsCert: file('--tls-cert (TSP_TLS_CERT_FILE)').optional(),
    tlsKey: file('--tls-key (TSP_TLS_KEY_FILE)').optional(),
    maxStaleness: z.coerce.number({ error: '--max-staleness (TSP_MAX_STALENESS_S) must be a number of seconds.' }).int().min(1, { error: '--max-staleness (TSP_MAX_STALENESS_S) must be at least 1 second.' }).max(7 * 24 * 3600, { error: '--max-staleness (TSP_MAX_STALENESS_S) is at most a week.' }).optional(),
    wait: z.coerce.number().int().min(1).max(60, { error: '--wait must be from 1 to 60 seconds.' }).default(30),
    awsAccessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{16}$/, { error: 'AWS_ACCESS_KEY_ID must be an AWS access key id (AKIA… or ASIA…, 20 characters).' }).optional(),
    awsSecretAccessKey: z.string().regex(/^[A-Za-z0-9/+]{40}$/, { error: 'AWS_SECRET_ACCESS_KEY must be 40 letters, digits, / and + characters.' }).optional(),
    awsSessionToken: z.string().min(1).optional(),
    awsKmsEndpoint: z.url({ error: 'AWS_ENDPOINT_URL_KMS must be a URL.' }).optional(),
    awsStsEndpoint: z.url({ error: 'AWS_ENDPOINT_URL_STS must be a URL.' }).optional(),
    extraCaFile: file('TSP_EXTRA_CA_FILE').optional(),
    googleKmsEndpoint: httpsUrl('TSP_GOOGLE_KMS_ENDPOINT', 'https://cloudkms-myendpoint.p.googleapis.com').optional(),
    googleTokenUrl: httpsUrl('TSP_GOOGLE_TOKEN_URL', 'https://oauth2-myendpoint.p.googleapis.com/token').optional(),
    googleCaFile: pemFile('TSP_GOOGLE_CA_FILE').optional(),
    azureAuthorityHost: httpsUrl('TSP_AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.us').optional(),
    azureAuthorityCaFile: pemFile('TSP_AZURE_AUTHORITY_CA_FILE').optional(),
    azureVaultConnectTo: z
      .string()
      .regex(/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/, { error: 'TSP_AZURE_VAULT_CONNECT_TO must be host:port, like 10.0.0.7:443 or [fd00::7]:443.' })
      .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535 && Number(v.slice(v.lastIndexOf(':') + 1)) > 0, { error: 'TSP_AZURE_VAULT_CONNECT_TO must end in a port from 1 to 65535.' })
      .optional(),
    resolve: z
      .string()
      .regex(/^([A-Za-z0-9.-]+=[0-9A-Fa-f.:]+)(,[A-Za-z0-9.-]+=[0-9A-Fa-f.:]+)*$/, { error: 'TSP_RESOLVE must be host=address pairs separated by commas, like siem.internal=10.0.0.5.' })
      .optional(),
    siemConnectTo: z
      .string()
      .regex(/^([A-Za-z0-9.-]+:\d{1,5}=[0-9A-Za-z.-]+:\d{1,5})(,[A-Za-z0-9.-]+:\d{1,5}=[0-9A-Za-z.-]+:\d{1,5})*$/, {
        error: 'TSP_SIEM_CONNECT_TO must be host:port=address:port pairs separated by commas, like http-intake.logs.datadoghq.eu:443=10.0.0.9:8443.',
      })
      .optional(),
    siemProviders: z
      .string()
      .transform((value) => value.split(',').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.enum(SUPPORTED_SIEM_PROVIDERS as [string, ...string[]], { error: `TSP_SIEM_PROVIDERS lists SIEM providers separated by commas, from: ${SUPPORTED_SIEM_PROVIDERS.join(', ')}.` })))
      .optional(),
    siemQueue: z.coerce.number().int().min(100, { error: 'TSP_SIEM_QUEUE_EVENTS must be at least 100.' }).max(1_000_000).default(10_000),
    leaseCacheEntries: z.coerce
      .number({ error: 'TSP_LEASE_CACHE_ENTRIES must be a whole number from 100 to 10000000.' })
      .int({ error: 'TSP_LEASE_CACHE_ENTRIES must be a whole number from 100 to 10000000.' })
      .min(100, { error: 'TSP_LEASE_CACHE_ENTRIES must be a whole number from 100 to 10000000.' })
      .max(10_000_000, { error: 'TSP_LEASE_CACHE_ENTRIES must be a whole number from 100 to 10000000.' })
      .default(50_000),
    kmsDriverCache: wholeNumber('TSP_KMS_DRIVER_CACHE', 100, 1_000_000).default(MAX_DRIVERS),
  })
  .superRefine((s, ctx) => {
    if ((s.tlsCert === undefined) !== (s.tlsKey === undefined)) ctx.addIssue({ code: 'custom', path: ['tlsCert'], message: 'Give both --tls-cert and --tls-key (TSP_TLS_CERT_FILE, TSP_TLS_KEY_FILE), or neither.' });
    if ((s.awsAccessKeyId === undefined) !== (s.awsSecretAccessKey === undefined)) ctx.addIssue({ code: 'custom', path: ['awsAccessKeyId'], message: 'Give both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (then the AWS SDK default chain is used).' });
    if (s.apiKey2 !== undefined && s.apiKey2 === s.apiKey) ctx.addIssue({ code: 'custom', path: ['apiKey2'], message: 'TSP_API_KEY_2 is the same as TSP_API_KEY; during a rotation it holds the other key.' });
    if (s.googleCaFile !== undefined && s.googleKmsEndpoint === undefined && s.googleTokenUrl === undefined) ctx.addIssue({ code: 'custom', path: ['googleCaFile'], message: 'TSP_GOOGLE_CA_FILE is only used with TSP_GOOGLE_KMS_ENDPOINT or TSP_GOOGLE_TOKEN_URL; give the endpoint it is for.' });
    if (s.azureAuthorityCaFile !== undefined && s.azureAuthorityHost === undefined) ctx.addIssue({ code: 'custom', path: ['azureAuthorityCaFile'], message: 'TSP_AZURE_AUTHORITY_CA_FILE is only used with TSP_AZURE_AUTHORITY_HOST; give the authority it is for.' });
    if (s.port !== 0 && s.port === s.healthPort) ctx.addIssue({ code: 'custom', path: ['healthPort'], message: 'The API and health ports must differ.' });
  });

export type TTspSettings = z.infer<typeof ZSettings>;

export type TTspFlags = Partial<Record<'credentials' | 'pins' | 'host' | 'port' | 'health-port' | 'tls-cert' | 'tls-key' | 'max-staleness' | 'wait', string>>;

/** Flags win over environment variables; empty variables count as unset. */
export function parseTspSettings(flags: TTspFlags, env: Readonly<Record<string, string | undefined>>): TTspSettings {
  const e = (name: string) => (env[name] === '' ? undefined : env[name]);
  const parsed = ZSettings.safeParse({
    credentials: flags.credentials,
    pins: flags.pins,
    host: flags.host ?? e('TSP_HOST'),
    port: flags.port ?? e('TSP_PORT'),
    healthPort: flags['health-port'] ?? e('TSP_HEALTH_PORT'),
    apiKey: e('TSP_API_KEY'),
    apiKey2: e('TSP_API_KEY_2'),
    tlsCert: flags['tls-cert'] ?? e('TSP_TLS_CERT_FILE'),
    tlsKey: flags['tls-key'] ?? e('TSP_TLS_KEY_FILE'),
    maxStaleness: flags['max-staleness'] ?? e('TSP_MAX_STALENESS_S'),
    wait: flags.wait,
    awsAccessKeyId: e('AWS_ACCESS_KEY_ID'),
    awsSecretAccessKey: e('AWS_SECRET_ACCESS_KEY'),
    awsSessionToken: e('AWS_SESSION_TOKEN'),
    awsKmsEndpoint: e('AWS_ENDPOINT_URL_KMS'),
    awsStsEndpoint: e('AWS_ENDPOINT_URL_STS'),
    extraCaFile: e('TSP_EXTRA_CA_FILE'),
    googleKmsEndpoint: e('TSP_GOOGLE_KMS_ENDPOINT'),
    googleTokenUrl: e('TSP_GOOGLE_TOKEN_URL'),
    googleCaFile: e('TSP_GOOGLE_CA_FILE'),
    azureAuthorityHost: e('TSP_AZURE_AUTHORITY_HOST'),
    azureAuthorityCaFile: e('TSP_AZURE_AUTHORITY_CA_FILE'),
    azureVaultConnectTo: e('TSP_AZURE_VAULT_CONNECT_TO'),
    resolve: e('TSP_RESOLVE'),
    siemQueue: e('TSP_SIEM_QUEUE_EVENTS'),
    leaseCacheEntries: e('TSP_LEASE_CACHE_ENTRIES'),
    kmsDriverCache: e('TSP_KMS_DRIVER_CACHE'),
    siemConnectTo: e('TSP_SIEM_CONNECT_TO'),
    siemProviders: e('TSP_SIEM_PROVIDERS'),
  });
  // Messages name the setting; a secret's value is never echoed.
  if (!parsed.success) throw new TspSettingsError(parsed.error.issues.map((i) => `- ${i.message}`).join('\n'));
  return parsed.data;
}

/** The KMS and SIEM driver options these settings give. */
export function outboundOptions(s: TTspSettings) {
  const endpoints = { ...(s.awsKmsEndpoint ? { kms: s.awsKmsEndpoint } : {}), ...(s.awsStsEndpoint ? { sts: s.awsStsEndpoint } : {}) };
  const vendorCredentials = s.awsAccessKeyId && s.awsSecretAccessKey ? { accessKeyId: s.awsAccessKeyId, secretAccessKey: s.awsSecretAccessKey, ...(s.awsSessionToken ? { sessionToken: s.awsSessionToken } : {}) } : undefined;
  const resolve = s.resolve ? Object.fromEntries(s.resolve.split(',').map((pair) => pair.split('=') as [string, string])) : undefined;
  const connectTo = s.siemConnectTo ? Object.fromEntries(s.siemConnectTo.split(',').map((pair) => pair.split('=') as [string, string])) : undefined;
  const google = {
    ...(s.googleKmsEndpoint ? { endpoint: s.googleKmsEndpoint } : {}),
    ...(s.googleTokenUrl ? { tokenUrl: s.googleTokenUrl } : {}),
    ...(s.googleCaFile ? { ca: [readFileSync(s.googleCaFile, 'utf8')] } : {}),
  };
  const azure = {
    ...(s.azureAuthorityHost ? { authorityHost: s.azureAuthorityHost } : {}),
    ...(s.azureAuthorityCaFile ? { authorityCaCertificate: readFileSync(s.azureAuthorityCaFile, 'utf8') } : {}),
    ...(s.azureVaultConnectTo ? { vaultConnectTo: s.azureVaultConnectTo } : {}),
  };
  return {
    kms: { aws: { endpoints, ...(vendorCredentials ? { vendorCredentials } : {}) }, google, azure } satisfies TKmsDriverOptions,
    siem: { ...(s.extraCaFile ? { ca: [readFileSync(s.extraCaFile, 'utf8')] } : {}), ...(resolve ? { resolve } : {}), ...(connectTo ? { connectTo } : {}), ...(s.siemProviders ? { providers: s.siemProviders } : {}), maxQueueEvents: s.siemQueue },
  };
}
