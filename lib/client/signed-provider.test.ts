// The broker's listing is simulated: it relabels a configuration's clear
// `provider` (a real hostile broker cannot exist here).
import { describe, expect, it } from 'vitest';
import { findProvider } from '@/lib/schemas/providers/registry';
import { signedProvider } from './signed-provider';

const secretFields = (id: string) => findProvider(id)!.fields.filter((f) => f.secret).map((f) => f.name);

describe('signedProvider', () => {
  it('uses the provider the document is signed with when the listing agrees', () => {
    expect(signedProvider('aws-kms', { typ: 'kms', provider: 'aws-kms' })).toMatchObject({ ok: true, provider: { id: 'aws-kms' }, relabelled: null });
  });

  it.each([
    ['sumo-logic', 'splunk-hec'],
    ['webhook', 'elastic'],
  ])('renders a %s configuration relabelled as %s with its own fields, URL masked, and says so', (signed, listed) => {
    const result = signedProvider(listed, { typ: 'siem', provider: signed });
    expect(result).toMatchObject({ ok: true, provider: { id: signed }, relabelled: { listed } });
    if (!result.ok) return;
    // The field list the values are rendered with masks the URL; the broker's label would not.
    expect(secretFields(result.provider.id)).toContain('url');
    expect(secretFields(listed)).not.toContain('url');
    expect(result.relabelled?.message).toMatch(new RegExp(`lists this configuration as ${findProvider(listed)!.label}.*signed content is a ${findProvider(signed)!.label}`));
  });

  it('refuses a signed provider it does not know, or one of the other kind', () => {
    expect(signedProvider('aws-kms', { typ: 'kms', provider: 'not-a-provider' })).toMatchObject({ ok: false });
    expect(signedProvider('splunk-hec', { typ: 'kms', provider: 'splunk-hec' })).toMatchObject({ ok: false });
  });
});
