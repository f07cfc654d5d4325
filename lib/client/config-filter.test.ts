import { describe, expect, it } from 'vitest';
import { describeFilter, isFiltering, matchesConfig, readConfigFilter, withFilter } from './config-filter';

const vault = { id: 'cfg_Abc123', label: 'Payments key', provider: 'hashicorp-vault-transit' };
const splunk = { id: 'cfg_Zzz999', label: 'Audit stream', provider: 'splunk-hec' };

describe('configuration search and provider filter', () => {
  it('reads the URL, trimming the search', () => {
    expect(readConfigFilter(new URLSearchParams('q=%20pay%20&provider=splunk-hec'))).toEqual({ q: 'pay', provider: 'splunk-hec' });
    expect(isFiltering(readConfigFilter(new URLSearchParams('')))).toBe(false);
  });

  it('matches the name, the provider label and the id, case-insensitively', () => {
    expect(matchesConfig(vault, { q: 'PAYMENTS', provider: '' })).toBe(true);
    expect(matchesConfig(vault, { q: 'vault transit', provider: '' })).toBe(true);
    expect(matchesConfig(vault, { q: 'abc123', provider: '' })).toBe(true);
    expect(matchesConfig(splunk, { q: 'payments', provider: '' })).toBe(false);
  });

  it('keeps only the chosen provider, together with the search', () => {
    expect(matchesConfig(splunk, { q: '', provider: 'splunk-hec' })).toBe(true);
    expect(matchesConfig(vault, { q: '', provider: 'splunk-hec' })).toBe(false);
    expect(matchesConfig(splunk, { q: 'payments', provider: 'splunk-hec' })).toBe(false);
  });

  it('writes the URL, dropping empty values and keeping other parameters', () => {
    expect(withFilter(new URLSearchParams('x=1&q=old'), { q: 'new', provider: 'aws-kms' })).toBe('x=1&q=new&provider=aws-kms');
    expect(withFilter(new URLSearchParams('q=old&provider=aws-kms'), { q: '', provider: '' })).toBe('');
  });

  it('describes the filter in words', () => {
    expect(describeFilter({ q: 'pay', provider: 'splunk-hec' })).toBe('“pay” with provider Splunk HTTP Event Collector');
    expect(describeFilter({ q: '', provider: 'aws-kms' })).toBe('provider AWS KMS');
  });
});
