import { describe, expect, it } from 'vitest';
import { recoveryCodesFileName, recoveryCodesText } from './recovery-codes-file';

const codes = ['abcd-efgh-ijkl', 'mnop-qrst-uvwx', 'yz23-4567-abcd'];
const createdAt = new Date('2025-06-01T14:03:27.512Z');

describe('recovery codes file', () => {
  it('has a header naming the account, the broker and the time, then one code a line', () => {
    const text = recoveryCodesText({ email: 'ops@vendor.example', origin: 'https://broker.example', codes, createdAt });
    const lines = text.split('\n');
    expect(lines[0]).toBe('CMK configuration broker: recovery codes for your second factor');
    expect(lines).toContain('Account: ops@vendor.example');
    expect(lines).toContain('Broker: https://broker.example');
    expect(lines).toContain('Created: 2025-06-01 14:03 UTC');
    expect(lines.slice(-4)).toEqual([...codes, '']);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('names the file after the day it was made', () => {
    expect(recoveryCodesFileName(createdAt)).toBe('cmk-broker-recovery-codes-2025-06-01.txt');
  });
});
