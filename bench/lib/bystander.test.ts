// lowestPriority on a real Node child process: every thread it has is set to
// nice 19, and a thread it starts afterwards (a worker) inherits it.
import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { lowestPriority, threadNiceness } from './bystander';

// Waits; on 'worker' starts a worker thread that stays alive, then says so.
const CHILD = `
const { Worker } = require('node:worker_threads');
setInterval(() => {}, 1000);
process.on('message', () => { new Worker('setInterval(() => {}, 1000)', { eval: true }).once('online', () => process.send('online')); });
process.send('ready');
`;

let child: ChildProcess | undefined;
afterEach(() => void child?.kill());

describe.runIf(process.platform === 'linux')('lowestPriority', () => {
  it('sets every thread of a process to nice 19, and threads it starts later inherit it', async () => {
    child = fork('-e', [CHILD], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const started = child;
    await new Promise((resolve) => started.once('message', resolve));
    const pid = started.pid as number;
    // Started at the test's own priority: at least one thread is not already at 19, or the test proves nothing.
    expect(threadNiceness(pid).some((nice) => nice !== 19)).toBe(true);
    const before = threadNiceness(pid).length;
    expect(before).toBeGreaterThan(1);

    expect(lowestPriority(pid)).toBe(before);
    expect(threadNiceness(pid)).toEqual(Array(before).fill(19));

    started.send('worker');
    await new Promise((resolve) => started.once('message', resolve));
    const after = threadNiceness(pid);
    expect(after.length).toBeGreaterThan(before);
    expect(after).toEqual(Array(after.length).fill(19));
  });
});
