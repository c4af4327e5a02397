// `npm run bench [N,N,...] [N-node] [--idle SECONDS]`: for each N (default 1000,5000,10000) N tmpfs mounts
// in a private mount namespace, probed side by side, alternated MSM_BENCH_REPEATS times (default 3), medians: the C reference
// of the seed's mechanism (a fork per mount; as is, and with NSS preloaded), the helper's full sweep
// (Monitor.sweep() over the real mount table, --include for the bench's mounts, in a fresh Node process:
// bench/full-sweep.ts) with the server's workers and with fork per probe, our native prober alone (all N
// at once), and the Node fallback (N-node mounts, default 50, scaled per probe). Then the full sweep with
// one frozen FUSE mount among them (SIGSTOPped bindfs, timeout 1 s), the Node side's own cost per mount
// (bench/node-side.ts: CPU, allocation and RSS per sweep), the one-shot `check --json` as shipped
// (bench/one-shot.ts), and the shipped daemon's idle CPU over SECONDS (default 60; 0 leaves it out) with a
// client connected, then how fast it answers `status --json` (bench/idle-cpu.ts); a client at N (a real
// daemon's snapshot over its socket, and the status window in Chromium: bench/client-side.ts; alone with
// `--client-only`). Last, one table of the figures the targets in docs/performance.md are about, a column
// per N. Prints figures, never asserts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeProber } from '../src/node/probe/native-prober.js';
import { NodeProber } from '../src/node/probe/node-prober.js';
import type { Prober, ProbeResult } from '../src/node/probe/prober.js';
import { buildCReference, runCReference } from './c-reference.js';
import type { SweepFigures } from './full-sweep.js';
import { measureIdle } from './idle-cpu.js';
import { measureClient, type ClientFigures } from './client-side.js';
import { runOneShotCheck, wallOfCommand } from './one-shot.js';
import type { NodeSideFigures } from './node-side.js';
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
  // One process for all of them (mount -a over an fstab of our own): a mount(8) per mount took minutes
  // for 10,000 on a loaded machine.
  sh(
    `cd "$1" && seq -f 'm%.0f' 1 ${n} | xargs mkdir && seq -f "x $1/m%.0f tmpfs size=64k 0 0" 1 ${n} > ../fstab-${n} && ` +
      `mount -a -T ../fstab-${n} && seq -f 'm%.0f/f' 1 ${n} | xargs touch`,
    base,
  );
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
  await probeAll(prober, paths.slice(0, 1)); // start the prober outside the measurement
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
    label: 'native prober alone, workers (helper + server + workers)',
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

