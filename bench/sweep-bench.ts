// `npm run bench [N] [N-node]`: N tmpfs mounts (default 1000) in a private mount namespace, probed by
// the C reference of the seed's mechanism, by our native prober (all N at once), and by the Node
// fallback (N-node mounts, default 50, scaled per probe); then one frozen FUSE mount (SIGSTOPped
// bindfs): time from probe start to 'hung' against the timeout. Prints figures, never asserts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeProber } from '../src/helper/probe/native-prober.js';
import { NodeProber } from '../src/helper/probe/node-prober.js';
import type { Prober, ProbeResult } from '../src/helper/probe/prober.js';
import { buildCReference, runCReference } from './c-reference.js';
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

function median(runs: Figures[]): Figures {
  const sorted = [...runs].sort((a, b) => a.wallMs - b.wallMs);
  const m = sorted[Math.floor(sorted.length / 2)]!;
  return { ...m, note: [m.note, `median of ${runs.length}`].filter(Boolean).join('; ') };
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
    // Alternate the two fast ones a few times and keep each one's median run: a 2-core VM is noisy.
    const repeats = Number(process.env.MSM_BENCH_REPEATS ?? 3);
    const cRuns: Figures[] = [];
    const nativeRuns: Figures[] = [];
    for (let i = 0; i < repeats; i++) {
      cRuns.push(runCReference(cref, paths));
      nativeRuns.push(await benchNative(paths));
    }
    const rows: Figures[] = [median(cRuns), median(nativeRuns)];
    rows.push(await benchNode(paths.slice(0, Math.min(nNode, n))));
    console.log(table(rows));
    console.log(`\nhelper (Node process) peak RSS includes the benchmark itself; the node fallback row runs after the native one.`);
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
