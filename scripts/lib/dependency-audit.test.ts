import { describe, expect, it } from 'vitest';

import { judgeAudit, readExceptions } from './dependency-audit';

// Shapes as `npm audit --json` (npm 11, report version 2) prints them.
const UNREACHABLE = {
  message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
  method: 'POST',
  statusCode: 405,
  body: '',
  error: { summary: '', detail: '' },
};
const CLEAN = { auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 } } };
const advisory = (name: string, severity: string, ghsa: string) => ({
  source: 1100000,
  name,
  dependency: name,
  title: `${name} does something bad`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: '<2.0.0',
});
const FOUND = {
  auditReportVersion: 2,
  vulnerabilities: {
    'deep-lib': { name: 'deep-lib', severity: 'critical', isDirect: false, via: [advisory('deep-lib', 'critical', 'GHSA-2222-3333-4444')], range: '<2.0.0', fixAvailable: true },
    // An effect of deep-lib: named by string, not an advisory of its own.
    'direct-lib': { name: 'direct-lib', severity: 'critical', isDirect: true, via: ['deep-lib'], range: '*', fixAvailable: true },
    'other-lib': { name: 'other-lib', severity: 'high', isDirect: true, via: [advisory('other-lib', 'high', 'GHSA-5555-6666-7777'), advisory('other-lib', 'moderate', 'GHSA-8888-9999-cccc')], range: '<2.0.0', fixAvailable: false },
    'meh-lib': { name: 'meh-lib', severity: 'moderate', isDirect: true, via: [advisory('meh-lib', 'moderate', 'GHSA-ffff-gggg-hhhh')], range: '<2.0.0', fixAvailable: true },
  },
  metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 2, total: 4 } },
};

describe('judgeAudit', () => {
  it('calls an audit that could not reach the advisory service unavailable, never clean', () => {
    expect(judgeAudit(UNREACHABLE, [])).toEqual({ kind: 'unavailable', reason: UNREACHABLE.message });
    expect(judgeAudit(null, [])).toMatchObject({ kind: 'unavailable' });
    expect(judgeAudit({ auditReportVersion: 1 }, [])).toMatchObject({ kind: 'unavailable' });
  });

  it('passes a clean report', () => {
    expect(judgeAudit(CLEAN, [])).toMatchObject({ kind: 'checked', advisories: [], unexplained: [], staleExceptions: [] });
  });

  it('lists each high or critical advisory once, by its GHSA id, and ignores moderate ones', () => {
    const verdict = judgeAudit(FOUND, []);
    expect(verdict.kind).toBe('checked');
    if (verdict.kind !== 'checked') return;
    expect(verdict.advisories.map((a) => [a.id, a.package, a.severity])).toEqual([
      ['GHSA-2222-3333-4444', 'deep-lib', 'critical'],
      ['GHSA-5555-6666-7777', 'other-lib', 'high'],
    ]);
    expect(verdict.unexplained).toHaveLength(2);
    expect(verdict.counts).toMatchObject({ high: 1, critical: 2 });
  });

  it('accepts an explained advisory and reports an exception npm no longer raises', () => {
    const exceptions = [
      { advisory: 'GHSA-2222-3333-4444', package: 'deep-lib', reason: 'Only reachable through a code path the broker never calls.' },
      { advisory: 'GHSA-xxxx-wwww-vvvv', package: 'gone-lib', reason: 'Was fixed upstream; kept here by mistake.' },
    ];
    const verdict = judgeAudit(FOUND, exceptions);
    if (verdict.kind !== 'checked') throw new Error('expected a checked verdict');
    expect(verdict.unexplained.map((a) => a.id)).toEqual(['GHSA-5555-6666-7777']);
    expect(verdict.staleExceptions.map((e) => e.advisory)).toEqual(['GHSA-xxxx-wwww-vvvv']);
  });
});

describe('readExceptions', () => {
  it('reads the committed file', async () => {
    const { readFileSync } = await import('node:fs');
    expect(readExceptions(JSON.parse(readFileSync('docs/dependency-exceptions.json', 'utf8')))).toEqual([]);
  });

  it('refuses entries without an advisory, a package or a real reason', () => {
    expect(() => readExceptions({})).toThrow(/expected \{"exceptions"/);
    expect(() => readExceptions({ exceptions: [{ advisory: 'GHSA-2222-3333-4444', package: 'x', reason: 'fine' }] })).toThrow(/exceptions\[0\]/);
    expect(() => readExceptions({ exceptions: [{ package: 'x', reason: 'a reason long enough to be read' }] })).toThrow(/exceptions\[0\]/);
  });
});