/** bindfs in the foreground on `mnt`, SIGSTOPped once every thread is stopped; dispose() undoes it. */
async function frozenMount(src: string, mnt: string): Promise<() => void> {
  mkdirSync(src);
  mkdirSync(mnt);
  const daemon = spawn('bindfs', ['-f', src, mnt], { stdio: 'ignore' });
  const dispose = (): void => {
    daemon.kill('SIGCONT');
    daemon.kill('SIGKILL');
    spawnSync('umount', ['-l', mnt]);
  };
  const deadline = Date.now() + 10_000;
  while (!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `)) {
    if (Date.now() > deadline || daemon.exitCode !== null) {
      dispose();
      throw new Error('frozen mount: bindfs did not mount (is bindfs installed?)');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  daemon.kill('SIGSTOP');
  // wait until every daemon thread is stopped (see test/node/probe/mount-fixtures.ts freeze())
  while (!readdirSync(`/proc/${daemon.pid}/task`).every((t) => / [tT] /.test(readFileSync(`/proc/${daemon.pid}/task/${t}/stat`, 'utf8').split(')')[1] ?? ''))) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return dispose;
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

/** A bench script in a fresh Node process with the shipped flags; its one line of JSON. */
function runScript<T>(name: string, args: string[]): T {
  const script = fileURLToPath(new URL(`./${name}`, import.meta.url));
  const r = spawnSync(process.execPath, [...shippedNodeFlags(), script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The helper's full sweeps, each run in a fresh Node process (see full-sweep.ts). */
function runFullSweep(include: string, sweeps: number, engine: 'workers' | 'fork', timeoutSeconds?: number): SweepFigures {
  return runScript<SweepFigures>('full-sweep.js', [include, String(sweeps), engine, ...(timeoutSeconds ? [String(timeoutSeconds)] : [])]);
}

function sweepFigures(label: string, runs: SweepFigures['cold'][], f: SweepFigures): Figures {
  // A sweep with mounts not ok (on a machine loaded enough the probe server's watchdog can kill it)
  // is said, not measured.
  const bad = runs.filter((r) => r.states.ok !== r.checked);
  for (const r of bad) console.log(`${label}: a sweep left out, not every mount ok: ${JSON.stringify(r.states)}, e.g. ${JSON.stringify(r.notOk)}`);
  if (bad.length === runs.length) throw new Error(`${label}: no sweep with every mount ok`);
  runs = runs.filter((r) => r.states.ok === r.checked);
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

/** The figures the targets are about, at one N (docs/performance.md). */
interface TargetFigures {
  n: number;
  helperPeakRssKb: number;
  /** The full sweep's helper process after its first sweep and after its last (KB). */
  rssFirstKb: number;
  rssLastKb: number;
  nodeSide: NodeSideFigures;
  check: { wallMs: number; cpuMs: number; startupWallMs: number; startupCpuMs: number; ref: Figures };
  steady: { wall: number; cpu: number };
  idle?: { percentOfOneCore: number; peakRssKb: number; statusJsonMs: number; startupMs: number };
  client: ClientFigures;
}

/** The client's figures at N mounts (bench/client-side.ts), as one line. */
async function benchClient(n: number, glob: string, repeats: number): Promise<ClientFigures> {
  const c = await measureClient(glob, shippedNodeFlags(), repeats);
  console.log(
    `\na client at ${n} mounts (a real daemon; median of ${repeats}): snapshot over the socket ${c.snapshotMs.toFixed(0)} ms (${(c.snapshotBytes / 1e6).toFixed(1)} MB,` +
      ` ${c.mounts} mounts, ${c.omitted} left out); \`status --json\` ${c.statusJsonMs.toFixed(0)} ms wall, \`status --help\` ${c.statusHelpMs.toFixed(0)} ms;` +
      (c.windowError
        ? ` status window not measured: ${c.windowError}`
        : ` status window in Chromium: open and drawn ${c.openMs!.toFixed(0)} ms (the page to the snapshot asked ${c.openParts!.startMs.toFixed(0)},` +
          ` the snapshot through the test harness ${c.openParts!.snapshotMs.toFixed(0)}, loaded and drawn ${c.openParts!.drawMs.toFixed(0)}; ${c.rowsDrawn} rows in the DOM), a live update (a mount unmounted)` +
          ` drawn ${c.updateInPageMs!.toFixed(0)} ms after it reached the page, ${c.updateFromUmountMs!.toFixed(0)} ms after the umount`),
  );
  return c;
}

/** `--client-only`: the N mounts and the client's figures alone (the rest takes long at 10,000). */
async function clientOnlyAt(n: number, base: string, repeats: number): Promise<void> {
  const dir = join(base, `mounts-${n}`);
  makeMounts(dir, n);
  try {
    await benchClient(n, join(dir, '*'), repeats);
  } finally {
    spawnSync('umount', ['-R', '-l', dir]);
  }
}

