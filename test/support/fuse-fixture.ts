// A real FUSE mount that fails on demand, for probe tests: the msm-fusefix daemon
// (test/fixtures/fuse/msm-fusefix.c) serves a root directory with two files and answers each request as
// its control file says: ok, eio, estale, slow:<ms>, slow-eio:<ms> (then EIO), or hang (held in the
// daemon, so the caller is in D state and survives SIGKILL until the mode changes).
//
//   const fx = await startFuseFixture(root.join('fuse'), { mode: 'eio' });
//   t.after(() => fx.stop());
//
// The binary is compiled on first use into dist/fixtures/ (again when the source is newer), so
// `npm run build` need not know about it. Needs root (mount(2)), /dev/fuse, cc and libfuse3-dev.
//
// Like the helper, this module never touches the mountpoint: it learns that the mount is up from
// /proc/self/mountinfo, and that requests are held from the daemon's stderr.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountsAt, umount } from './mounts.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type FuseMode = 'ok' | 'eio' | 'estale' | 'hang' | `slow:${number}` | `slow-eio:${number}`;

export interface FuseFixtureOptions {
  /** The first mode (default 'ok'). */
  mode?: FuseMode;
  /** Owner and mode bits the root directory reports (default 0, 0, 0o755). */
  uid?: number;
  gid?: number;
  rootMode?: number;
  /** The mount's source as mountinfo shows it (default "msm-fusefix"), e.g. "user@server:/data". */
  fsname?: string;
  /** The fstype becomes fuse.<subtype> (default msm-fusefix); "sshfs" makes it look like an sshfs mount. */
  subtype?: string;
  /**
   * Mount it as this user, as a user mounts sshfs: the daemon runs as them (setpriv) and libfuse mounts
   * through the set-user-ID fusermount3, so the mount says user_id=<uid>. The mountpoint is made theirs.
   * Needs /dev/fuse open to them: call openDevFuse() first.
   */
  user?: { uid: number; gid: number };
  /** -o allow_other (default true): without it the kernel lets no one but the mounting user in. */
  allowOther?: boolean;
}

export interface FuseFixture {
  readonly mountpoint: string;
  /** The daemon's PID. */
  readonly pid: number;
  /** The mount's id in /proc/self/mountinfo. */
  readonly mountId: number;
  /** Takes effect for the next request, and releases held ones when it leaves 'hang' (within ~50 ms). */
  setMode(mode: FuseMode): void;
  /** Requests the daemon holds right now (mode 'hang'), from its stderr. */
  held(): number;
  /** Resolves once at least `count` requests are held; rejects after `timeoutMs`. */
  waitHeld(count?: number, timeoutMs?: number): Promise<void>;
  /**
   * SIGSTOP, resolved once every daemon thread is stopped: from then on new requests stay queued in the
   * kernel, where SIGKILL can still take their callers out (unlike a held request).
   */
  freeze(): Promise<void>;
  /** SIGCONT. */
  thaw(): void;
  /** SIGKILL, resolved once the daemon has exited: the mount stays, and every call on it gets ENOTCONN. */
  kill(): Promise<void>;
  /** Always safe, also after kill(): thaw, mode ok, SIGTERM (SIGKILL if it lingers), `umount -l`. */
  stop(): Promise<void>;
  /** Everything the daemon wrote to stderr, for assertion messages. */
  stderr(): string;
}

const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)); // from dist/test/support/
const source = join(repoRoot, 'test/fixtures/fuse/msm-fusefix.c');
export const fuseFixtureBinary = join(repoRoot, 'dist/fixtures/msm-fusefix');

/** Why the fixture can't run here (for skipOrFail), or undefined when it can. */
export function fuseFixtureUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the FUSE fixture needs root (mount(2) in a private namespace)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing (kernel without FUSE?)';
  if (spawnSync('pkg-config', ['--exists', 'fuse3']).status !== 0) return 'libfuse3 headers missing: apt-get install libfuse3-dev pkg-config';
  if (spawnSync('cc', ['--version']).status !== 0) return 'no C compiler: apt-get install gcc';
  return undefined;
}

