// Measuring helpers for the benchmark, kept apart so the lead's full-sweep bench can reuse them.
import { readFileSync } from 'node:fs';

export interface Figures {
  label: string;
  /** Probes (mounts) done. */
  count: number;
  wallMs: number;
  /** user + system CPU of the measured process and all its helpers/children, in ms. */
  cpuMs: number;
  /** Peak RSS of the main process (the helper, or the C parent), in KB. */
  peakRssKb: number;
  /** Peak RSS of the largest child / side process (prober, probe child), in KB. */
  childPeakRssKb?: number;
  note?: string;
}

export interface CpuSnapshot {
  selfUs: number;
  /** CPU of reaped children (RUSAGE_CHILDREN), from /proc/self/stat cutime+cstime (clock ticks). */
  childrenUs: number;
}

const CLOCK_TICK_US = 10_000; // USER_HZ is 100 on Linux (proc(5): "divide by sysconf(_SC_CLK_TCK)")

function reapedChildrenUs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 16 and 17 (cutime, cstime) are at 13 and 14 after the ")" (which ends field 2)
    return (Number(f[13]) + Number(f[14])) * CLOCK_TICK_US;
  } catch {
    return 0;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const u = process.resourceUsage();
  return { selfUs: u.userCPUTime + u.systemCPUTime, childrenUs: reapedChildrenUs() };
}

export function cpuSinceMs(before: CpuSnapshot, after = cpuSnapshot()): { selfMs: number; childrenMs: number } {
  return { selfMs: (after.selfUs - before.selfUs) / 1000, childrenMs: (after.childrenUs - before.childrenUs) / 1000 };
}

export function peakRssKb(): number {
  return process.resourceUsage().maxRSS;
}

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined ? '-' : n.toFixed(digits);
}

/** A side-by-side table; ratios are against the first row. */
export function table(rows: Figures[]): string {
  const base = rows[0];
  const head = ['', 'mounts', 'wall ms', 'CPU ms', 'wall ms/probe', 'CPU ms/probe', 'peak RSS MB', 'child RSS MB', 'wall ×ref', 'CPU ×ref'];
  const lines = rows.map((r) => {
    const wallPer = r.wallMs / r.count;
    const cpuPer = r.cpuMs / r.count;
    return [
      r.label + (r.note ? ` (${r.note})` : ''),
      String(r.count),
      fmt(r.wallMs),
      fmt(r.cpuMs),
      fmt(wallPer, 3),
      fmt(cpuPer, 3),
      fmt(r.peakRssKb / 1024),
      fmt(r.childPeakRssKb === undefined ? undefined : r.childPeakRssKb / 1024),
      base ? fmt(wallPer / (base.wallMs / base.count), 2) : '-',
      base ? fmt(cpuPer / (base.cpuMs / base.count), 2) : '-',
    ];
  });
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => (l[i] ?? '').length)));
  return all.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