async function benchAt(n: number, nNode: number, base: string, cref: string, repeats: number, idleSeconds: number): Promise<TargetFigures> {
  const dir = join(base, `mounts-${n}`);
  const paths = makeMounts(dir, n);
  const glob = join(dir, '*');
  try {
    console.log(`\n## ${n} tmpfs mounts (node fallback: ${Math.min(nNode, n)}, figures per probe are comparable); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    // Alternate the runs a few times and take medians: a 2-core VM is noisy.
    const cRuns: Figures[] = [];
    const cPreRuns: Figures[] = [];
    const nativeRuns: Figures[] = [];
    const sweeps: SweepFigures[] = [];
    const forkSweeps: SweepFigures[] = [];
    for (let i = 0; i < repeats; i++) {
      cRuns.push(runCReference(cref, paths));
      sweeps.push(runFullSweep(glob, 4, 'workers'));
      forkSweeps.push(runFullSweep(glob, 4, 'fork'));
      cPreRuns.push(runCReference(cref, paths, true));
      nativeRuns.push(await benchNative(paths));
    }
    const last = (xs: SweepFigures[]): SweepFigures => ({ ...xs[xs.length - 1]!, helperPeakRssKb: Math.max(...xs.map((s) => s.helperPeakRssKb)) });
    const ref = median(cRuns);
    const steady = sweepFigures('full sweep, workers: Monitor.sweep(), server running', sweeps.flatMap((s) => s.warm), last(sweeps));
    const rows: Figures[] = [
      ref,
      steady,
      sweepFigures('full sweep, workers: the first one (starts the server)', sweeps.map((s) => s.cold), last(sweeps)),
      median(nativeRuns),
      median(cPreRuns),
    ];
    // Fork per probe is the other platforms' engine: when a loaded machine leaves it no good sweep, the
    // run goes on without its row.
    try {
      rows.splice(3, 0, sweepFigures('full sweep, fork per probe (macOS, BSD), server running', forkSweeps.flatMap((s) => s.warm), last(forkSweeps)));
    } catch (err) {
      console.log((err as Error).message);
    }
    if (nNode > 0) rows.push(await benchNode(paths.slice(0, Math.min(nNode, n))));
    console.log(table(rows));

    const dispose = await frozenMount(join(base, `frozen-src-${n}`), join(dir, 'frozen'));
    try {
      const f = runFullSweep(glob, 3, 'workers', 1);
      for (const [k, r] of [f.cold, ...f.warm].entries()) {
        console.log(
          `frozen FUSE mount (SIGSTOPped bindfs) among ${n}, timeout 1 s, sweep ${k + 1}: ${JSON.stringify(r.states)}, report after ` +
            `${r.reportMs.toFixed(0)} ms, every process gone after ${r.wallMs.toFixed(0)} ms (+${(r.wallMs - 1000).toFixed(0)} ms over the timeout)`,
        );
      }
    } finally {
      dispose();
    }

    const nodeSide = runScript<NodeSideFigures>('node-side.js', [glob, '10']);
    console.log(
      `\nNode side alone (a prober answering at once; ${nodeSide.checked} mounts of ${nodeSide.tableEntries} in the table; CPU µs per mount, median of 10 sweeps):` +
        ` whole sweep ${nodeSide.sweepUsPerMount.toFixed(1)}, of which reading and parsing the table ${nodeSide.readAndParseUsPerMount.toFixed(1)},` +
        ` planning ${nodeSide.planUsPerMount.toFixed(1)}; ${(nodeSide.allocatedBytesPerMount / 1024).toFixed(2)} KB allocated a mount a sweep;` +
        ` RSS ${(nodeSide.rssKbFirst / 1024).toFixed(1)} MB after the first sweep, ${(nodeSide.rssKbLast / 1024).toFixed(1)} MB after the tenth`,
    );

    const bin = fileURLToPath(new URL('../../bin/mountstatus.js', import.meta.url));
    const oneShot = runOneShotCheck(shippedNodeFlags(), bin, glob, repeats);
    const check = {
      wallMs: mid(oneShot.runs.map((r) => r.wallMs)),
      cpuMs: mid(oneShot.runs.map((r) => r.cpuMs)),
      startupWallMs: mid(oneShot.startup.map((r) => r.wallMs)),
      startupCpuMs: mid(oneShot.startup.map((r) => r.cpuMs)),
      ref,
    };
    console.log(
      `\none-shot \`mountstatus check --json\` over the ${n} (median of ${repeats}): ${check.wallMs.toFixed(0)} ms wall, ${check.cpuMs.toFixed(0)} ms CPU;` +
        ` start-up (a check over no mount) ${check.startupWallMs.toFixed(0)} ms wall, ${check.startupCpuMs.toFixed(0)} ms CPU`,
    );

    let idle: TargetFigures['idle'];
    if (idleSeconds > 0) {
      const statusRuns: number[] = [];
      const startupRuns: number[] = [];
      const figures = await measureIdle(idleSeconds, shippedNodeFlags(), {
        client: (b, socket) => spawn(process.execPath, [b, 'status', '--follow', '--json', '--socket', socket], { stdio: 'ignore' }),
        afterwards: async (b, socket) => {
          for (let i = 0; i < repeats; i++) {
            statusRuns.push(await wallOfCommand(shippedNodeFlags(), b, ['status', '--json', '--socket', socket]));
            startupRuns.push(await wallOfCommand(shippedNodeFlags(), b, ['status', '--help']));
          }
        },
      });
      idle = { percentOfOneCore: figures.percentOfOneCore, peakRssKb: figures.peakRssKb, statusJsonMs: mid(statusRuns), startupMs: mid(startupRuns) };
      console.log(
        `idle daemon, shipped defaults, a client connected (\`status --follow\`), ${idleSeconds} s: ${figures.cpuMsPerMinute.toFixed(0)} ms CPU a minute` +
          ` (${figures.percentOfOneCore.toFixed(2)} % of one core), ${figures.sweeps} sweeps, peak RSS ${(figures.peakRssKb / 1024).toFixed(1)} MB;` +
          ` \`status --json\` answered in ${idle.statusJsonMs.toFixed(0)} ms wall (\`status --help\`, start-up alone: ${idle.startupMs.toFixed(0)} ms)`,
      );
    }
    const client = await benchClient(n, glob, repeats);
    const warm = sweeps.flatMap((s) => s.warm).filter((r) => r.states.ok === r.checked);
    return {
      client,
      n,
      helperPeakRssKb: steady.peakRssKb,
      rssFirstKb: mid(sweeps.map((s) => s.cold.rssKb)),
      rssLastKb: mid(sweeps.map((s) => s.warm.at(-1)!.rssKb)),
      nodeSide,
      check,
      steady: { wall: mid(warm.map((r) => r.wallMs)) / ref.wallMs, cpu: mid(warm.map((r) => r.nodeCpuMs + r.serverCpuMs + r.childrenCpuMs)) / ref.cpuMs },
      ...(idle ? { idle } : {}),
    };
  } finally {
    spawnSync('umount', ['-R', '-l', dir]);
  }
}