/** Compiles the fixture if missing or older than its source. Returns the binary's path. */
export function buildFuseFixture(): string {
  if (existsSync(fuseFixtureBinary) && statSync(fuseFixtureBinary).mtimeMs >= statSync(source).mtimeMs) return fuseFixtureBinary;
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'fuse3'], { encoding: 'utf8' });
  if (flags.status !== 0) throw new Error(`pkg-config fuse3 failed (apt-get install libfuse3-dev): ${flags.stderr}`);
  mkdirSync(dirname(fuseFixtureBinary), { recursive: true });
  // Build beside and rename, so a concurrent test file never runs a half-written binary.
  const tmp = `${fuseFixtureBinary}.${process.pid}.tmp`;
  const cc = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', tmp, source, ...flags.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`compiling ${source} failed:\n${cc.stderr || cc.error?.message}`);
  renameSync(tmp, fuseFixtureBinary);
  return fuseFixtureBinary;
}

// Daemons still running when the test process exits (a failed assertion, a crash): SIGKILL them so no
// mount namespace outlives the test through them.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});


function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * One state letter per thread of `pid` (field 3 of /proc/PID/task/TID/stat, proc(5)): 'D' is the
 * uninterruptible wait of a caller whose FUSE request the daemon holds. Empty once the process is gone.
 */
export function threadStates(pid: number): string[] {
  const states: string[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return states;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      states.push(stat.charAt(stat.lastIndexOf(')') + 2));
    } catch {
      // the thread ended between readdir and read
    }
  }
  return states;
}

/** True when SIGKILL has been sent to `pid` but not yet acted on (ShdPnd/SigPnd in /proc/PID/status). */
export function sigkillPending(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return false;
  }
  const bit = 1n << 8n; // SIGKILL is 9; bit n-1 of the hex mask
  return [...status.matchAll(/^(?:ShdPnd|SigPnd):\s*([0-9a-f]+)$/gm)].some((m) => (BigInt(`0x${m[1]}`) & bit) !== 0n);
}

/**
 * Lets every user open /dev/fuse in this mount namespace (it is 0600 on this machine, and fusermount3
 * opens it as the calling user): a 0666 node for the same device bound over it, on `dir` (a tmpfs
 * without nodev). Run inside privateMountNamespace(); it goes with the namespace.
 */
