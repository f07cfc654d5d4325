// The digest's text: labels, UTC times, actors, the allowlisted details only,
// one-line values (no header or line injection), the cap's "and N more".
import { describe, expect, it } from 'vitest';
import { actorText, detailPieces, mentionedConfigIds, oneLine, recordedLabels, renderDigest, type TDigestEvent } from './digest';

const event = (over: Partial<TDigestEvent> = {}): TDigestEvent => ({
  vendorSeq: 1,
  tenantExternalId: 'globex',
  actorType: 'user',
  actorId: 'usr_1',
  actorLabel: 'alice@globex.example',
  action: 'config.edit',
  targetType: 'config',
  targetId: 'cfg_1',
  at: new Date('2030-01-02T03:04:05.678Z'),
  details: { configId: 'cfg_1', kind: 'kms', provider: 'aws-kms', version: 3 },
  ...over,
});

const names = new Map([
  ['globex', 'Globex'],
  ['initech', 'Initech'],
]);

describe('notification digest', () => {
  it('shows the label, tenant, actor, UTC time, target and allowlisted details', () => {
    const { subject, text } = renderDigest({ to: 'a@x.example', publicUrl: 'https://b.example', windowMinutes: 5, events: [event()], tenantNames: names, more: new Map() });
    expect(subject).toBe('CMK broker: 1 security event on Globex');
    expect(text).toContain('- 2030-01-02 03:04:05 UTC  Edited a configuration\n  tenant: Globex (globex)\n  by: alice@globex.example\n  on: config cfg_1\n  kind: kms; provider: aws-kms; version: 3');
    expect(text).toContain('at most one every 5 minutes');
    expect(text).toContain('https://b.example/account#notifications');
    expect(text).toContain('Globex (globex): https://b.example/t/globex/audit');
  });

  it('reads only allowlisted detail keys and flattens values to one short line', () => {
    const pieces = detailPieces({ settings: { secret: 's3' }, message: 'free text', ip: '203.0.113.9', codes: ['a', 'b\r\nBcc: x@y'], name: 'x'.repeat(500) }, null);
    expect(pieces.join(' ')).not.toMatch(/s3|free text|203\.0\.113|\n/);
    expect(pieces[0]).toBe('name: ' + 'x'.repeat(119) + '…');
    expect(pieces[1]).toBe('error codes: a, b Bcc: x@y');
    expect(detailPieces(['not', 'an', 'object'], null)).toEqual([]);
    // A status report's errors: code and configuration, never the message.
    const errors = detailPieces({ deploymentId: 'dep_1', errors: [{ configId: 'cfg_1', code: 'kms_denied', message: 'secret text' }, { configId: null, code: 'bundle_invalid' }], errorCount: 2 }, 'dep_1');
    expect(errors).toEqual(['errors: kms_denied (configuration cfg_1), bundle_invalid', 'error count: 2']);
    expect(oneLine('a\u2028b\u0085c')).toBe('a b c');
  });

  it('names every kind of actor without ids of secrets', () => {
    expect(actorText({ actorType: 'operator', actorId: 'u', actorLabel: 'ops@v.example' })).toBe('ops@v.example (vendor operator)');
    expect(actorText({ actorType: 'deployment', actorId: 'dep_1', actorLabel: 'eu-1' })).toBe('proxy deployment eu-1');
    expect(actorText({ actorType: 'vendor_token', actorId: 'vt_1', actorLabel: 'ops@v.example' })).toBe('the vendor API (a token of ops@v.example)');
    expect(actorText({ actorType: 'system', actorId: null, actorLabel: null })).toBe('the broker');
  });

  it('counts what is not shown per tenant, with a link to its audit page', () => {
    const { subject, text } = renderDigest({
      to: 'a@x.example',
      publicUrl: 'https://b.example',
      windowMinutes: 5,
      events: [event(), event({ tenantExternalId: 'initech', action: 'delivery.error', actorType: 'deployment', actorLabel: 'eu-1', details: { codes: ['kms_denied'] } })],
      tenantNames: names,
      more: new Map([['initech', 7]]),
    });
    expect(subject).toBe('CMK broker: 9 security events on 2 tenants');
    expect(text).toContain('… and 7 more on Initech (initech): https://b.example/t/initech/audit');
    expect(text).toContain('A proxy deployment reported an error\n  tenant: Initech (initech)\n  by: proxy deployment eu-1');
  });

  it('names configurations by label and id: the label the event recorded, else the lookup of the event’s own tenant', () => {
    const primary = event({
      action: 'config.primary',
      targetId: 'cfg_new',
      details: { seq: 7, configId: 'cfg_new', label: 'Dublin\nKMS', kind: 'kms', previousPrimary: 'cfg_old', previousPrimaryLabel: 'Frankfurt HSM', configs: [{ configId: 'cfg_new', label: 'Dublin KMS' }] },
    });
    const error = event({ action: 'delivery.error', targetType: 'deployment', targetId: 'dep_1', details: { errors: [{ configId: 'cfg_9', code: 'kms_denied' }, { configId: 'cfg_x', code: 'kms_unreachable' }] } });
    const elsewhere = event({ tenantExternalId: 'initech', targetId: 'cfg_9', details: { configId: 'cfg_9' } });
    const { text } = renderDigest({
      to: 'a@x.example',
      publicUrl: 'https://b.example',
      windowMinutes: 5,
      events: [primary, error, elsewhere],
      tenantNames: names,
      more: new Map(),
      configLabels: new Map([['globex', new Map([['cfg_9', 'Splunk prod'], ['cfg_new', 'Renamed since']])]]),
    });
    expect(text).toContain('on: configuration "Dublin KMS" (cfg_new)\n  kind: kms; previous primary: "Frankfurt HSM" (cfg_old); tenant state: 7');
    expect(text).toContain('errors: kms_denied (configuration "Splunk prod", cfg_9), kms_unreachable (configuration cfg_x)');
    // cfg_9's label is globex's: an initech event is not labelled from it.
    expect(text).toContain('tenant: Initech (initech)\n  by: alice@globex.example\n  on: config cfg_9\n');
    expect(recordedLabels(primary)).toEqual(new Map([['cfg_new', 'Dublin\nKMS'], ['cfg_old', 'Frankfurt HSM']]));
    expect(mentionedConfigIds(primary).sort()).toEqual(['cfg_new', 'cfg_old']);
    expect(mentionedConfigIds(error).sort()).toEqual(['cfg_9', 'cfg_x']);
  });
});
