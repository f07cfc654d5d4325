// A process a benchmark starts but does not measure — the broker beside the
// TSP in tsp-overhead — at the lowest CPU priority (nice 19), every one of its
// threads. On Linux a priority belongs to a thread, not a process, so each
// thread in /proc/<pid>/task is set (the V8 platform's garbage-collection
// helpers are threads of their own); threads started later inherit it from
// the thread that starts them. Why: on a 2-core machine a Next.js server's
// idle major garbage collections take both cores for up to ~100 ms at a
// time, and every process measured waits behind them
// (docs/performance.md, "Latest: the broker's collector, and this machine's noise floor").
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Sets every thread of `pid` to the lowest CPU priority; returns how many threads were set. */
export function lowestPriority(pid: number): number {
  const threads = readdirSync(`/proc/${pid}/task`).map(Number);
  for (const tid of threads) os.setPriority(tid, os.constants.priority.PRIORITY_LOW);
  return threads.length;
}

/** The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
export function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}
