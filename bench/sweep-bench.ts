// `npm run bench [N] [N-node]`: N tmpfs mounts (default 1000) in a private mount namespace, probed by
// the C reference of the seed's mechanism (as is, and with NSS preloaded), by the helper's full sweep
// (Monitor.sweep() over the real mount table, --include for the bench's mounts, in a fresh Node process:
// bench/full-sweep.ts), by our native prober alone (all N at once), and by the Node fallback (N-node
// mounts, default 50, scaled per probe); then one frozen FUSE mount (SIGSTOPped bindfs): time from probe
// start to 'hung' against the timeout. MSM_BENCH_REPEATS (default 5) runs of each, alternated; medians.
// Prints figures, never asserts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeProber } from '../src/node/probe/native-prober.js';
import { NodeProber } from '../src/node/probe/node-prober.js';
import type { Prober, ProbeResult } from '../src/node/probe/prober.js';
import { buildCReference, runCReference } from './c-reference.js';
import type { SweepFigures } from './full-sweep.js';
import { cpuSinceMs, cpuSnapshot, peakRssKb, table, type Figures } from './measure.js';

const MARK = 'MSM_BENCH_PRIVATE_NS';

function reexecInPrivateNamespace(): void {
  if (process.env[MARK] === 'inside') return;
  if (process.getuid?.() !== 0) {
    console.error('the benchmark mounts tmpfs in a private mount namespace: run it as root (sudo npm run bench)');
    process.exit(2);
  }
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: 'inside' },
  });
  process.exit(r.status ?? 1);
}

function sh(script: string, ...args: string[]): void {
  const r = spawnSync('bash', ['-c', script, '-', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench setup failed: ${r.stderr}`);
}

/** N tmpfs mounts with one file each under a scratch tmpfs; returns their paths. */
function makeMounts(base: string, n: number): string[] {
  mkdirSync(base);
  sh(`for i in $(seq 1 ${n}); do mkdir "$1/m$i" && mount -t tmpfs -o size=64k x "$1/m$i" && : > "$1/m$i/f" || exit 1; done`, base);
  return Array.from({ length: n }, (_, i) => join(base, `m${i + 1}`));
}

async function probeAll(prober: Prober, paths: string[]): Promise<ProbeResult[]> {
  const runs = paths.map((path) => prober.probe({ path, timeoutMs: 30_000, asOwner: true }));
  const results = await Promise.all(runs.map((r) => r.result));
  await Promise.all(runs.map((r) => r.exited)); // the C reference waits for every child too
  const bad = results.filter((r) => r.state !== 'ok');
  if (bad.length) throw new Error(`${bad.length} probes not ok, e.g. ${JSON.stringify(bad[0])}`);
  return results;
}

async function benchNative(paths: string[]): Promise<Figures> {
  const prober = new NativeProber();
  await probeAll(prober, paths.slice(0, 1)); // start the fork server outside the measurement
  const server0 = await prober.usage();
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  await probeAll(prober, paths);
  const wallMs = performance.now() - t0;
  const cpu = cpuSinceMs(cpu0);
  const server = await prober.usage();
  await prober.close();
  const serverMs = (server.userUs + server.systemUs - server0.userUs - server0.systemUs) / 1000;
  const childMs = (server.childUserUs + server.childSystemUs - server0.childUserUs - server0.childSystemUs) / 1000;
  return {
    label: 'native prober (helper + fork server + children)',
    count: paths.length,
    wallMs,
    cpuMs: cpu.selfMs + serverMs + childMs,
    peakRssKb: peakRssKb(),
    childPeakRssKb: Math.max(server.maxRssKb, server.childMaxRssKb),
    note: `node ${cpu.selfMs.toFixed(0)} + server ${serverMs.toFixed(0)} + children ${childMs.toFixed(0)} ms CPU`,
  };
}

async function benchNode(paths: string[]): Promise<Figures> {
  const prober = new NodeProber();
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  await probeAll(prober, paths);
  const wallMs = performance.now() - t0;
  const cpu = cpuSinceMs(cpu0);
  await prober.close();
  return {
    label: 'node fallback (a Node child per probe)',
    count: paths.length,
    wallMs,
    cpuMs: cpu.selfMs + cpu.childrenMs,
    peakRssKb: peakRssKb(),
    note: `${2 * availableParallelism()} at once`,
  };
}

async function benchFrozen(base: string, timeoutMs: number): Promise<string> {
  const src = join(base, 'frozen-src');
  const mnt = join(base, 'frozen');
  mkdirSync(src);
  mkdirSync(mnt);
  const daemon = spawn('bindfs', ['-f', src, mnt], { stdio: 'ignore' });
  try {
    const deadline = Date.now() + 10_000;
    while (!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `)) {
      if (Date.now() > deadline || daemon.exitCode !== null) return 'frozen mount: bindfs did not mount (is bindfs installed?)';
      await new Promise((r) => setTimeout(r, 20));
    }
    daemon.kill('SIGSTOP');
    // wait until every daemon thread is stopped (see test/helper/probe/mount-fixtures.ts freeze())
    while (!readdirSync(`/proc/${daemon.pid}/task`).every((t) => / [tT] /.test(readFileSync(`/proc/${daemon.pid}/task/${t}/stat`, 'utf8').split(')')[1] ?? ''))) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const prober = new NativeProber();
    await probeAll(prober, [base]);
    const t0 = performance.now();
    const run = prober.probe({ path: mnt, timeoutMs, asOwner: true });
    const r = await run.result;
    const hungAt = performance.now() - t0;
    await run.exited;
    const reapedAt = performance.now() - t0;
    await prober.close();
    return `frozen FUSE mount (SIGSTOPped bindfs), timeout ${timeoutMs} ms: '${r.state}' after ${hungAt.toFixed(1)} ms (+${(hungAt - timeoutMs).toFixed(1)} ms over the timeout), child reaped after ${reapedAt.toFixed(1)} ms`;
  } finally {
    daemon.kill('SIGCONT');
    daemon.kill('SIGKILL');
    spawnSync('umount', ['-l', mnt]);
  }
}

