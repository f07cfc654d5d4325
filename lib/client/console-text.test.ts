// The console's words for API codes: provider labels from the registry,
// capitalised statuses, and a deployment's applied cursor said in words.
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '@/lib/schemas/providers/registry';
import { appliedText, providerLabel, providerSummary, statusWord } from './console-text';

describe('providerLabel', () => {
  it('names every provider by its registry label, never its id', () => {
    expect(providerLabel('aws-kms')).toBe('AWS KMS');
    expect(providerLabel('splunk-hec')).toBe('Splunk HTTP Event Collector');
    for (const p of PROVIDERS) expect(providerLabel(p.id)).not.toBe(p.id);
  });

  it('shows an id the registry does not know as it is', () => {
    expect(providerLabel('future-kms')).toBe('future-kms');
  });
});

describe('statusWord', () => {
  it('capitalises status codes', () => {
    expect(['active', 'disabled', 'deleted', 'suspended', 'open', 'accepted', 'expired', 'revoked'].map(statusWord)).toEqual([
      'Active',
      'Disabled',
      'Deleted',
      'Suspended',
      'Open',
      'Accepted',
      'Expired',
      'Revoked',
    ]);
    expect(statusWord('not_approved')).toBe('Not approved');
  });

  it('says "Invitation pending" for a tenant the API calls invited', () => {
    expect(statusWord('invited')).toBe('Invitation pending');
  });
});

describe('providerSummary', () => {
  it('names the primary provider and counts the active configurations', () => {
    expect(providerSummary({ primaryProvider: 'aws-kms', count: 2 })).toBe('AWS KMS · 2 active');
    expect(providerSummary({ primaryProvider: null, count: 1 })).toBe('No primary · 1 active');
    expect(providerSummary({ primaryProvider: null, count: 0 })).toBeNull();
  });
});

describe('appliedText', () => {
  it('says how far behind a deployment is in words', () => {
    expect(appliedText({ appliedCursor: 'v1.d.9', lag: 0 }).text).toBe('Up to date');
    expect(appliedText({ appliedCursor: 'v1.d.9', lag: 1 }).text).toBe('1 change behind');
    expect(appliedText({ appliedCursor: 'v1.d.9', lag: 6 }).text).toBe('6 changes behind');
  });

  it('says "Never applied" until a sync completed, full sync in progress or not', () => {
    expect(appliedText({ appliedCursor: null, lag: null })).toEqual({ text: 'Never applied', cursor: 'No cursor reported yet' });
    expect(appliedText({ appliedCursor: 'v1.f.3.YWNtZQ', lag: null }).text).toBe('Never applied');
  });

  it('keeps the raw cursor for support', () => {
    expect(appliedText({ appliedCursor: 'v1.d.9', lag: 6 }).cursor).toBe('Reported cursor: v1.d.9');
  });
});
