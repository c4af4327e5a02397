// Is a process that has not answered running, or waiting for a CPU, or doing nothing? From /proc/PID/stat
// (proc(5)): its state letter (field 3; R is running or runnable, which includes a task its cgroup's CPU
// quota holds back) and the CPU time it has used (utime + stime, fields 14 and 15, in clock ticks).
// /proc/PID/stat takes no lock the process could hold, and has no filesystem behind it.
import { realProc, type ProcReader } from '../passive/proc.js';

export interface ProcessProgress {
  state: string;
  cpuTicks: number;
}

/** The process's state and CPU time, or undefined when it is gone or there is no /proc (macOS, the BSDs). */
export function processProgress(pid: number, proc: ProcReader = realProc): ProcessProgress | undefined {
  const stat = proc.read(`/proc/${pid}/stat`);
  // The command name is in parentheses and may hold ")" or spaces: fields are counted after the last ")".
  const close = stat?.lastIndexOf(')') ?? -1;
  if (stat === undefined || close < 0) return undefined;
  const f = stat.slice(close + 2).split(' ');
  const cpuTicks = Number(f[11]) + Number(f[12]);
  if (!f[0] || !Number.isFinite(cpuTicks)) return undefined;
  return { state: f[0], cpuTicks };
}
