// One helper's full sweeps, in a fresh Node process so its peak RSS is the helper's own, not the
// benchmark's: `node dist/bench/full-sweep.js <include-glob> <sweeps> <workers|fork> [timeout-seconds]`
// prints one JSON object (SweepFigures). The Monitor is built as createMonitor(settings, 'system') builds
// it (src/node/create-monitor.ts), with the real mount table (read as the daemon reads it: an unchanged
// table is not parsed again) and the native prober, except that the
// prober is made here so its server can report its CPU (and that of its workers and children) through
// NativeProber.usage(), and so the engine can be chosen.
import { Monitor } from '../src/node/monitor/monitor.js';
import { DEFAULT_SETTINGS } from '../src/node/config/settings.js';
import { NativeProber } from '../src/node/probe/native-prober.js';
import { createMountTableReader } from '../src/node/mount-table/read-mount-table.js';

export interface SweepRun {
  checked: number;
  /** Mounts by state, e.g. {"ok": 1000, "hung": 1}. */
  states: Record<string, number>;
  /** One mount that was not ok, as reported (for the bench's error message). */
  notOk?: unknown;
  /** Until every probe's process is gone (what the C reference times: it waits for all its children). */
  wallMs: number;
  /** Until sweep() resolved with the report. */
  reportMs: number;
  /** The helper's (this Node process's) CPU during the sweep. */
  nodeCpuMs: number;
  serverCpuMs: number;
  /** Workers and probe children (the server retires its workers to count them: see its R request). */
  childrenCpuMs: number;
  /** This process's RSS once the sweep is done (KB): flat from sweep to sweep when nothing piles up. */
  rssKb: number;
}

export interface SweepFigures {
  /** The first sweep: it also starts the server. */
  cold: SweepRun;
  /** The sweeps after it (a daemon's steady state). */
  warm: SweepRun[];
  /** Peak RSS of this process after all sweeps, and of the server / its largest child. */
  helperPeakRssKb: number;
  serverPeakRssKb: number;
  childPeakRssKb: number;
}

async function main(): Promise<void> {
  const include = process.argv[2];
  const sweeps = Number(process.argv[3] ?? 4);
  const engine = process.argv[4] ?? 'workers';
  const timeoutSeconds = Number(process.argv[5] ?? DEFAULT_SETTINGS.timeoutSeconds);
  if (!include || (engine !== 'workers' && engine !== 'fork')) throw new Error('usage: full-sweep.js <include-glob> [sweeps] [workers|fork] [timeout-seconds]');
  const prober = new NativeProber({ forkPerProbe: engine === 'fork' });
  const monitor = new Monitor({
    intervalSeconds: DEFAULT_SETTINGS.intervalSeconds,
    timeoutSeconds,
    include: [include],
    exclude: [],
    mode: 'system',
    prober,
    readMountTable: createMountTableReader(),
  });
  const runs: SweepRun[] = [];
  let usage = { userUs: 0, systemUs: 0, childUserUs: 0, childSystemUs: 0, maxRssKb: 0, childMaxRssKb: 0 };
  for (let i = 0; i < sweeps; i++) {
    const cpu0 = process.resourceUsage();
    const t0 = performance.now();
    const report = await monitor.sweep();
    const reportMs = performance.now() - t0;
    // Every probe of the sweep has answered; wait for the reaps too, as the C reference waits for its
    // children, so their CPU is counted (RUSAGE_CHILDREN only holds reaped children).
    while (monitor.probesInFlight > 0) await new Promise((r) => setTimeout(r, 1));
    const wallMs = performance.now() - t0;
    const cpu1 = process.resourceUsage();
    const u = await prober.usage();
    const states: Record<string, number> = {};
    for (const m of report.mounts) states[m.state] = (states[m.state] ?? 0) + 1;
    const notOk = report.mounts.find((m) => m.state !== 'ok');
    runs.push({
      checked: report.checked,
      states,
      ...(notOk ? { notOk } : {}),
      wallMs,
      reportMs,
      nodeCpuMs: (cpu1.userCPUTime + cpu1.systemCPUTime - cpu0.userCPUTime - cpu0.systemCPUTime) / 1000,
      serverCpuMs: (u.userUs + u.systemUs - usage.userUs - usage.systemUs) / 1000,
      childrenCpuMs: (u.childUserUs + u.childSystemUs - usage.childUserUs - usage.childSystemUs) / 1000,
      rssKb: process.memoryUsage().rss / 1024,
    });
    usage = u;
  }
  await monitor.stop();
  const figures: SweepFigures = {
    cold: runs[0]!,
    warm: runs.slice(1),
    helperPeakRssKb: process.resourceUsage().maxRSS,
    serverPeakRssKb: usage.maxRssKb,
    childPeakRssKb: usage.childMaxRssKb,
  };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
