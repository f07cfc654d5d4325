import { describe, expect, it } from 'vitest';
import { findProvider } from '@/lib/schemas/providers/registry';
import type { TProvider } from '@/lib/schemas/providers/types';
import { diffVersions, type TDiffRow, type TPlainDiffRow } from './config-diff';

const provider = (id: string) => findProvider(id) as TProvider;
const example = (id: string) => JSON.parse(JSON.stringify(provider(id).example)) as Record<string, unknown>;
const byKey = (rows: TDiffRow[], key: string) => rows.find((r) => r.key === key);

// Distinct markers in every secret, so a leak into the result shows up in its JSON.
const CANARY = {
  url: 'https://hooks.example.com/cmk/audit?token=CANARYurl7f3k9q',
  hmacOld: 'CANARYhmacOLD-9c1e5f7a3b2d4e6f8a0b1c2d3e4f5a6b',
  hmacNew: 'CANARYhmacNEW-0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c',
  authOld: 'Bearer CANARYauthOLD4b5e6f70',
  authNew: 'Bearer CANARYauthNEW8c9d0e1f',
  tenantHeader: 'CANARYtenantHeader',
};

function webhookVersions() {
  const before = { ...example('webhook'), url: CANARY.url, hmacSecret: CANARY.hmacOld, headers: { Authorization: CANARY.authOld, 'X-Acme-Tenant': CANARY.tenantHeader } };
  const after = {
    ...before,
    hmacSecret: CANARY.hmacNew,
    headers: { Authorization: CANARY.authNew, 'X-Acme-Tenant': CANARY.tenantHeader, 'X-Acme-Region': 'CANARYregion' },
    onQueueFull: 'refuse',
  };
  return diffVersions({ provider: provider('webhook'), settings: before, name: 'Audit hook' }, { provider: provider('webhook'), settings: after, name: 'Audit hook' });
}