/** One line per target, one column per N. */
function targetsTable(all: TargetFigures[]): string {
  const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;
  const x = (v: number): string => `${v.toFixed(2)}×`;
  const rows: [string, (t: TargetFigures) => string][] = [
    ['helper peak RSS (full sweep process; target < 60 MB)', (t) => mb(t.helperPeakRssKb)],
    ['helper RSS after sweep 1 → after sweep 4 (flat)', (t) => `${mb(t.rssFirstKb)} → ${mb(t.rssLastKb)}`],
    ['Node side µs a mount (target ≤ 10)', (t) => t.nodeSide.sweepUsPerMount.toFixed(1)],
    ['  of which reading and parsing / planning', (t) => `${t.nodeSide.readAndParseUsPerMount.toFixed(1)} / ${t.nodeSide.planUsPerMount.toFixed(1)}`],
    ['KB allocated a mount a sweep (Node side)', (t) => (t.nodeSide.allocatedBytesPerMount / 1024).toFixed(2)],
    ['Node side RSS after sweep 1 → 10', (t) => `${mb(t.nodeSide.rssKbFirst)} → ${mb(t.nodeSide.rssKbLast)}`],
    ['one-shot check wall/CPU ×ref (target ≤ 0.2 at 1,000)', (t) => `${x(t.check.wallMs / t.check.ref.wallMs)} / ${x(t.check.cpuMs / t.check.ref.cpuMs)}`],
    ['  start-up subtracted', (t) => `${x((t.check.wallMs - t.check.startupWallMs) / t.check.ref.wallMs)} / ${x((t.check.cpuMs - t.check.startupCpuMs) / t.check.ref.cpuMs)}`],
    ['steady sweep wall/CPU ×ref (target ≤ 0.1)', (t) => `${x(t.steady.wall)} / ${x(t.steady.cpu)}`],
    ['idle CPU, client connected (target < 1 %)', (t) => (t.idle ? `${t.idle.percentOfOneCore.toFixed(2)} %` : '-')],
    ['status --json wall ms (target ≤ 200) / start-up alone', (t) => (t.idle ? `${t.idle.statusJsonMs.toFixed(0)} / ${t.idle.startupMs.toFixed(0)}` : '-')],
    ['  the helper answering a snapshot over its socket, ms', (t) => t.client.snapshotMs.toFixed(0)],
    ['status window open and drawn ms (target ≤ 1000)', (t) => (t.client.openMs !== undefined ? t.client.openMs.toFixed(0) : '-')],
    ['  of which the snapshot loaded and drawn', (t) => (t.client.openParts ? t.client.openParts.drawMs.toFixed(0) : '-')],
    ['live update drawn ms, in the page (target ≤ 100) / from umount', (t) => (t.client.updateInPageMs !== undefined ? `${t.client.updateInPageMs.toFixed(0)} / ${t.client.updateFromUmountMs!.toFixed(0)}` : '-')],
  ];
  const cells = [['', ...all.map((t) => `${t.n} mounts`)], ...rows.map(([label, f]) => [label, ...all.map(f)])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  reexecInPrivateNamespace();
  const args = process.argv.slice(2);
  const idleAt = args.indexOf('--idle');
  const idleSeconds = idleAt >= 0 ? Number(args.splice(idleAt, 2)[1]) : 60;
  const clientFlag = args.indexOf('--client-only');
  const clientOnly = clientFlag >= 0 && args.splice(clientFlag, 1).length > 0;
  const ns = (args[0] ?? '1000,5000,10000').split(',').map(Number);
  const nNode = Number(args[1] ?? 50);
  const repeats = Number(process.env.MSM_BENCH_REPEATS ?? 3);
  const base = mkdtempSync('/tmp/msm-bench-');
  const cleanup: (() => void)[] = [];
  sh('mount -t tmpfs -o size=256m,mode=0755 x "$1"', base);
  try {
    if (clientOnly) {
      for (const n of ns) await clientOnlyAt(n, base, repeats);
      return;
    }
    const cref = buildCReference();
    cleanup.push(() => rmSync(dirname(cref), { recursive: true, force: true }));
    const all: TargetFigures[] = [];
    for (const [i, n] of ns.entries()) all.push(await benchAt(n, i === 0 ? nNode : 0, base, cref, repeats, idleSeconds));
    console.log(
      `\nfull sweep: the helper in its own Node process (peak RSS is its own); native prober: NativeProber.probe() ×N in the` +
        `\nbenchmark process (its RSS includes the benchmark). Wall is until every probe's process is gone, as the C reference` +
        `\nwaits. CPU counts the helper, the server, its workers and every probe child (the C reference: parent and children);` +
        `\nthe server retires its workers to count their CPU after each sweep, so each sweep also forks its workers anew.`,
    );
    console.log(`\nTargets (ratios against the C reference's fork per mount in the same run; medians of ${repeats}):\n`);
    console.log(targetsTable(all));
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
