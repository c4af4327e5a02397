// The Node side of a sweep alone, in a fresh Node process with the V8 flags `mountstatus` ships with:
// `node dist/bench/node-side.js <include-glob> <sweeps>` prints one JSON object (NodeSideFigures).
// Monitor.sweep() over the real mount table with a prober that answers every probe at once (no process,
// no mount touched), so what is measured is the helper's own work per mount: reading and parsing the
// table, planning, the updates and their events. The table is read as the daemon reads it (an unchanged
// table is not parsed or planned again); parsing and planning a table are also timed on their own.
// Run with --cpu-prof to see where the time goes. What a sweep allocates is summed from V8's GC profile
// (the heap in use before each collection, less what the last one left), and the RSS is read after each.
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { Monitor } from '../src/node/monitor/monitor.js';
import { DEFAULT_SETTINGS } from '../src/node/config/settings.js';
import { planSweep } from '../src/node/monitor/sweep-plan.js';
import { createMountTableReader, readMountTable } from '../src/node/mount-table/read-mount-table.js';
import type { Prober, ProbeRequest, ProbeRun } from '../src/node/probe/prober.js';

export interface NodeSideFigures {
  /** Mounts in the table, and in the sweep. */
  tableEntries: number;
  checked: number;
  /** Medians over the sweeps, in microseconds per mount of the sweep. */
  sweepUsPerMount: number;
  readAndParseUsPerMount: number;
  planUsPerMount: number;
  /** Bytes allocated per mount of a sweep (median). */
  allocatedBytesPerMount: number;
  /** This process's RSS after the first measured sweep and after the last (KB). */
  rssKbFirst: number;
  rssKbLast: number;
  peakRssKb: number;
}

/** Bytes V8 allocated while `work` ran: the heap's growth between collections, summed. */
async function allocatedBy(work: () => Promise<unknown>): Promise<number> {
  const profiler = new GCProfiler();
  const before = getHeapStatistics().used_heap_size;
  profiler.start();
  await work();
  const after = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let total = 0;
  let last = before;
  for (const gc of gcs) {
    total += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - last);
    last = gc.afterGC.heapStatistics.usedHeapSize;
  }
  return total + Math.max(0, after - last);
}

/** Answers ok at once: the Node side's cost without any probe's. */
class InstantProber implements Prober {
  readonly kind = 'native';
  private pid = 1;
  probe(_request: ProbeRequest): ProbeRun {
    const capacity = { totalBytes: 65536, freeBytes: 65536, availBytes: 65536, totalInodes: 100, freeInodes: 99 };
    return {
      result: Promise.resolve({ state: 'ok', pid: this.pid++, latencyMs: 0.01, entries: 1, mode: 0o755, uid: 0, gid: 0, capacity }),
      exited: Promise.resolve(),
    };
  }
  async close(): Promise<void> {}
}

function cpuUs(): number {
  const u = process.resourceUsage();
  return u.userCPUTime + u.systemCPUTime;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const include = process.argv[2];
  const sweeps = Number(process.argv[3] ?? 10);
  if (!include) throw new Error('usage: node-side.js <include-glob> [sweeps]');
  const scope = { include: [include], exclude: [] };
  const monitor = new Monitor({ ...scope, intervalSeconds: 60, timeoutSeconds: DEFAULT_SETTINGS.timeoutSeconds, mode: 'system', prober: new InstantProber(), readMountTable: createMountTableReader() });
  const sweep: number[] = [];
  const parse: number[] = [];
  const plan: number[] = [];
  const allocated: number[] = [];
  const rss: number[] = [];
  let checked = 0;
  let tableEntries = 0;
  for (let i = 0; i < sweeps + 1; i++) {
    let t = cpuUs();
    const report = await monitor.sweep();
    if (i > 0) sweep.push(cpuUs() - t); // the first one warms up (and records every mount as new)
    checked = report.checked;
    if (i > 0) allocated.push(await allocatedBy(() => monitor.sweep()));
    if (i > 0) rss.push(process.memoryUsage().rss / 1024);
    t = cpuUs();
    const table = await readMountTable();
    parse.push(cpuUs() - t);
    tableEntries = table.entries.length;
    t = cpuUs();
    planSweep(table, scope);
    plan.push(cpuUs() - t);
  }
  await monitor.stop();
  const figures: NodeSideFigures = {
    tableEntries,
    checked,
    sweepUsPerMount: median(sweep) / checked,
    readAndParseUsPerMount: median(parse) / checked,
    planUsPerMount: median(plan) / checked,
    allocatedBytesPerMount: median(allocated) / checked,
    rssKbFirst: rss[0]!,
    rssKbLast: rss.at(-1)!,
    peakRssKb: process.resourceUsage().maxRSS,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
