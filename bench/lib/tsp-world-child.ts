// A whole TSP world (lib/testing/tsp-world.ts: createTsp, the AWS KMS
// protocol double, SIEM doubles, an in-memory broker) in a child process, so
// that a benchmark's own process measures only its client: its CPU, its
// memory. The parent gets the TSP's URL and API key over IPC.
import { spawn, type ChildProcess } from 'node:child_process';

export type TWorldChild = { child: ChildProcess; url: string; apiKey: string; stop(): Promise<void> };

export function startTspWorldChild(): Promise<TWorldChild> {
  let tail = '';
  const child = spawn(process.execPath, ['scripts/node.mjs', 'bench/lib/tsp-world-child.ts'], {
    env: { ...process.env, TSP_WORLD_CHILD: '1', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the TSP world exited (${code}):\n${tail}`)));
    child.once('message', (ready: { url: string; apiKey: string }) =>
      resolve({
        child,
        ...ready,
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((done) => child.once('exit', done));
          child.kill('SIGTERM');
          await exited;
        },
      }),
    );
  });
}

async function serve(): Promise<void> {
  const { startTspWorld } = await import('@/lib/testing/tsp-world');
  const world = await startTspWorld();
  const stop = async () => {
    await world.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.send?.({ url: world.url, apiKey: world.apiKey });
}

if (process.env.TSP_WORLD_CHILD === '1') await serve();
