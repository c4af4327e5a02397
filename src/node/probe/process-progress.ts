// Is a process that has not answered running, or waiting for a CPU, or doing nothing? From /proc/PID/stat
// (proc(5)): its state letter (field 3; R is running or runnable, which includes a task its cgroup's CPU
// quota holds back) and the CPU time it has used (utime + stime, fields 14 and 15, in clock ticks).
// /proc/PID/stat takes no lock the process could hold, and has no filesystem behind it.
import { parseProcStat, realProc, type ProcReader } from '../passive/proc.js';

export interface ProcessProgress {
  state: string;
  cpuTicks: number;
}

/** The process's state and CPU time, or undefined when it is gone or there is no /proc (macOS, the BSDs). */
export function processProgress(pid: number, proc: ProcReader = realProc): ProcessProgress | undefined {
  const stat = parseProcStat(proc.read(`/proc/${pid}/stat`));
  if (stat === undefined || !Number.isFinite(stat.cpuTicks)) return undefined;
  return { state: stat.state, cpuTicks: stat.cpuTicks };
}
