import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module without types (it must load on any Node, before tsx)
import { MIN_NODE_MAJOR, nodeVersionProblem } from './node-version.mjs';

const pkg = (await import('../package.json', { with: { type: 'json' } })).default as { engines: { node: string } };

describe('the Node.js floor', () => {
  it('is the one package.json states', () => {
    expect(pkg.engines.node).toBe('>=22');
    expect(MIN_NODE_MAJOR).toBe(22);
  });

  it('refuses an older Node with a message naming the version it needs, and accepts 22 and 24', () => {
    const problem = nodeVersionProblem('20.20.2') as string;
    expect(problem).toContain('needs Node.js 22 or newer (24 LTS recommended)');
    expect(problem).toContain('this is Node.js 20.20.2');
    expect(nodeVersionProblem('18.0.0')).toBeTruthy();
    expect(nodeVersionProblem('22.0.0')).toBeUndefined();
    expect(nodeVersionProblem('24.22.3')).toBeUndefined();
    expect(nodeVersionProblem(process.versions.node)).toBeUndefined();
  });

  // The machine's own Node, where it is older than the floor (Debian's is 20): npm start stops at once.
  const systemNode = '/usr/bin/node';
  const systemMajor = existsSync(systemNode) ? Number(spawnSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0]) : NaN;
  it.runIf(systemMajor < 22)(`npm start's entry point on Node ${systemMajor} stops before loading anything`, () => {
    const run = spawnSync(systemNode, ['scripts/node.mjs', 'scripts/start.ts'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PORT: '1', DATA_DIR: '/nonexistent/never-created' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('needs Node.js 22 or newer');
    expect(run.stdout).toBe('');
    expect(existsSync('/nonexistent/never-created')).toBe(false);
  });
});
