import { describe, expect, it, vi } from 'vitest';
import { getEnv } from '@/lib/env';
import { isAppError } from '@/lib/server/errors';
import { getLogger } from '@/lib/server/log';
import { checkSameOrigin, originVerdict } from './same-origin';

const OWN = new URL(getEnv().PUBLIC_URL).origin;

function verdict(headers: Record<string, string>) {
  return originVerdict(new Headers(headers), OWN);
}

function refusal(method: string, headers: Record<string, string>, rule: 'session' | 'public'): string | null {
  try {
    checkSameOrigin(new Request(`${OWN}/api/v1/x`, { method, headers }), rule);
    return null;
  } catch (error) {
    if (isAppError(error)) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe('originVerdict', () => {
  it.each([
    [{ origin: OWN }, 'same-origin'],
    [{ 'sec-fetch-site': 'same-origin' }, 'same-origin'],
    [{ origin: OWN, 'sec-fetch-site': 'same-origin' }, 'same-origin'],
    // A no-referrer policy makes some browsers send Origin: null on their own writes.
    [{ origin: 'null', 'sec-fetch-site': 'same-origin' }, 'same-origin'],
    [{}, 'unknown'],
    [{ origin: 'https://evil.example' }, 'cross-site'],
    [{ origin: `${OWN}.evil.example` }, 'cross-site'],
    [{ origin: OWN.replace(/^http:/, 'https:') }, 'cross-site'],
    [{ origin: 'null' }, 'cross-site'],
    [{ 'sec-fetch-site': 'cross-site' }, 'cross-site'],
    // A sibling subdomain is same-site and gets the SameSite=Lax cookie: not ours.
    [{ 'sec-fetch-site': 'same-site' }, 'cross-site'],
    [{ 'sec-fetch-site': 'none' }, 'cross-site'],
    // Either header saying "elsewhere" is enough.
    [{ origin: OWN, 'sec-fetch-site': 'cross-site' }, 'cross-site'],
    [{ origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }, 'cross-site'],
  ])('%j → %s', (headers, expected) => {
    expect(verdict(headers)).toBe(expected);
  });
});

describe('checkSameOrigin', () => {
  it('refuses a session write that carries neither header, and any cross-site one', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(refusal(method, {}, 'session'), method).toBe('403 same_origin_required');
      expect(refusal(method, { origin: 'https://evil.example' }, 'session'), method).toBe('403 same_origin_required');
      expect(refusal(method, { origin: OWN }, 'session'), method).toBeNull();
      expect(refusal(method, { 'sec-fetch-site': 'same-origin' }, 'session'), method).toBeNull();
    }
  });

  it('lets a public write without either header through (non-browser clients), never a cross-site one', () => {
    expect(refusal('POST', {}, 'public')).toBeNull();
    expect(refusal('POST', { origin: OWN }, 'public')).toBeNull();
    expect(refusal('POST', { origin: 'https://evil.example' }, 'public')).toBe('403 same_origin_required');
    expect(refusal('POST', { 'sec-fetch-site': 'cross-site' }, 'public')).toBe('403 same_origin_required');
  });

  it('tells the operator when browsers reach the broker at an address PUBLIC_URL does not name', () => {
    const warn = vi.spyOn(getLogger(), 'warn').mockImplementation(() => undefined);
    expect(refusal('POST', { origin: 'https://broker.internal:8443', 'sec-fetch-site': 'same-origin' }, 'session')).toBe('403 same_origin_required');
    expect(warn).toHaveBeenCalledWith({ origin: 'https://broker.internal:8443', publicUrl: OWN }, expect.stringContaining('set PUBLIC_URL'));
    warn.mockClear();
    expect(refusal('POST', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'session')).toBe('403 same_origin_required');
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('leaves reads alone', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(refusal(method, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, 'session')).toBeNull();
  });
});
