import { describe, expect, it } from 'vitest';

import { BENCH_KMS, parseKmsList, parseTspWrapArgs } from './tsp-wrap-options';

describe('tsp-wrap options', () => {
  it('defaults to every driver, short rows, 32 connections and the quiet tenant', () => {
    expect(parseTspWrapArgs([])).toEqual({ seconds: 3, connections: 32, tenant: 'quiet', drivers: [...BENCH_KMS] });
  });

  it('takes a list of drivers in any order and case, and measures them in the table’s order', () => {
    expect(parseTspWrapArgs(['--drivers', 'Vault, aws', '--seconds', '0.5', '--tenant', 'acme'])).toMatchObject({ seconds: 0.5, tenant: 'acme', drivers: ['aws', 'vault'] });
    expect(parseKmsList('ciphertrust,google,ciphertrust')).toEqual(['google', 'ciphertrust']);
    expect(parseKmsList('google,all')).toEqual([...BENCH_KMS]);
  });

  it('refuses an unknown driver, an empty list and nonsense numbers', () => {
    expect(() => parseKmsList('aws,oracle')).toThrow(/--drivers takes aws, google, azure, vault, ciphertrust or all/);
    expect(() => parseKmsList(' , ')).toThrow(/--drivers/);
    expect(() => parseTspWrapArgs(['--seconds', '0'])).toThrow(/usage: tsp-wrap/);
    expect(() => parseTspWrapArgs(['--connections', '2.5'])).toThrow(/usage: tsp-wrap/);
    expect(() => parseTspWrapArgs(['--tenant', 'globex'])).toThrow(/usage: tsp-wrap/);
    expect(() => parseTspWrapArgs(['--driver', 'aws'])).toThrow(/Unknown option/);
  });
});
