import { describe, expect, it } from 'vitest';
import { API_CSP, baseSecurityHeaders, isApiPath, newNonce, pageCsp } from './security-headers';

const directives = (csp: string) => new Map(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

describe('content security policy', () => {
  it('allows only nonce-bearing scripts in production: no unsafe-inline, no unsafe-eval', () => {
    const csp = directives(pageCsp('abc123', { isDev: false, isHttps: false }));
    expect(csp.get('script-src')).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'nonce-abc123'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect([...csp.values()].flat()).not.toContain("'unsafe-inline'");
    expect([...csp.values()].flat()).not.toContain("'unsafe-eval'");
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
  });

  it('relaxes eval only in development, and upgrades requests on https', () => {
    expect(pageCsp('n', { isDev: true, isHttps: false })).toContain("'unsafe-eval'");
    expect(pageCsp('n', { isDev: false, isHttps: true })).toContain('upgrade-insecure-requests');
  });

  it('lets API responses load and frame nothing', () => {
    expect(API_CSP).toMatch(/^default-src 'none'; frame-ancestors 'none'/);
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    expect([...nonces][0]).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it('sends HSTS only over https', () => {
    expect(baseSecurityHeaders({ isDev: false, isHttps: false })['Strict-Transport-Security']).toBeUndefined();
    expect(baseSecurityHeaders({ isDev: false, isHttps: true })['Strict-Transport-Security']).toMatch(/^max-age=\d{8}/);
    expect(baseSecurityHeaders({ isDev: false, isHttps: false })).toMatchObject({
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    });
  });

  it('classifies API paths', () => {
    expect(isApiPath('/api/health')).toBe(true);
    expect(isApiPath('/.well-known/jwks.json')).toBe(true);
    expect(isApiPath('/apidocs')).toBe(false);
    expect(isApiPath('/')).toBe(false);
  });
});
