// Who is waiting on a mount that stopped answering, found in /proc without touching the mount: a
// process (any of its threads) in uninterruptible sleep (state D), or sleeping in a filesystem or RPC
// wait channel, whose cwd, root, executable, an open file or a mapping lies in the mount. FUSE waits for
// its daemon interruptibly first (fs/fuse/dev.c: request_wait_answer), so such a thread shows as S, with
// wchan request_wait_answer; NFS and CIFS waits are killable, so D.
//
// Paths come from readlink of /proc/PID/cwd, root, exe and fd/N: fs/proc/base.c answers with d_path() of
// the struct path the task already holds (proc_cwd_link, proc_exe_link, proc_fd_link), under spinlocks
// and RCU only; d_path walks the dentry cache and calls no filesystem method (only the d_dname of pipes,
// sockets and anon inodes, which format a name). So a hung mount cannot make these calls wait. They are
// never followed (no stat, no open): that would reach the filesystem. Maps are read by a killable child
// (proc.ts). A process whose cwd is elsewhere, blocked in stat() of a path inside the mount, is not seen:
// the kernel does not say which path a syscall is walking.
//
// Bounded (scan-budget.ts): any user can start many waiting processes holding many files each. The cheap
// evidence comes first (state from /proc/PID/status, then cwd, root and exe), then open files, processes
// in D state before the others, each user's within their share of reads; the work runs in slices that
// give the event loop its turn. What the budget left unread is counted, not guessed.
import type { BlockedProcess, MountEntry } from '../../common/mount.js';
import { MountIndex } from '../../common/mount-table/path-to-mount.js';
import { grepMaps, parseProcStat, parseProcStatus, realProc, type MappedPathsScanner, type ProcReader, type ProcStatus } from './proc.js';
import { SCAN_LIMITS, ScanBudget, type ScanLimits } from './scan-budget.js';

/** Wait channels of filesystem and RPC sleeps (kernel function names, /proc/PID/wchan). */
const FS_WAIT = /^(request_wait_answer|fuse_|nfs|rpc_|cifs|smb2?_|wait_for_response|folio_wait|wait_on_page|io_schedule)/;

/** The links read before any open file: one of them in the mount is enough. */
const LINKS = ['cwd', 'root', 'exe'] as const;

/** What grepping one process's maps counts as, in reads (the child reads many lines, killed at its timeout). */
const MAPS_READS = 50;

export interface BlockedScanOptions {
  /** The whole mount table (to tell which mount a path lies in). */
  entries: readonly MountEntry[];
  /** The mounts not answering. */
  targets: readonly number[];
  /** Our own probe children: they sit in the mount they probe. The scanning process is always left out. */
  excludePids?: Iterable<number>;
  proc?: ProcReader;
  mapped?: MappedPathsScanner | false;
  limits?: ScanLimits;
}

export interface BlockedScan {
  /** The processes blocked on each target mount (by mount id), in pid order. */
  byMount: Map<number, BlockedProcess[]>;
  /** Processes the budget left unexamined: some of them may be waiting on a target too. */
  unexamined: number;
}

interface Waiting {
  pid: number;
  uid: number;
  inD: boolean;
}

