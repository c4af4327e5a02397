// The lab: a Debian guest under qemu whose kernel has what this machine's lacks (the NFS client and
// server, autofs, CIFS, netem), for tests of the real thing. One call boots a guest, runs a bash script
// in it as root, and powers it off:
//
//   const r = await runInGuest({ script: 'node --test dist/test/…/x.test.js', timeoutMs: 300_000 });
//   assertGuestPassed(r);      // or look at r.exitCode, r.output, r.kmsg, files in r.resultsDir
//
// API (keep it this small):
// - labUnavailable(): why no guest can be booted here (for skipOrFail), or undefined.
// - runInGuest({ release, script, timeoutMs, env, files, onOutput }): release 'trixie' (Debian 13, kernel
//   6.12, the default: what users run) or 'bookworm' (Debian 12, kernel 6.1). The script runs under bash
//   with cwd /lab/repo (this checkout's dist/ without dist/fixtures, copied; package.json, bin/,
//   node_modules and test/fixtures, hard-linked: don't write to them), `node` on PATH (the Node running
//   the test), HOME=/root, MSM_TEST_SLOWDOWN (10 under TCG: test/support/slowdown.ts scales deadlines
//   by it), env as given (pass CI yourself: tests inside skip or fail by it), each of files (NAME: a
//   host path) at /lab/files/NAME. What it writes under /lab/results is in r.resultsDir on the host.
//   For many tests in one boot, name test files *.lab.test.ts: test/lab/lab-suite runs them all in one
//   guest (see there). The script's stdout and stderr, interleaved, stream to onOutput as they come and
//   end up in r.output. Resolves when the guest is off (or killed at timeoutMs: r.timedOut).
// - assertGuestPassed(r): throws unless the script exited 0, with the output's tail, and where the
//   artifacts are.
// Every run leaves its artifacts in r.dir (kept for the last 20 runs under $TMPDIR/msm-lab/): output,
//   console (the serial console: kernel panics, systemd, the boot unit), kmsg (dmesg at the end),
//   journal (journalctl -b), results/. The path is printed when the script fails.
//
// The guest: scripts/lab-image.sh builds the image once (a debootstrap tree made into an ext4 image,
// cached under /var/cache/mount-status-monitor-test/lab/RELEASE; measured here: trixie in 14 min on
// the 2 shared cores at load 25, a 1.7 GB sparse image with 742 MB used, an 11 MB initrd).
// qemu boots it with -snapshot (the image is never written), the tree's own kernel and initrd, no network
// device (the guest talks only to itself and network namespaces it makes), 1 GiB, 2 vCPUs, and a 9p
// share (this run's directory) that its boot unit mounts and whose boot.sh it runs.
// Acceleration: KVM when /dev/kvm is there and really runs this kernel (some hosts offer a paravirtual
// KVM that cannot: qemu aborts on an MSR or the guest dies on cmpxchg16b/xrstor; that is noticed once,
// and remembered in the cache, and the run is repeated under TCG), else TCG (software emulation, multi-
// threaded). Under TCG, measured on this 2-core machine at load 25-30: the script starts 100-150 s after
// qemu does (18-30 s on an idle machine); a CLI call takes 2-5 s and a daemon 7-9 s to start, so give
// guest-side waits bounds for that, not the host's.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type LabRelease = 'trixie' | 'bookworm';

export interface GuestRun {
  /** Default 'trixie'. */
  release?: LabRelease;
  /** A bash script, run as root in /lab/repo. */
  script: string;
  /** The whole run, boot included (default 10 min); then qemu is killed. */
  timeoutMs?: number;
  /** Added to the script's environment. */
  env?: Record<string, string>;
  /** Host files the guest sees as /lab/files/NAME (by NAME), read-only by agreement: built packages. */
  files?: Record<string, string>;
  /** The script's output as it comes (whole lines). */
  onOutput?: (line: string) => void;
}

