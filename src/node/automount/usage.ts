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
//
// Bounded like the blocked-process scan (scan-budget.ts): any user can hold half a million open files.
// Every process's user, cwd and root come first, then open files, each user's within their share of
// reads; the work runs in slices that give the event loop its turn, and what the budget left unread is
// counted (`unexamined`), not guessed.
import type { MountEntry } from '../../common/mount.js';
import { isUnder, MountIndex } from '../../common/mount-table/path-to-mount.js';
import { grepMaps, parseProcStatus, realProc, type MappedPathsScanner, type ProcReader } from '../passive/proc.js';
import { SCAN_LIMITS, ScanBudget, type ScanLimits } from '../passive/scan-budget.js';

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
  limits?: ScanLimits;
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
  /** Processes the budget left unread, or whose open files it did not all read: they may use a mount too. */
  unexamined: number;
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
  const scan: UsageScan = { busy: new Set(), users: new Map(), processes: 0, fds: 0, fdinfoReads: 0, mapped: 0, unexamined: 0 };
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

  const budget = new ScanBudget(options.limits ?? SCAN_LIMITS);
  const unexamined = new Set<number>();
  let unread = 0;

  // Each process's user (its status: kernel threads and zombies hold no path), cwd and root.
  const examined: { pid: number; uid: number }[] = [];
  const pids = proc.pids().filter((p) => !excluded.has(p));
  for (let i = 0; i < pids.length; i++) {
    await budget.pace();
    const pid = pids[i]!;
    if (!budget.take(3)) {
      unread = pids.length - i;
      break;
    }
    const status = parseProcStatus(proc.read(`/proc/${pid}/status`));
    if (!status) continue;
    scan.processes++;
    examined.push({ pid, uid: status.uid });
    for (const link of ['cwd', 'root'] as const) {
      const path = proc.readlink(`/proc/${pid}/${link}`);
      if (path !== undefined && path !== '/' && relevant(path)) use(index.mountsOf(path), `pid ${pid} ${link}`);
    }
  }

  // Open files, as far as each user's share goes (a name listed and its link read: two reads; the
  // fdinfo of one under a mount of interest: a third).
  for (const { pid, uid } of examined) {
    await budget.pace();
    if (budget.left(uid) < 2) {
      unexamined.add(pid); // not even listed: a listing reads ahead
      continue;
    }
    for (const fd of proc.list(`/proc/${pid}/fd`) ?? []) {
      await budget.pace();
      if (!budget.take(2, uid)) {
        unexamined.add(pid);
        break;
      }
      scan.fds++;
      const path = proc.readlink(`/proc/${pid}/fd/${fd}`);
      if (path === undefined || !relevant(path)) continue;
      // Without its fdinfo the path alone names the mount (as for an fd closed meanwhile).
      const info = budget.take(1, uid) ? (scan.fdinfoReads++, proc.read(`/proc/${pid}/fdinfo/${fd}`)) : undefined;
      const m = info === undefined ? null : /^mnt_id:\s*(\d+)/m.exec(info);
      // The exact mount from fdinfo; the path is the fallback (the fd was closed between the two reads).
      use(m ? [Number(m[1])] : index.mountsOf(path), `pid ${pid} fd ${fd}`);
    }
  }
  scan.unexamined = unexamined.size + unread;

  // In a child killed at its time limit (grepMaps): it costs this process nothing while it runs.
  const mapped = options.mapped === undefined ? grepMaps() : options.mapped;
  if (mapped) {
    for (const { pid, path } of await mapped(examined.map((e) => e.pid), points)) {
      if (excluded.has(pid) || !relevant(path)) continue;
      scan.mapped++;
      use(index.mountsOf(path), `pid ${pid} mmap`);
    }
  }
  scan.busy = index.withAncestors(direct);
  return scan;
}
