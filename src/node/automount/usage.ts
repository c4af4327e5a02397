// Is anyone using an (automounted) filesystem? Answered from /proc alone, without touching any mount:
// what keeps autofs from expiring a mount is an open file or a working directory inside it (kernel
// Documentation/filesystems/autofs.rst, "Mountpoint expiry": last_used is refreshed "if it is found to be
// in use (ie. open file descriptor or process working directory)"), so we look for exactly those:
//
// - open files: readlink(/proc/PID/fd/N) gives the path, and /proc/PID/fdinfo/N's `mnt_id:` line gives the
//   mount id exactly (Documentation/filesystems/proc.rst, 3.8 "/proc/<pid>/fdinfo"). We read fdinfo only
//   for fds whose path lies under a mount we care about, so a sweep costs one readlink per fd.
// - cwd and root: readlink(/proc/PID/cwd|root). The kernel answers with d_path() of the struct path it
//   already holds (fs/proc/base.c: proc_cwd_link()/proc_root_link() -> do_proc_readlink() -> d_path()):
//   no lookup, no ->getattr, nothing reaches the filesystem. We do NOT stat or open these links: following
//   them jumps into the target and runs d_weak_revalidate() (an NFS GETATTR that can hang). The mount is
//   then found from the path and the mount table (path-to-mount.ts).
// - mmapped files (a program run from the mount, a mapped library): /proc/PID/maps. Reading maps takes
//   the target's mmap lock, which a process stuck in a page fault on a dead server can hold indefinitely
//   (the reason `ps` hangs on /proc/PID/cmdline). So maps are read by a child (`grep`), killed at a time
//   limit; its lock wait is killable (fs/proc/task_mmu.c: m_start() uses mmap_read_lock_killable()).
//
// Nothing here reads /proc/PID/cmdline, environ or maps in this process. /proc/PID/fd, fdinfo, cwd and
// root take no mmap lock.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { execFile } from 'node:child_process';
import type { MountEntry } from '../../common/mount.js';
import { isUnder, MountIndex } from './path-to-mount.js';

/** The few /proc reads the scan needs; injected so tests can give a fake /proc. All return undefined on error. */
export interface ProcReader {
  /** Numeric entries of /proc. */
  pids(): number[];
  /** Names in a /proc directory (e.g. /proc/PID/fd). */
  list(dir: string): string[] | undefined;
  readlink(path: string): string | undefined;
  read(path: string): string | undefined;
}

