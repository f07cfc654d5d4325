// The leased-keys notice (TSP.md "Leased keys"): what the form shows under the
// lifetime select and the configuration page under the value, rendered to HTML
// as the first paint is. The form's notice sits in a polite live region that
// is there before any choice, and the select names it in aria-describedby.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { leasedKeyWarning, LEASED_KEY_LIFETIMES } from '@/lib/schemas/providers/common';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { ConfigValues } from './config-values';
import { fieldNote, fieldNotice } from './field-notes';
import { ProviderFields } from './provider-fields';
import { emptyValues, type TFormValues } from './settings-form';

const AWS_KMS = PROVIDERS.find((p) => p.id === 'aws-kms')!;
const HOUR_WARNING = leasedKeyWarning('1 hour');

const form = (values: TFormValues) =>
  renderToStaticMarkup(
    createElement(ProviderFields, { provider: AWS_KMS, values, errors: {}, idFor: (key: string) => `f-${key}`, configLabel: 'Prod KMS', onChange: () => undefined }),
  );

const page = (settings: Record<string, unknown>) =>
  renderToStaticMarkup(
    createElement(ConfigValues, {
      provider: AWS_KMS,
      name: 'Prod KMS',
      document: { typ: 'kms', tenantId: 'acme', configId: 'c_aaaaaaaaaaaaaaaa', version: 1, provider: 'aws-kms', settings, iat: 1_700_000_000 },
    }),
  );

describe('the leased-keys notice', () => {
  it('is the schema’s warning for every lifetime, and nothing when off or unknown', () => {
    for (const lifetime of LEASED_KEY_LIFETIMES) {
      expect(fieldNotice('leasedKeyLifetime', lifetime.value)).toBe(leasedKeyWarning(lifetime.label));
    }
    expect(HOUR_WARNING).toMatch(/keeps working for up to 1 hour.*Disabling this configuration here stops it at once\./);
    for (const off of [undefined, null, '', '  ', '42', 3600]) expect(fieldNotice('leasedKeyLifetime', off)).toBeUndefined();
    expect(fieldNotice('region', 'eu-west-1')).toBeUndefined();
    expect(fieldNote('toString')).toBeUndefined();
  });

  it('the form: "Off" while not set, with an empty live region and no description pointing at it', () => {
    const html = form(emptyValues(AWS_KMS));
    expect(html).toContain('<option value="" selected="">Off</option>');
    expect(html).toContain('<div aria-live="polite" aria-atomic="true"></div>');
    expect(html).not.toContain('f-leasedKeyLifetime-notice');
    // Other optional selects keep their words.
    expect(html.match(/aria-live/g)).toHaveLength(1);
  });

  it('the form: a chosen lifetime shows the warning in the live region, and the select is described by it first', () => {
    const html = form({ ...emptyValues(AWS_KMS), leasedKeyLifetime: '3600' });
    expect(html).toContain(`<div aria-live="polite" aria-atomic="true"><p id="f-leasedKeyLifetime-notice"`);
    expect(html).toContain(HOUR_WARNING);
    expect(html).toMatch(/<select id="f-leasedKeyLifetime" aria-describedby="f-leasedKeyLifetime-notice f-leasedKeyLifetime-help"/);
    // Both schemes are styled.
    expect(html).toMatch(/class="[^"]*text-amber-950[^"]*dark:text-amber-100[^"]*"/);
  });

  it('the configuration page: "Off" when not set, "Up to 1 hour" and the warning when on', () => {
    const settings = AWS_KMS.example as Record<string, unknown>;
    const off = page({ ...settings, leasedKeyLifetime: undefined });
    expect(off).toContain('<dt class="text-sm font-medium">Leased keys</dt><dd class="min-w-0 text-sm"><span>Off</span></dd>');
    expect(off).not.toContain('keeps working');

    const on = page({ ...settings, leasedKeyLifetime: '3600' });
    expect(on).toContain('Up to 1 hour');
    expect(on).toContain(HOUR_WARNING);
    expect(on).not.toContain('aria-live');
  });
});