describe('diffVersions', () => {
  it('lists the provider, the name and every field in the provider’s order, headers one by one', () => {
    const diff = webhookVersions();
    expect(diff.rows.map((r) => [r.key, r.state])).toEqual([
      ['provider', 'unchanged'],
      ['name', 'unchanged'],
      ['url', 'unchanged'],
      ['hmacSecret', 'changed'],
      ['headers:Authorization', 'changed'],
      ['headers:X-Acme-Tenant', 'unchanged'],
      ['headers:X-Acme-Region', 'added'],
      ['onQueueFull', 'changed'],
    ]);
    expect(diff.changedCount).toBe(4);
    expect(diff.providerChanged).toBe(false);
    expect(byKey(diff.rows, 'headers:Authorization')).toMatchObject({ label: 'Extra headers', item: 'Authorization', secret: true, isSet: true });
  });

  it('gives old and new values of a non-secret field, a select as its option label', () => {
    expect(byKey(webhookVersions().rows, 'onQueueFull')).toEqual({
      key: 'onQueueFull',
      label: 'When the SIEM falls behind',
      state: 'changed',
      secret: false,
      before: 'Drop the oldest events and count them (key use continues)',
      after: 'Refuse key use until the SIEM catches up',
      display: 'words',
    });
  });

  it('never puts a secret value in the result, changed or unchanged', () => {
    const diff = webhookVersions();
    const json = JSON.stringify(diff);
    for (const canary of [CANARY.url, 'CANARYurl', CANARY.hmacOld, CANARY.hmacNew, 'CANARYhmac', CANARY.authOld, CANARY.authNew, 'CANARYauth', CANARY.tenantHeader, 'CANARYregion']) {
      expect(json).not.toContain(canary);
    }
    const secretRows = diff.rows.filter((r) => r.secret);
    expect(secretRows).toHaveLength(5);
    // Not even undefined placeholders: a secret row has no value members at all.
    for (const r of secretRows) expect(Object.keys(r).filter((k) => !['key', 'label', 'item', 'state', 'secret', 'isSet'].includes(k))).toEqual([]);
  });

  it('keeps a JSON key file secret when only a member inside it changed', () => {
    const before = example('google-cloud-kms');
    const key = JSON.parse(JSON.stringify(before.serviceAccountKey)) as Record<string, unknown>;
    const after = { ...before, serviceAccountKey: { ...key, private_key_id: 'CANARYkeyid0123456789' } };
    const diff = diffVersions({ provider: provider('google-cloud-kms'), settings: before }, { provider: provider('google-cloud-kms'), settings: after });
    expect(byKey(diff.rows, 'serviceAccountKey')).toEqual({ key: 'serviceAccountKey', label: expect.any(String), state: 'changed', secret: true, isSet: true });
    expect(JSON.stringify(diff)).not.toContain('CANARYkeyid');
    expect(JSON.stringify(diff)).not.toContain(String(key.private_key_id));
    // Member order is not a change.
    const reordered = Object.fromEntries(Object.entries(key).reverse());
    const same = diffVersions({ provider: provider('google-cloud-kms'), settings: before }, { provider: provider('google-cloud-kms'), settings: { ...before, serviceAccountKey: reordered } });
    expect(same.changedCount).toBe(0);
  });

  it('shows a switched credential choice as ordinary fields removed and added, secrets only changed', () => {
    const before = example('hashicorp-vault-transit');
    const after = { ...before, authMethod: 'token', token: 'hvs.CANARYtoken1234567890' } as Record<string, unknown>;
    delete after.roleId;
    delete after.secretId;
    const diff = diffVersions({ provider: provider('hashicorp-vault-transit'), settings: before }, { provider: provider('hashicorp-vault-transit'), settings: after });
    expect(diff.rows.filter((r) => r.state !== 'unchanged').map((r) => [r.key, r.state])).toEqual([
      ['authMethod', 'changed'],
      ['roleId', 'removed'],
      ['secretId', 'changed'],
      ['token', 'changed'],
    ]);
    expect(byKey(diff.rows, 'roleId')).toMatchObject({ secret: false, before: before.roleId, after: null });
    expect(JSON.stringify(diff)).not.toContain(String(before.secretId));
    expect(JSON.stringify(diff)).not.toContain('CANARYtoken');
  });

  it('lists fields not set in either version as unchanged, and leaves out fields of a choice not made in either', () => {
    const settings = example('aws-kms');
    const diff = diffVersions({ provider: provider('aws-kms'), settings }, { provider: provider('aws-kms'), settings });
    expect(diff.changedCount).toBe(0);
    const keys = diff.rows.map((r) => r.key);
    const hidden = settings.authMethod === 'assume-role' ? ['accessKeyId', 'secretAccessKey'] : ['roleArn', 'externalId'];
    for (const k of hidden) expect(keys).not.toContain(k);
    const syslog = diffVersions({ provider: provider('syslog-tls'), settings: example('syslog-tls') }, { provider: provider('syslog-tls'), settings: example('syslog-tls') });
    expect(byKey(syslog.rows, 'caCertificate')).toMatchObject({ state: 'unchanged', before: null, after: null, display: 'block' });
    expect(byKey(syslog.rows, 'port')).toMatchObject({ state: 'unchanged', before: '6514', after: '6514', display: 'code' });
  });

  it('shows an empty header list as one unchanged row, and a removed header by name', () => {
    const base = example('webhook');
    const none = diffVersions({ provider: provider('webhook'), settings: { ...base, headers: {} } }, { provider: provider('webhook'), settings: { ...base, headers: {} } });
    expect(byKey(none.rows, 'headers')).toEqual({ key: 'headers', label: 'Extra headers', state: 'unchanged', secret: true, isSet: false });
    const removed = diffVersions({ provider: provider('webhook'), settings: base }, { provider: provider('webhook'), settings: { ...base, headers: {} } });
    expect(removed.rows.filter((r) => r.key.startsWith('headers')).map((r) => [r.item, r.state])).toEqual([
      ['Authorization', 'removed'],
      ['X-Acme-Tenant', 'removed'],
    ]);
  });

  it('says when the provider changed, and keeps a field secret when either provider marks it so', () => {
    const sumo = example('sumo-logic');
    const splunk = example('splunk-hec');
    const diff = diffVersions({ provider: provider('sumo-logic'), settings: sumo }, { provider: provider('splunk-hec'), settings: splunk });
    expect(diff.providerChanged).toBe(true);
    expect(diff.rows[0]).toMatchObject({ key: 'provider', state: 'changed', before: provider('sumo-logic').label, after: provider('splunk-hec').label });
    // Sumo Logic's URL carries its token, so it stays masked although Splunk HEC's URL is not secret.
    expect(byKey(diff.rows, 'url')).toEqual({ key: 'url', label: expect.any(String), state: 'changed', secret: true, isSet: true });
    expect(JSON.stringify(diff)).not.toContain(String(sumo.url));
    expect(byKey(diff.rows, 'index')).toMatchObject({ state: 'added', secret: false, before: null, after: splunk.index });
    expect(byKey(diff.rows, 'token')).toMatchObject({ state: 'changed', secret: true });
  });

  it('reports a renamed configuration', () => {
    const settings = example('datadog');
    const diff = diffVersions({ provider: provider('datadog'), settings, name: 'Old name' }, { provider: provider('datadog'), settings, name: 'New name' });
    expect(byKey(diff.rows, 'name')).toMatchObject({ state: 'changed', before: 'Old name', after: 'New name' } satisfies Partial<TPlainDiffRow>);
    expect(diff.changedCount).toBe(1);
  });
});
