import { describe, expect, it } from 'vitest';
import { formatSummary } from './format-summary';
import type { TProxySummary } from './types';

const summary: TProxySummary = {
  deploymentId: 'dep_AAAAAAAAAAAAAAAA',
  counts: { tenants: 1, approved: 1, suspended: 0, configurations: 2, errors: 1, stopped: 0 },
  tenants: [{ tenantId: 'acme', status: 'active', seq: 3, approved: true }],
  configurations: [
    { tenantId: 'acme', configId: 'c_AAAAAAAAAAAAAAAAAAAAAA', label: 'Production KMS', kind: 'kms', provider: 'aws-kms', version: 2, status: 'active', primary: true, kmsConfigId: 1 },
    { tenantId: 'acme', configId: 'c_BBBBBBBBBBBBBBBBBBBBBB', label: null, kind: 'siem', provider: 'splunk-hec', version: 1, status: 'active', primary: true, kmsConfigId: null },
  ],
  errors: [{ tenantId: 'acme', configId: 'c_AAAAAAAAAAAAAAAAAAAAAA', code: 'siem_delivery', message: 'Delivery failing.' }],
  staleness: 2,
  cursor: 'v1.d.3',
};

describe('formatSummary', () => {
  it("names each configuration with the broker's label beside its id, also in errors", () => {
    const text = formatSummary(summary);
    expect(text).toMatch(/acme\s+c_A{22}\s+Production KMS\s+kms\s+1\s+aws-kms\s+v2\s+active\s+primary/);
    expect(text).toMatch(/acme\s+c_B{22}\s+-\s+siem\s+-\s+splunk-hec/);
    expect(text).toContain('[siem_delivery] tenant acme config c_AAAAAAAAAAAAAAAAAAAAAA ("Production KMS"): Delivery failing.');
  });

  it('lists the tenants the broker stopped handing over, with the last change applied, apart from other errors', () => {
    const text = formatSummary({
      ...summary,
      counts: { ...summary.counts, errors: 3, stopped: 2 },
      errors: [
        ...summary.errors,
        { tenantId: 'globex', configId: null, code: 'tenant_withheld', message: 'The broker left it out.', seq: 12 },
        { tenantId: 'initech', configId: null, code: 'tenant_suspended', message: 'Marked suspended.', seq: 4 },
      ],
    });
    expect(text).toContain('3 error(s); 2 tenant(s) no longer handed over');
    expect(text).toMatch(/No longer handed over by the broker.*\n.*TENANT\s+WHY\s+LAST APPLIED\s+CODE\n\s+globex\s+left out of the bundle\s+change 12\s+tenant_withheld\n\s+initech\s+marked suspended by the broker\s+change 4\s+tenant_suspended/);
    expect(text.slice(text.indexOf('Errors'))).not.toContain('globex');
  });

  it('says when there is nothing to report', () => {
    const text = formatSummary({ ...summary, counts: { ...summary.counts, errors: 0 }, errors: [] });
    expect(text).not.toContain('handed over');
    expect(text).toMatch(/Errors\n  \(none\)/);
  });
});
