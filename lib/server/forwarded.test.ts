import { describe, expect, it } from 'vitest';
import { forwardedValue } from './forwarded';

describe('forwardedValue', () => {
  it('takes nothing when no proxy is trusted', () => {
    expect(forwardedValue('203.0.113.9', 0)).toBe('');
  });

  it('takes the entry our proxy appended, not one the client wrote before it', () => {
    // nginx ($proxy_add_x_forwarded_for) and cloud load balancers append the address they saw.
    expect(forwardedValue('10.0.0.1, 203.0.113.9', 1)).toBe('203.0.113.9');
    expect(forwardedValue('203.0.113.9', 1)).toBe('203.0.113.9');
    expect(forwardedValue(['10.0.0.1', '203.0.113.9'], 1)).toBe('203.0.113.9');
  });

  it('counts proxies from the right: with a CDN and a load balancer, the CDN’s entry', () => {
    expect(forwardedValue('6.6.6.6, 198.51.100.7, 192.0.2.10', 2)).toBe('198.51.100.7');
  });

  it('takes nothing from a request that did not pass every proxy, or an empty header', () => {
    expect(forwardedValue('198.51.100.7', 2)).toBe('');
    expect(forwardedValue(' , ', 1)).toBe('');
    expect(forwardedValue(undefined, 1)).toBe('');
  });
});
