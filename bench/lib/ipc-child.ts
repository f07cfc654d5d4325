// A benchmark's helper process: a TypeScript file of this project started
// with an IPC channel (stdout to nowhere, the end of stderr kept for a
// failure message), ready when its first message arrives, and asked
// questions one at a time over the same channel.
import { spawn, type ChildProcess } from 'node:child_process';

/** Starts `file` with `env` added (and Node's `nodeFlags`); resolves with its first message, or fails with its stderr if it exits first. */
export function startIpcChild<TReady>(file: string, env: Record<string, string>, what: string, nodeFlags: readonly string[] = []): Promise<{ child: ChildProcess; ready: TReady }> {
  let tail = '';
  const child = spawn(process.execPath, [...nodeFlags, 'scripts/node.mjs', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${tail}`)));
    child.once('message', (ready: TReady) => resolve({ child, ready }));
  });
}

/** Sends `message` and resolves with the next message back (the child answers each question in turn). */
export function askChild<TAnswer>(child: ChildProcess, message: unknown): Promise<TAnswer> {
  return new Promise((resolve) => {
    child.once('message', (answer: TAnswer) => resolve(answer));
    child.send(message as object);
  });
}