export async function scanBlocked(options: BlockedScanOptions): Promise<BlockedScan> {
  const proc = options.proc ?? realProc;
  const budget = new ScanBudget(options.limits ?? SCAN_LIMITS);
  const byMount = new Map<number, BlockedProcess[]>();
  if (options.targets.length === 0) return { byMount, unexamined: 0 };
  const targets = new Set(options.targets);
  const points = options.entries.filter((e) => targets.has(e.mountId)).map((e) => e.mountpoint);
  const index = new MountIndex(options.entries);
  const excluded = new Set(options.excludePids ?? []);
  excluded.add(process.pid);
  const found = new Map<number, Set<number>>(); // pid -> target mount ids
  const unexamined = new Set<number>();
  let unread = 0;
  const add = (pid: number, path: string | undefined): boolean => {
    let hit = false;
    for (const id of path === undefined ? [] : index.mountsOf(path)) {
      if (!targets.has(id)) continue;
      let set = found.get(pid);
      if (!set) found.set(pid, (set = new Set()));
      set.add(id);
      hit = true;
    }
    return hit;
  };

  // Who is waiting: /proc/PID/status (its user, state and thread count), then its threads' states.
  const waiting: Waiting[] = [];
  const uids = new Map<number, number>();
  const pids = proc.pids().filter((p) => !excluded.has(p));
  for (let i = 0; i < pids.length; i++) {
    await budget.pace();
    const pid = pids[i]!;
    if (!budget.take(1)) {
      unread = pids.length - i;
      break;
    }
    const status = parseProcStatus(proc.read(`/proc/${pid}/status`));
    if (!status) continue; // gone meanwhile, a zombie, or a kernel thread
    const state = await waitingState(proc, budget, pid, status);
    if (state === 'unexamined') unexamined.add(pid);
    else if (state !== undefined) {
      waiting.push({ pid, uid: status.uid, inD: state === 'D' });
      uids.set(pid, status.uid);
    }
  }
  // D first: such a process is surely stuck, one in a filesystem wait may only be slow.
  waiting.sort((a, b) => Number(b.inD) - Number(a.inD) || a.pid - b.pid);

  const unresolved: Waiting[] = [];
  for (const w of waiting) {
    await budget.pace();
    if (!budget.take(LINKS.length, w.uid)) {
      unexamined.add(w.pid);
      continue;
    }
    let hit = false;
    for (const link of LINKS) hit = add(w.pid, proc.readlink(`/proc/${w.pid}/${link}`)) || hit;
    if (!hit) unresolved.push(w);
  }

  // Open files, as far as each user's share goes (a name listed and its link read: two reads).
  for (const w of unresolved) {
    await budget.pace();
    if (budget.left(w.uid) < 2) {
      unexamined.add(w.pid); // not even listed: a listing reads ahead
      continue;
    }
    for (const fd of proc.list(`/proc/${w.pid}/fd`) ?? []) {
      await budget.pace();
      if (!budget.take(2, w.uid)) {
        unexamined.add(w.pid);
        break;
      }
      if (add(w.pid, proc.readlink(`/proc/${w.pid}/fd/${fd}`))) break;
    }
  }

  const mapped = options.mapped === undefined ? grepMaps() : options.mapped;
  const toMap: number[] = [];
  for (const w of unresolved) {
    if (found.has(w.pid)) continue;
    if (budget.take(MAPS_READS, w.uid)) toMap.push(w.pid);
    else unexamined.add(w.pid);
  }
  if (mapped && toMap.length > 0) for (const { pid, path } of await mapped(toMap, points)) add(pid, path);
  for (const pid of found.keys()) unexamined.delete(pid);

  for (const [pid, ids] of [...found].sort((a, b) => a[0] - b[0])) {
    await budget.pace();
    const comm = proc.read(`/proc/${pid}/comm`);
    if (comm === undefined) continue; // gone meanwhile
    const who: BlockedProcess = { pid, comm: comm.replace(/\n$/, ''), uid: uids.get(pid)! };
    for (const id of ids) {
      const list = byMount.get(id);
      if (list) list.push(who);
      else byMount.set(id, [who]);
    }
  }
  return { byMount, unexamined: unexamined.size + unread };
}

/**
 * 'D' when some thread sleeps in D state, 'S' when one sleeps in a filesystem/RPC wait channel; undefined
 * when none does; 'unexamined' when the user's share ran out before every thread was looked at.
 */
async function waitingState(proc: ProcReader, budget: ScanBudget, pid: number, status: ProcStatus): Promise<'D' | 'S' | 'unexamined' | undefined> {
  if (status.state === 'D') return 'D';
  if (status.threads <= 1) {
    if (status.state !== 'S') return undefined;
    if (!budget.take(1, status.uid)) return 'unexamined';
    return FS_WAIT.test(proc.read(`/proc/${pid}/wchan`) ?? '') ? 'S' : undefined;
  }
  // Threads: a program blocks in one thread while the others sleep normally. Task stat takes no lock a
  // stuck task holds.
  for (const tid of proc.list(`/proc/${pid}/task`) ?? []) {
    await budget.pace();
    if (!budget.take(2, status.uid)) return 'unexamined';
    const base = `/proc/${pid}/task/${tid}`;
    const state = parseProcStat(proc.read(`${base}/stat`))?.state;
    if (state === 'D') return 'D';
    if (state !== 'S') continue;
    if (!budget.take(1, status.uid)) return 'unexamined';
    if (FS_WAIT.test(proc.read(`${base}/wchan`) ?? '')) return 'S';
  }
  return undefined;
}