/** The real /proc, read synchronously: these files never block (no mmap lock, no filesystem behind them). */
export const realProc: ProcReader = {
  pids() {
    const out: number[] = [];
    for (const name of readdirSync('/proc')) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) out.push(Number(name));
    }
    return out;
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined; // the process exited, or we may not look (EACCES when not root)
    }
  },
  readlink(path) {
    try {
      return readlinkSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Paths mapped by processes, as found in /proc/PID/maps (only those under one of `points`). */
export type MappedPathsScanner = (pids: readonly number[], points: readonly string[]) => Promise<{ pid: number; path: string }[]>;

/**
 * Scans /proc/PID/maps with `grep -F` in a child, SIGKILLed after `timeoutMs`: a process whose mmap lock
 * is held forever (stuck on a dead server) can only ever block that child, and only killably. On a
 * timeout we return what we have (maybe nothing): cwd and open files are still counted.
 */
export function grepMaps(options: { timeoutMs?: number; grep?: string } = {}): MappedPathsScanner {
  const timeout = options.timeoutMs ?? 2000;
  const grep = options.grep ?? 'grep';
  return (pids, points) =>
    new Promise((resolve) => {
      if (pids.length === 0 || points.length === 0) return resolve([]);
      const args = ['-s', '-H', '-F'];
      for (const p of points) args.push('-e', p);
      for (const pid of pids) args.push(`/proc/${pid}/maps`);
      // grep exits 1 when nothing matched and 2 when a process vanished meanwhile: both are normal here.
      execFile(grep, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (_err, stdout) => {
        resolve(parseGrepMaps(typeof stdout === 'string' ? stdout : ''));
      });
    });
}

/**
 * Parses `grep -H` output over /proc/PID/maps: "/proc/PID/maps:ADDR PERMS OFFSET DEV INODE   PATH".
 * The path starts after the fifth field's trailing spaces (proc(5), /proc/pid/maps).
 */
export function parseGrepMaps(out: string): { pid: number; path: string }[] {
  const found: { pid: number; path: string }[] = [];
  for (const line of out.split('\n')) {
    const m = /^\/proc\/(\d+)\/maps:\S+ \S+ \S+ \S+ \d+ +(\/.*)$/.exec(line);
    if (m) found.push({ pid: Number(m[1]), path: m[2]! });
  }
  return found;
}

export interface UsageOptions {
  /** The mount table (parsed /proc/self/mountinfo). */
  entries: readonly MountEntry[];
  /**
   * The mounts we care about (e.g. the automounted ones). Only uses inside them are looked up in detail;
   * when this is empty the scan is skipped entirely. Default: every mount.
   */
  of?: Iterable<number>;
  /** Processes to ignore: our own probe children, which sit inside the mount they probe. Always ignores us. */
  excludePids?: Iterable<number>;
  proc?: ProcReader;
  /** Reader of mmapped paths; false to skip maps. Default: grepMaps(). */
  mapped?: MappedPathsScanner | false;
}

export interface UsageScan {
  /** Mounts in use, with every mount above them (a used mount below keeps its parents from expiring). */
  busy: Set<number>;
  /** For each directly used mount, the first use found, e.g. "pid 123 cwd" (for messages and logs). */
  users: Map<number, string>;
  processes: number;
  fds: number;
  fdinfoReads: number;
  mapped: number;
}

/** The busy mount ids (see scanUsage). */
export async function busyMountIds(options: UsageOptions): Promise<Set<number>> {
  return (await scanUsage(options)).busy;
}

export async function scanUsage(options: UsageOptions): Promise<UsageScan> {
  const proc = options.proc ?? realProc;
  const index = new MountIndex(options.entries);
  const wanted = new Set(options.of ?? options.entries.map((e) => e.mountId));
  const points = [...new Set(options.entries.filter((e) => wanted.has(e.mountId)).map((e) => e.mountpoint))];
  const scan: UsageScan = { busy: new Set(), users: new Map(), processes: 0, fds: 0, fdinfoReads: 0, mapped: 0 };
  if (points.length === 0) return scan;
  const relevant = (path: string): boolean => points.some((p) => isUnder(path, p));
  const excluded = new Set(options.excludePids ?? []);
  excluded.add(process.pid);
  const direct = new Set<number>();
  const use = (ids: Iterable<number>, why: string): void => {
    for (const id of ids) {
      direct.add(id);
      if (!scan.users.has(id)) scan.users.set(id, why);
    }
  };

  const pids = proc.pids().filter((p) => !excluded.has(p));
  for (const pid of pids) {
    scan.processes++;
    for (const link of ['cwd', 'root'] as const) {
      const path = proc.readlink(`/proc/${pid}/${link}`);
      if (path !== undefined && path !== '/' && relevant(path)) use(index.mountsOf(path), `pid ${pid} ${link}`);
    }
    const fds = proc.list(`/proc/${pid}/fd`);
    if (!fds) continue;
    for (const fd of fds) {
      scan.fds++;
      const path = proc.readlink(`/proc/${pid}/fd/${fd}`);
      if (path === undefined || !relevant(path)) continue;
      scan.fdinfoReads++;
      const info = proc.read(`/proc/${pid}/fdinfo/${fd}`);
      const m = info === undefined ? null : /^mnt_id:\s*(\d+)/m.exec(info);
      // The exact mount from fdinfo; the path is the fallback (the fd was closed between the two reads).
      use(m ? [Number(m[1])] : index.mountsOf(path), `pid ${pid} fd ${fd}`);
    }
  }

  const mapped = options.mapped === undefined ? grepMaps() : options.mapped;
  if (mapped) {
    for (const { pid, path } of await mapped(pids, points)) {
      if (excluded.has(pid) || !relevant(path)) continue;
      scan.mapped++;
      use(index.mountsOf(path), `pid ${pid} mmap`);
    }
  }
  scan.busy = index.withAncestors(direct);
  return scan;
}
