// The TSP's log writes to stdout asynchronously (lib/tsp/log.ts). These run
// createTspLogger in a real child process, its stdout a pipe, because that is
// where a line could be lost: a process that exits, or stops, right after
// logging must still have written every line.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '@/lib/testing/import-graph';

const LINES = 5_000;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsp-log-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `body` (TypeScript, with `createTspLogger` in scope) in a child process; its stdout and exit code. */
async function runLogging(body: string): Promise<{ stdout: string; code: number | null }> {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(file, `import { createTspLogger } from ${JSON.stringify(join(ROOT, 'lib/tsp/log.ts'))};\n${body}\n`);
  const child = spawn(process.execPath, ['scripts/node.mjs', file], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { stdout, code };
}

const parsed = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as { n: number; msg: string; service: string });

describe('createTspLogger', () => {
  it('writes every line when the process exits straight after logging', async () => {
    const { stdout, code } = await runLogging(`const logger = createTspLogger();\nfor (let n = 0; n < ${LINES}; n++) logger.info({ n }, 'tsp request');\nprocess.exit(0);`);
    expect(code).toBe(0);
    const lines = parsed(stdout);
    expect(lines).toHaveLength(LINES);
    expect(lines.map((l) => l.n)).toEqual(Array.from({ length: LINES }, (_, n) => n));
    expect(lines[0]).toMatchObject({ service: 'cmk-tsp', msg: 'tsp request' });
  });

  it('has written every line once flush() returns, before any exit', async () => {
    // process.reallyExit skips the exit handlers: only flush() can have written the lines.
    const { stdout } = await runLogging(
      `const logger = createTspLogger();\nfor (let n = 0; n < ${LINES}; n++) logger.info({ n }, 'tsp request');\nlogger.flush?.();\n(process as unknown as { reallyExit(code: number): never }).reallyExit(0);`,
    );
    expect(parsed(stdout)).toHaveLength(LINES);
  });

  it('redacts an Authorization header passed in by mistake', async () => {
    const { stdout } = await runLogging(`createTspLogger().warn({ headers: { authorization: 'cmk secret-api-key' } }, 'odd request');`);
    expect(stdout).not.toContain('secret-api-key');
    expect(stdout).toContain('[redacted]');
  });
});
