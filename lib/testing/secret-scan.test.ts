// The database secret scan must be able to fail: private JWKs (also nested in
// JSON strings and JOSE headers), PEM blocks and planted canaries in every
// encoding are found and named by table.column; real broker blobs pass.
import { describe, expect, it } from 'vitest';
import { generateAdminKeyPair } from '@/lib/crypto/admin-key';
import { generateTenantKeys, wrapTenantKeys } from '@/lib/crypto/tenant-keys';
import { canaryNeedles, formatFindings, readStoredValues, scanForSecrets, type QuerySession, type ScanRecord } from './secret-scan';

const b64u = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

async function privateJwk() {
  return (await generateAdminKeyPair()).privateJwk;
}

function scan(records: ScanRecord[], canaries: Parameters<typeof scanForSecrets>[1] = []) {
  return scanForSecrets(records, canaries);
}

describe('scanForSecrets', () => {
  it('passes what the broker really stores: public JWKs, a wrapped-keys JWE, sealed envelopes', async () => {
    const admin = await generateAdminKeyPair();
    const tenant = await generateTenantKeys();
    const jwe = await wrapTenantKeys({ encryption: tenant.encryption.privateJwk, signing: tenant.signing.privateJwk }, admin.publicJwk, 'acme');
    const report = scan([
      { where: 'app_user.admin_public_jwk', value: JSON.stringify(admin.publicJwk) },
      { where: 'tenant_admin.wrapped_tenant_keys', value: jwe },
      { where: 'app_user.sealed_admin_key', value: JSON.stringify({ v: 1, typ: 'cmk-sealed-admin-key', alg: 'A256GCM', kid: admin.publicJwk.kid, iv: 'aXY', ct: 'Y3Q' }) },
      { where: 'outbox_mail.body', value: 'Accept here: http://localhost:3000/invite#abc' },
      { where: 'tenant.status', value: 'active' },
    ]);
    expect(report.findings).toEqual([]);
    expect(report.stats.values).toBe(5);
    expect(report.stats.joseHeaders).toBe(1);
  });

  it('finds a private JWK stored as JSON and names the table and column', async () => {
    const report = scan([{ where: 'app_user.admin_public_jwk (id=usr_1)', value: JSON.stringify(await privateJwk()) }]);
    expect(formatFindings(report.findings)).toContain('app_user.admin_public_jwk (id=usr_1) at $<json>: a private JWK ("kty" with "d")');
  });

  it('finds a private JWK stringified inside JSON inside a JSON string, at any depth', async () => {
    const nested = JSON.stringify({ settings: { keys: [JSON.stringify({ note: 'x', key: JSON.stringify(await privateJwk()) })] } });
    const report = scan([{ where: 'broker_setting.value', value: JSON.stringify(nested) }]);
    expect(report.findings.map((f) => f.where)).toContain('broker_setting.value');
    expect(report.findings.some((f) => f.reason.startsWith('a private JWK') && f.path.includes('.key<json>'))).toBe(true);
  });

  it('finds any member "d", even without "kty"', () => {
    const report = scan([{ where: 'tenant.sig_public_jwk', value: '{"crv":"P-256","d":"secret-scalar-value"}' }]);
    expect(report.findings).toEqual([{ where: 'tenant.sig_public_jwk', path: '$<json>', reason: 'a JSON object with a member "d" (a private key parameter)' }]);
  });

  it('finds a private key inside a JOSE protected header (compact and flattened)', async () => {
    const header = b64u(JSON.stringify({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', epk: await privateJwk() }));
    const compact = `${header}.${b64u('k')}xx.aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFn`;
    const flattened = JSON.stringify({ protected: header, iv: 'aXY', ciphertext: 'Y3Q', tag: 'dGc' });
    const report = scan([
      { where: 'tenant_admin.wrapped_tenant_keys', value: compact },
      { where: 'config_version.jwe', value: flattened },
    ]);
    expect(report.findings.map((f) => `${f.where} ${f.path}`)).toEqual(
      expect.arrayContaining([
        'tenant_admin.wrapped_tenant_keys $<base64 segment 0>.epk',
        'config_version.jwe $<json>.protected<base64 segment 0>.epk',
      ]),
    );
  });

  it('finds a PEM block and an oct key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
    const report = scan([
      { where: 'recovery_kit.kit', value: JSON.stringify({ note: pem }) },
      { where: 'broker_setting.value', value: '{"kty":"oct","k":"c2VjcmV0"}' },
    ]);
    expect(formatFindings(report.findings)).toContain('recovery_kit.kit at $: a PEM block ("-----BEGIN")');
    expect(formatFindings(report.findings)).toContain('broker_setting.value at $<json>: a private JWK ("kty" with "k")');
  });

  it('finds planted canaries as text, base64url, base64 (at any alignment) and hex', () => {
    const passphrase = 'correct horse battery staple 42';
    const authKey = b64u(new Uint8Array(32).map((_, i) => 200 - i));
    const wrapKey = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    const canaries = [
      { label: 'alice passphrase', value: passphrase },
      { label: 'alice authKey', value: authKey },
      { label: 'alice wrapKey', value: wrapKey },
    ];
    const inside = (prefix: number) => Buffer.concat([Buffer.alloc(prefix, 7), Buffer.from(wrapKey), Buffer.alloc(5, 9)]);
    const report = scan(
      [
        { where: 'user_session.user_agent', value: `Mozilla (${passphrase})` },
        { where: 'outbox_mail.body', value: Buffer.from(passphrase).toString('base64') },
        { where: 'app_user.kdf_salt', value: `salt:${Buffer.from(authKey, 'base64url').toString('base64')}` },
        { where: 'app_user.totp_secret_enc', value: `x${Buffer.from(authKey, 'base64url').toString('hex').toUpperCase()}` },
        { where: 'broker_setting.value', value: JSON.stringify({ blob: inside(1).toString('base64') }) },
        { where: 'rate_limit.key', value: inside(2).toString('base64url') },
        { where: 'invitation.token_hash', value: `\\x${Buffer.from(wrapKey).toString('hex')}` },
        { where: 'tenant.display_name', value: 'Acme Corp' },
      ],
      canaries,
    );
    const text = formatFindings(report.findings);
    expect(text).toContain('user_session.user_agent at $: contains alice passphrase');
    expect(text).toContain('outbox_mail.body at $: contains alice passphrase (UTF-8 as base64)');
    expect(text).toContain('app_user.kdf_salt at $: contains alice authKey (decoded, as base64)');
    expect(text).toContain('app_user.totp_secret_enc at $: contains alice authKey (decoded, as hex)');
    expect(text).toContain('broker_setting.value at $<json>.blob: contains alice wrapKey (base64)');
    expect(text).toMatch(/^rate_limit\.key at \$: contains alice wrapKey \(base64(url)?\)$/m);
    expect(text).toContain('invitation.token_hash at $: contains alice wrapKey (hex)');
    expect(text).not.toContain('tenant.display_name');
    // Findings never repeat the secret itself.
    expect(text).not.toContain(passphrase);
    expect(text).not.toContain(authKey);
  });

  it('ignores needles too short to be meaningful', () => {
    expect(canaryNeedles([{ label: 'short', value: 'abc' }]).map((n) => n.text)).not.toContain('abc');
  });
});

describe('readStoredValues', () => {
  it('reads every text-like column of every public table, cast to text, naming table, column and row', async () => {
    const queries: string[] = [];
    const session: QuerySession = {
      async query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
        queries.push(sql);
        if (sql.includes('information_schema.columns')) {
          return [
            { table_name: 'app_user', column_name: 'id', data_type: 'text' },
            { table_name: 'app_user', column_name: 'admin_public_jwk', data_type: 'jsonb' },
            { table_name: 'app_user', column_name: 'kdf_iterations', data_type: 'integer' },
            { table_name: 'rate_limit', column_name: 'key', data_type: 'text' },
          ] as unknown as T[];
        }
        if (sql.includes('"admin_public_jwk"')) return [{ row_id: 'usr_1', v: '{"kty":"EC","d":"x"}' }] as unknown as T[];
        return [] as T[];
      },
    };
    const { records, columns } = await readStoredValues(session);
    expect(columns.map((c) => `${c.table}.${c.column}`)).toEqual(['app_user.id', 'app_user.admin_public_jwk', 'rate_limit.key']);
    expect(queries.some((q) => q.includes('"kdf_iterations"'))).toBe(false);
    expect(queries.find((q) => q.includes('FROM public."rate_limit"'))).toContain('NULL::text AS row_id');
    expect(records).toEqual([{ where: 'app_user.admin_public_jwk (id=usr_1)', value: '{"kty":"EC","d":"x"}' }]);
    expect(formatFindings(scanForSecrets(records).findings)).toContain('app_user.admin_public_jwk (id=usr_1)');
  });
});