function mid(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median wall and median CPU (each on its own) of several runs. */
function median(runs: Figures[]): Figures {
  // The note (a CPU breakdown) is the one of the run with the median wall time.
  const first = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)]!;
  return {
    ...first,
    wallMs: mid(runs.map((r) => r.wallMs)),
    cpuMs: mid(runs.map((r) => r.cpuMs)),
    peakRssKb: Math.max(...runs.map((r) => r.peakRssKb)),
    childPeakRssKb: Math.max(...runs.map((r) => r.childPeakRssKb ?? 0)),
    note: [first.note, `median of ${runs.length}`, runs.length > 1 ? `wall ${range(runs.map((r) => r.wallMs))}` : undefined]
      .filter(Boolean)
      .join('; '),
  };
}

function range(xs: number[]): string {
  return `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
}

/** The V8 flags `mountstatus` runs with (its shebang line), so the bench measures what ships. */
function shippedNodeFlags(): string[] {
  const bin = fileURLToPath(new URL('../../bin/mountstatus.js', import.meta.url));
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  return shebang.split(/\s+/).filter((w) => w.startsWith('--'));
}

/** The helper's full sweeps, each run in a fresh Node process (see full-sweep.ts). */
function runFullSweep(include: string, sweeps: number): SweepFigures {
  const script = fileURLToPath(new URL('./full-sweep.js', import.meta.url));
  const r = spawnSync(process.execPath, [...shippedNodeFlags(), script, include, String(sweeps)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`full sweep failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as SweepFigures;
}

function sweepFigures(label: string, runs: SweepFigures['cold'][], f: SweepFigures): Figures {
  const bad = runs.find((r) => r.notOk > 0);
  if (bad) throw new Error(`full sweep: ${bad.notOk} of ${bad.checked} mounts not ok`);
  const m = (k: 'nodeCpuMs' | 'serverCpuMs' | 'childrenCpuMs' | 'reportMs'): string => mid(runs.map((r) => r[k])).toFixed(0);
  return {
    label,
    count: runs[0]!.checked,
    wallMs: mid(runs.map((r) => r.wallMs)),
    cpuMs: mid(runs.map((r) => r.nodeCpuMs + r.serverCpuMs + r.childrenCpuMs)),
    peakRssKb: f.helperPeakRssKb,
    childPeakRssKb: Math.max(f.serverPeakRssKb, f.childPeakRssKb),
    note: `helper ${m('nodeCpuMs')} + server ${m('serverCpuMs')} + children ${m('childrenCpuMs')} ms CPU; report after ${m('reportMs')} ms; median of ${runs.length}, wall ${range(runs.map((r) => r.wallMs))}`,
  };
}

async function main(): Promise<void> {
  reexecInPrivateNamespace();
  const n = Number(process.argv[2] ?? 1000);
  const nNode = Number(process.argv[3] ?? 50);
  const base = mkdtempSync('/tmp/msm-bench-');
  const cleanup: (() => void)[] = [];
  sh('mount -t tmpfs -o size=256m,mode=0755 x "$1"', base);
  try {
    const paths = makeMounts(join(base, 'mounts'), n);
    const cref = buildCReference();
    cleanup.push(() => rmSync(dirname(cref), { recursive: true, force: true }));
    console.log(`Probing ${n} tmpfs mounts (node fallback: ${Math.min(nNode, n)}, figures per probe are comparable)\n`);
    // Alternate the runs a few times and take medians: a 2-core VM is noisy.
    const repeats = Number(process.env.MSM_BENCH_REPEATS ?? 5);
    const cRuns: Figures[] = [];
    const cPreRuns: Figures[] = [];
    const nativeRuns: Figures[] = [];
    const sweeps: SweepFigures[] = [];
    for (let i = 0; i < repeats; i++) {
      cRuns.push(runCReference(cref, paths));
      sweeps.push(runFullSweep(join(base, 'mounts', '*'), 4));
      cPreRuns.push(runCReference(cref, paths, true));
      nativeRuns.push(await benchNative(paths));
    }
    const lastSweep = sweeps[sweeps.length - 1]!;
    const rows: Figures[] = [
      median(cRuns),
      sweepFigures('full sweep: Monitor.sweep(), fork server running', sweeps.flatMap((s) => s.warm), lastSweep),
      sweepFigures('full sweep: first one (starts the fork server)', sweeps.map((s) => s.cold), lastSweep),
      median(nativeRuns),
      median(cPreRuns),
    ];
    rows[1]!.peakRssKb = Math.max(...sweeps.map((s) => s.helperPeakRssKb));
    rows.push(await benchNode(paths.slice(0, Math.min(nNode, n))));
    console.log(table(rows));
    console.log(
      `\nfull sweep: the helper in its own Node process (peak RSS is its own); native prober: NativeProber.probe() ×${n} in the` +
        `\nbenchmark process (its RSS includes the benchmark). Wall is until every child is reaped, as the C reference waits.` +
        `\nCPU counts the helper, the fork server and every probe child (the C reference: parent and children).`,
    );
    console.log(await benchFrozen(base, 1000));
  } finally {
    spawnSync('umount', ['-R', '-l', base]);
    rmdirSync(base);
    for (const c of cleanup) c();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