export interface GuestResult {
  release: LabRelease;
  /** The script's exit status; null when it never finished (no boot, a crash, the timeout). */
  exitCode: number | null;
  timedOut: boolean;
  /** The script's stdout and stderr, interleaved. */
  output: string;
  /** The guest's serial console. */
  console: string;
  /** The guest kernel's log when the script ended (dmesg). */
  kmsg: string;
  /** journalctl -b when the script ended. */
  journal: string;
  /** What the script wrote under /lab/results. */
  resultsDir: string;
  /** This run's directory of artifacts. */
  dir: string;
  /** From qemu's start to the script's, ms; undefined when the guest never got there. */
  bootMs: number | undefined;
  /** qemu's start to its end, ms. */
  elapsedMs: number;
  accel: 'kvm' | 'tcg';
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const QEMU = 'qemu-system-x86_64';
const KEEP_RUNS = 20;
/**
 * How much longer than on the host things take in a TCG guest, for the tests' deadlines (slowdown.ts):
 * a CLI call 2-5 s instead of 0.2-0.4 s, a daemon's start 7-9 s instead of 0.5-1 s.
 */
const TCG_SLOWDOWN = 10;
/** A KVM guest reaches the script in seconds; one that has not within this never will. */
const KVM_BOOT_MS = 60_000;
const GUEST_PATH = '/lab/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/**
 * The guest kernel's command line. Units masked (systemd-debug-generator) and modules kept out that cost
 * seconds of an emulated boot and give a test nothing: the once-after-an-upgrade rebuilds (every boot
 * of a -snapshot image is the first), gettys, pNFS block layout, floppy and PC speaker probing.
 */
const CMDLINE = [
  'root=/dev/vda rw rootfstype=ext4 console=ttyS0,115200 quiet panic=-1 net.ifnames=0',
  'modprobe.blacklist=floppy,pcspkr',
  ...['ldconfig', 'systemd-journal-catalog-update', 'systemd-update-done', 'systemd-hwdb-update', 'getty-static', 'nfs-blkmap', 'systemd-binfmt'].map((u) => `systemd.mask=${u}.service`),
].join(' ');

/** Why a guest cannot be booted here, or undefined. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap builds the guest image)';
  for (const [cmd, pkg] of [[QEMU, 'qemu-system-x86'], ['debootstrap', 'debootstrap'], ['mkfs.ext4', 'e2fsprogs']]) {
    if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) return `needs ${cmd} (apt package ${pkg})`;
  }
  return undefined;
}

/** The cached image's directory, built first when missing or stale (says how long that took). */
function labImage(release: LabRelease): string {
  const started = Date.now();
  const r = spawnSync('bash', [join(ROOT, 'scripts/lab-image.sh'), release], { encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`scripts/lab-image.sh ${release} failed (${r.status ?? r.signal}): ${r.stderr}`);
  if (r.stderr.includes('built in')) console.log(`# ${r.stderr.trim().split('\n').pop()} (cold: no cached image)`);
  else if (Date.now() - started > 2000) console.log(`# cached ${release} image ready in ${Date.now() - started} ms`);
  return r.stdout.trim();
}

function linkOrCopy(from: string, to: string): void {
  mkdirSync(join(to, '..'), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    cpSync(from, to);
  }
}

/** Hard links where the file system allows, else a copy. */
function linkTree(from: string, to: string): void {
  if (spawnSync('cp', ['-al', from, to]).status !== 0) cpSync(from, to, { recursive: true });
}

function stageRepo(repo: string): void {
  mkdirSync(repo);
  for (const part of ['package.json', 'bin', 'dist', 'node_modules', 'test/fixtures']) {
    if (!existsSync(join(ROOT, part))) continue;
    mkdirSync(join(repo, part, '..'), { recursive: true });
    // The build is copied: tsc rewrites its files in place, and a rebuild during a run must not reach
    // the guest halfway. The rest is only read.
    if (part === 'dist') cpSync(join(ROOT, part), join(repo, part), { recursive: true });
    else linkTree(join(ROOT, part), join(repo, part));
  }
  // The FUSE fixture is compiled where it runs: the guest's libfuse is not the host's.
  rmSync(join(repo, 'dist/fixtures'), { recursive: true, force: true });
}

function bootScript(env: Record<string, string>): string {
  const exports = Object.entries({ PATH: GUEST_PATH, HOME: '/root', LANG: 'C.UTF-8', ...env })
    .map(([k, v]) => `export ${k}='${v.replaceAll("'", `'\\''`)}'`)
    .join('\n');
  return `#!/bin/bash
# Written by test/support/lab.ts; run by the guest's msm-lab.service (with sh) once the share is mounted.
[ -n "$BASH_VERSION" ] || exec bash "$0"
cut -d' ' -f1 /proc/uptime >/lab/booted
${exports}
stty -F /dev/ttyS1 raw -echo 2>/dev/null
mkdir -p /lab/results
cd /lab/repo
bash /lab/script 2>&1 </dev/null | tee /lab/output >/dev/ttyS1
echo "\${PIPESTATUS[0]}" >/lab/exit-code
dmesg >/lab/kmsg 2>&1
journalctl -b --no-pager >/lab/journal 2>&1
`;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Keeps the newest runs' directories, removes older ones. */
function prune(base: string): void {
  const runs = readdirSync(base)
    .map((name) => ({ name, mtime: statSync(join(base, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of runs.slice(KEEP_RUNS)) rmSync(join(base, old.name), { recursive: true, force: true });
}

/** Where the KVM verdict for this host is kept: its kernel and CPU may change under the cache. */
function kvmVerdictFile(image: string): string {
  const cpu = /model name\s*:\s*(.*)/.exec(read('/proc/cpuinfo'))?.[1] ?? '';
  const key = `${read('/proc/sys/kernel/osrelease').trim()} ${cpu}`.replace(/[^A-Za-z0-9.-]+/g, '_');
  return join(image, '..', `kvm-${key}`);
}

function kvmUsable(image: string): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return read(kvmVerdictFile(image)).trim() !== 'broken';
}

interface Boot {
  exitCode: number | null;
  timedOut: boolean;
  bootMs: number | undefined;
  elapsedMs: number;
}

function boot(image: string, dir: string, accel: 'kvm' | 'tcg', timeoutMs: number, onOutput: (line: string) => void): Promise<Boot> {
  const args = [
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi,tb-size=256', '-cpu', 'max']),
    '-m', '1024', '-smp', '2', '-snapshot', '-nodefaults', '-no-reboot', '-display', 'none', '-nic', 'none',
    '-kernel', join(image, 'vmlinuz'), '-initrd', join(image, 'initrd.img'),
    '-append', CMDLINE,
    '-drive', `file=${join(image, 'rootfs.ext4')},format=raw,if=virtio,cache=unsafe`,
    '-virtfs', `local,path=${dir},mount_tag=lab,security_model=none,id=lab`,
    '-serial', `file:${join(dir, 'console')}`, '-serial', 'stdio',
  ];
  const started = Date.now();
  const qemu = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  qemu.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString().replaceAll('\r', '')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onOutput(line);
  });
  let stderr = '';
  qemu.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let bootMs: number | undefined;
  let timedOut = false;
  const watch = setInterval(() => {
    if (bootMs === undefined && existsSync(join(dir, 'booted'))) bootMs = Date.now() - started;
    const late = Date.now() - started > timeoutMs || (accel === 'kvm' && bootMs === undefined && Date.now() - started > KVM_BOOT_MS);
    if (late && qemu.exitCode === null) {
      timedOut = Date.now() - started > timeoutMs;
      qemu.kill('SIGKILL');
    }
  }, 250);
  return new Promise((resolve, reject) => {
    qemu.once('error', (e) => {
      clearInterval(watch);
      reject(e);
    });
    qemu.once('close', () => {
      clearInterval(watch);
      if (partial) onOutput(partial);
      if (bootMs === undefined && existsSync(join(dir, 'booted'))) bootMs = Date.now() - started;
      if (stderr.trim()) writeFileSync(join(dir, 'qemu.stderr'), stderr);
      const code = read(join(dir, 'exit-code')).trim();
      resolve({ exitCode: code === '' ? null : Number(code), timedOut, bootMs, elapsedMs: Date.now() - started });
    });
  });
}

export async function runInGuest(run: GuestRun): Promise<GuestResult> {
  const release = run.release ?? 'trixie';
  const timeoutMs = run.timeoutMs ?? 10 * 60_000;
  const image = labImage(release);
  const base = join(tmpdir(), 'msm-lab');
  mkdirSync(base, { recursive: true });
  prune(base);
  const dir = join(base, `${release}-${new Date().toISOString().replace(/[:.]/g, '')}-${process.pid}`);
  const stage = (accel: 'kvm' | 'tcg') => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'bin'), { recursive: true });
    linkOrCopy(process.execPath, join(dir, 'bin/node'));
    stageRepo(join(dir, 'repo'));
    for (const [name, from] of Object.entries(run.files ?? {})) linkOrCopy(from, join(dir, 'files', name));
    writeFileSync(join(dir, 'script'), run.script);
    writeFileSync(join(dir, 'boot.sh'), bootScript({ MSM_TEST_SLOWDOWN: String(accel === 'tcg' ? TCG_SLOWDOWN : 1), ...run.env }));
  };
  const onOutput = run.onOutput ?? (() => undefined);
  let accel: 'kvm' | 'tcg' = kvmUsable(image) ? 'kvm' : 'tcg';
  stage(accel);
  let b = await boot(image, dir, accel, timeoutMs, onOutput);
  if (accel === 'kvm' && b.bootMs === undefined && !b.timedOut) {
    // This KVM cannot run the guest's kernel: remember, and use software emulation from now on.
    writeFileSync(kvmVerdictFile(image), 'broken\n');
    console.log(`# lab: KVM did not boot the guest (artifacts lost to the retry); using TCG from now on: ${read(join(dir, 'qemu.stderr')).trim()}`);
    accel = 'tcg';
    stage(accel);
    b = await boot(image, dir, accel, timeoutMs, onOutput);
  }
  // The staged build is only links and copies of this checkout: drop it, keep what the guest said.
  rmSync(join(dir, 'repo'), { recursive: true, force: true });
  rmSync(join(dir, 'bin'), { recursive: true, force: true });
  rmSync(join(dir, 'files'), { recursive: true, force: true });
  const result: GuestResult = {
    release,
    ...b,
    output: read(join(dir, 'output')),
    console: read(join(dir, 'console')),
    kmsg: read(join(dir, 'kmsg')),
    journal: read(join(dir, 'journal')),
    resultsDir: join(dir, 'results'),
    dir,
    accel,
  };
  if (result.exitCode !== 0) console.log(`# lab: the ${release} guest's script ${describeEnd(result)}; artifacts in ${dir}`);
  return result;
}

function describeEnd(r: GuestResult): string {
  if (r.timedOut) return `was killed at the timeout after ${Math.round(r.elapsedMs / 1000)} s`;
  if (r.bootMs === undefined) return 'never ran: the guest did not boot to it (see console)';
  if (r.exitCode === null) return 'did not finish: the guest went down first (see console)';
  return `exited ${r.exitCode}`;
}

/** Throws unless the guest's script exited 0: with the end of its output and the console, and where the artifacts are. */
export function assertGuestPassed(r: GuestResult): void {
  if (r.exitCode === 0) return;
  const tail = (s: string, n: number) => s.split('\n').slice(-n).join('\n');
  throw new Error(
    `the ${r.release} guest's script ${describeEnd(r)} (artifacts: ${r.dir})\n--- output (end) ---\n${tail(r.output, 60)}\n--- console (end) ---\n${tail(r.console, 30)}`,
  );
}