export function openDevFuse(dir: string): void {
  const node = join(dir, 'fuse');
  const r = spawnSync('sh', ['-c', 'mknod -m 0666 "$1" c 10 229 && mount --bind "$1" /dev/fuse', '-', node], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not open /dev/fuse to users: ${r.stderr}`);
}

/**
 * Mounts the fixture on `mountpoint` (made if missing; its parent must exist) and resolves once the
 * mount is in /proc/self/mountinfo. Run inside privateMountNamespace().
 */
export async function startFuseFixture(mountpoint: string, opts: FuseFixtureOptions = {}): Promise<FuseFixture> {
  const binary = buildFuseFixture();
  try {
    mkdirSync(mountpoint); // plain mkdir(2): never stats an existing path
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const controlDir = mkdtempSync(join(tmpdir(), 'msm-fusefix-'));
  const control = join(controlDir, 'mode');
  if (opts.user) {
    chownSync(mountpoint, opts.user.uid, opts.user.gid);
    chownSync(controlDir, opts.user.uid, opts.user.gid); // the daemon reads its control file as the user
  }
  const setMode = (mode: FuseMode): void => {
    if (!/^(ok|eio|estale|hang|slow:\d+|slow-eio:\d+)$/.test(mode)) throw new Error(`unknown fixture mode ${mode}`);
    // Write beside and rename: the daemon re-reads the file on every request and must never see half.
    writeFileSync(`${control}.tmp`, `${mode}\n`);
    renameSync(`${control}.tmp`, control);
  };
  setMode(opts.mode ?? 'ok');

  const before = new Set(mountsAt(mountpoint).map((m) => m.id));
  const args = [`--control=${control}`, `--root-uid=${opts.uid ?? 0}`, `--root-gid=${opts.gid ?? 0}`];
  args.push(`--root-mode=${(opts.rootMode ?? 0o755).toString(8)}`, mountpoint, '-f');
  if (opts.allowOther !== false) args.push('-o', 'allow_other');
  // Later -o options override the fixture's own fsname/subtype (libfuse: the last one wins).
  if (opts.fsname !== undefined || opts.subtype !== undefined) {
    args.push('-o', [opts.fsname !== undefined ? `fsname=${opts.fsname}` : '', opts.subtype !== undefined ? `subtype=${opts.subtype}` : ''].filter(Boolean).join(','));
  }
  const fstype = `fuse.${opts.subtype ?? 'msm-fusefix'}`;
  const child = opts.user
    ? spawn('setpriv', [`--reuid=${opts.user.uid}`, `--regid=${opts.user.gid}`, '--init-groups', binary, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  let counted = 0; // stderr[0, counted) has been scanned for whole lines
  let held = 0;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
    const end = stderr.lastIndexOf('\n') + 1;
    for (const line of stderr.slice(counted, end).split('\n')) {
      if (line.startsWith('held ')) held++;
      else if (line.startsWith('released ')) held--;
    }
    counted = Math.max(counted, end);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // Later 'error' events (a failed kill) would otherwise crash the test process: keep them as text.
  child.on('error', (e) => (stderr += `[fixture] ${e.message}\n`));
  await spawned;

  let mountId: number | undefined;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (mountId === undefined) {
    mountId = mountsAt(mountpoint).find((m) => m.fstype === fstype && !before.has(m.id))?.id;
    if (mountId !== undefined) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited(child);
      rmSync(controlDir, { recursive: true, force: true });
      throw new Error(`msm-fusefix did not mount ${mountpoint} (exit ${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    await sleep(10);
  }
  const id = mountId;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const pid = child.pid!;
  let stopped = false;

  return {
    mountpoint,
    pid,
    mountId: id,
    setMode,
    held: () => held,
    async waitHeld(count = 1, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      while (held < count) {
        if (Date.now() > end) throw new Error(`msm-fusefix holds ${held} requests, wanted ${count}: ${stderr}`);
        await sleep(10);
      }
    },
    async freeze() {
      child.kill('SIGSTOP');
      // Until every thread has stopped, one blocked in read(/dev/fuse) may still take a request
      // (fuse_dev_do_read() tests for a pending request before it tests for a signal), and that
      // request's caller would then be unkillable: the 'hang' mode's case, not a frozen daemon's.
      const end = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const states = threadStates(pid);
        if (states.every((s) => s === 'T' || s === 't')) return;
        if (Date.now() > end) throw new Error(`msm-fusefix ${pid} did not stop: thread states ${states.join('')}`);
        await sleep(5);
      }
    },
    thaw() {
      if (alive()) child.kill('SIGCONT');
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (alive()) {
          child.kill('SIGCONT');
          setMode('ok');
          child.kill('SIGTERM'); // libfuse's handler leaves the loop and unmounts
          await Promise.race([exited(child), sleep(STOP_GRACE_MS)]);
          if (alive()) child.kill('SIGKILL');
          await exited(child);
        }
      } finally {
        // A killed daemon leaves its mount behind; MNT_DETACH removes it even while callers are stuck.
        if (mountsAt(mountpoint).some((m) => m.id === id)) umount(mountpoint, { lazy: true });
        rmSync(controlDir, { recursive: true, force: true });
      }
    },
    stderr: () => stderr,
  };
}
