// Starts the broker as users do (`scripts/start.ts`, production build) in a
// child process, for integration tests: waits for "listening" or for exit,
// and keeps its output for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '@/scripts/lib/pg-cluster';

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
};

export type StartResult = { ok: true; server: ServerProcess } | { ok: false; code: number | null; output: string };

export async function startBroker(env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<StartResult> {
  // A test that restarts the broker keeps its address by passing the same PORT.
  const port = env.PORT ?? String(await freePort());
  let output = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'scripts/start.ts'], {
    // Tests start from an empty broker unless they ask for the demo data.
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(port), DEMO_DATA: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://localhost:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const code = await Promise.race([exited, new Promise<'pending'>((r) => setTimeout(() => r('pending'), 200))]);
    if (code !== 'pending') return { ok: false, code, output };
    if (output.includes('broker listening')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`broker did not start within ${timeoutMs} ms:\n${output}`);
    }
  }
  return {
    ok: true,
    server: {
      url,
      child,
      output: () => output,
      stop: async () => {
        if (child.exitCode !== null) return child.exitCode;
        child.kill('SIGTERM');
        return exited;
      },
    },
  };
}
