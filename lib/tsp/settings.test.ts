import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outboundOptions, parseTspSettings, TspSettingsError } from './settings';

const dir = mkdtempSync(join(tmpdir(), 'tsp-settings-'));
const credentials = join(dir, 'creds.json');
writeFileSync(credentials, '{}');
const KEY = Buffer.from('0123456789abcdef0123').toString('base64');
const env = { TSP_API_KEY: KEY };

function problems(flags: Record<string, string>, vars: Record<string, string>): string {
  try {
    parseTspSettings(flags, vars);
  } catch (error) {
    expect(error).toBeInstanceOf(TspSettingsError);
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('TSP settings', () => {
  it('takes the reference defaults: API on 7777, health on 9000, loopback', () => {
    const s = parseTspSettings({ credentials }, env);
    expect(s).toMatchObject({ port: 7777, healthPort: 9000, host: '127.0.0.1', apiKey: KEY, wait: 30, siemQueue: 10_000, leaseCacheEntries: 50_000 });
    expect(s.apiKey2).toBeUndefined();
  });

  it('reads the leased-key cache bound, and refuses one that is not a whole number from 100 to 10000000', () => {
    expect(parseTspSettings({ credentials }, { ...env, TSP_LEASE_CACHE_ENTRIES: '2000' }).leaseCacheEntries).toBe(2000);
    for (const bad of ['10', '1.5', 'lots', '20000000']) {
      expect(problems({ credentials }, { ...env, TSP_LEASE_CACHE_ENTRIES: bad })).toContain('TSP_LEASE_CACHE_ENTRIES must be a whole number from 100 to 10000000.');
    }
  });

  it('reads the KMS driver cache bound (2000 by default), and refuses one that is not a whole number from 100 to 1000000', () => {
    expect(parseTspSettings({ credentials }, env).kmsDriverCache).toBe(2000);
    expect(parseTspSettings({ credentials }, { ...env, TSP_KMS_DRIVER_CACHE: '12000' }).kmsDriverCache).toBe(12_000);
    for (const bad of ['99', '2.5', 'all', '2000000', '-1']) {
      expect(problems({ credentials }, { ...env, TSP_KMS_DRIVER_CACHE: bad })).toContain('TSP_KMS_DRIVER_CACHE must be a whole number from 100 to 1000000.');
    }
  });

  it('lets flags win over variables, and reads a second API key for rotation', () => {
    const second = Buffer.from('second-key-0123456789').toString('base64');
    const s = parseTspSettings({ credentials, port: '8443', 'health-port': '9100' }, { ...env, TSP_PORT: '1', TSP_API_KEY_2: second, TSP_MAX_STALENESS_S: '300' });
    expect(s).toMatchObject({ port: 8443, healthPort: 9100, apiKey2: second, maxStaleness: 300 });
  });

  it('names each bad setting, and never echoes a secret', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE!';
    const message = problems(
      { credentials: join(dir, 'missing.json'), port: 'eighty', 'max-staleness': '0' },
      { TSP_API_KEY: 'short', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: secret, TSP_RESOLVE: 'no pairs here' },
    );
    expect(message).toContain('--credentials: no such file.');
    expect(message).toContain('--port (TSP_PORT) must be a port number.');
    expect(message).toContain('TSP_API_KEY must be base64 of at least 16 random bytes');
    expect(message).toContain('--max-staleness (TSP_MAX_STALENESS_S) must be at least 1 second.');
    expect(message).toContain('AWS_SECRET_ACCESS_KEY must be 40 letters');
    expect(message).toContain('TSP_RESOLVE must be host=address pairs');
    expect(message).not.toContain(secret);
    expect(message).not.toContain('short');
  });

  it('requires the credentials file and an API key', () => {
    const message = problems({}, {});
    expect(message).toContain('--credentials <file.json> is required');
    expect(message).toContain('TSP_API_KEY is required');
  });

  it('refuses the same key twice, the same port for API and health, and half a TLS pair', () => {
    const message = problems({ credentials, port: '9000', 'tls-cert': credentials }, { ...env, TSP_API_KEY_2: KEY });
    expect(message).toContain('Give both --tls-cert and --tls-key');
    expect(message).toContain('TSP_API_KEY_2 is the same as TSP_API_KEY');
    expect(message).toContain('The API and health ports must differ.');
  });

  it('turns the AWS and SIEM settings into driver options', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const s = parseTspSettings({ credentials }, {
      ...env,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_ENDPOINT_URL_KMS: 'https://kms.eu-west-1.amazonaws.com',
      TSP_EXTRA_CA_FILE: ca,
      TSP_RESOLVE: 'siem.internal=10.0.0.5,splunk.internal=10.0.0.6',
      TSP_SIEM_CONNECT_TO: 'http-intake.logs.datadoghq.eu:443=10.0.0.9:8443',
    });
    const out = outboundOptions(s);
    expect(out.kms.aws).toEqual({ endpoints: { kms: 'https://kms.eu-west-1.amazonaws.com' }, vendorCredentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
    expect(out.siem).toMatchObject({ resolve: { 'siem.internal': '10.0.0.5', 'splunk.internal': '10.0.0.6' }, connectTo: { 'http-intake.logs.datadoghq.eu:443': '10.0.0.9:8443' }, maxQueueEvents: 10_000 });
    expect(out.siem.ca?.[0]).toContain('BEGIN CERTIFICATE');
  });

  it('turns the Google and Azure endpoint settings into driver options, each CA for its own endpoints', () => {
    const ca = join(dir, 'kms-ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
    const s = parseTspSettings({ credentials }, {
      ...env,
      TSP_GOOGLE_KMS_ENDPOINT: 'https://cloudkms-psc.p.googleapis.com',
      TSP_GOOGLE_TOKEN_URL: 'https://oauth2-psc.p.googleapis.com/token',
      TSP_GOOGLE_CA_FILE: ca,
      TSP_AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us',
      TSP_AZURE_AUTHORITY_CA_FILE: ca,
      TSP_AZURE_VAULT_CONNECT_TO: '10.0.0.7:443',
    });
    const out = outboundOptions(s);
    expect(out.kms.google).toEqual({ endpoint: 'https://cloudkms-psc.p.googleapis.com', tokenUrl: 'https://oauth2-psc.p.googleapis.com/token', ca: [expect.stringContaining('MIIC')] });
    expect(out.kms.azure).toEqual({ authorityHost: 'https://login.microsoftonline.us', authorityCaCertificate: expect.stringContaining('MIIC'), vaultConnectTo: '10.0.0.7:443' });
    expect(out.siem.ca).toBeUndefined();
    // Unset, the drivers use the clouds' public endpoints.
    expect(outboundOptions(parseTspSettings({ credentials }, env)).kms).toMatchObject({ google: {}, azure: {} });
  });

  it('names each bad Google or Azure endpoint setting', () => {
    const notPem = join(dir, 'not-pem.txt');
    writeFileSync(notPem, 'hello');
    const message = problems({ credentials }, {
      ...env,
      TSP_GOOGLE_KMS_ENDPOINT: 'http://cloudkms.internal',
      TSP_GOOGLE_TOKEN_URL: 'not a url',
      TSP_GOOGLE_CA_FILE: notPem,
      TSP_AZURE_AUTHORITY_CA_FILE: join(dir, 'missing.pem'),
      TSP_AZURE_VAULT_CONNECT_TO: 'vault.internal',
    });
    expect(message).toContain('TSP_GOOGLE_KMS_ENDPOINT must be an https URL');
    expect(message).toContain('TSP_GOOGLE_TOKEN_URL must be an https URL');
    expect(message).toContain('TSP_GOOGLE_CA_FILE must hold PEM CA certificates');
    expect(message).toContain('TSP_AZURE_AUTHORITY_CA_FILE: no such file.');
    expect(message).toContain('TSP_AZURE_VAULT_CONNECT_TO must be host:port');
    expect(problems({ credentials }, { ...env, TSP_AZURE_VAULT_CONNECT_TO: '10.0.0.7:70000' })).toContain('TSP_AZURE_VAULT_CONNECT_TO must end in a port from 1 to 65535.');
  });

  it('refuses a CA file without the endpoint it is for', () => {
    const ca = join(dir, 'kms-ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
    const message = problems({ credentials }, { ...env, TSP_GOOGLE_CA_FILE: ca, TSP_AZURE_AUTHORITY_CA_FILE: ca });
    expect(message).toContain('TSP_GOOGLE_CA_FILE is only used with TSP_GOOGLE_KMS_ENDPOINT or TSP_GOOGLE_TOKEN_URL');
    expect(message).toContain('TSP_AZURE_AUTHORITY_CA_FILE is only used with TSP_AZURE_AUTHORITY_HOST');
  });
});
