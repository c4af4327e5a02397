// Who is waiting on a mount that stopped answering, found in /proc without touching the mount: a
// process (any of its threads) in uninterruptible sleep (state D), or sleeping in a filesystem or RPC
// wait channel, whose cwd, root, an open file or a mapping lies in the mount. FUSE waits for its daemon
// interruptibly first (fs/fuse/dev.c: request_wait_answer), so such a thread shows as S, with wchan
// request_wait_answer; NFS and CIFS waits are killable, so D.
//
// Threads: a program blocks in one thread while the others sleep normally, so every task's stat is read
// (/proc/PID/task/TID/stat: no lock a stuck task holds). Paths come from readlink of cwd, root and fds
// (d_path of what the kernel already holds: nothing reaches the filesystem) and from maps, read by a
// killable child (proc.ts). A process whose cwd is elsewhere, blocked in stat() of a path inside the
// mount, is not seen: the kernel does not say which path a syscall is walking.
import type { BlockedProcess, MountEntry } from '../../common/mount.js';
import { MountIndex } from '../../common/mount-table/path-to-mount.js';
import { grepMaps, realProc, type MappedPathsScanner, type ProcReader } from './proc.js';

/** Wait channels of filesystem and RPC sleeps (kernel function names, /proc/PID/wchan). */
const FS_WAIT = /^(request_wait_answer|fuse_|nfs|rpc_|cifs|smb2?_|wait_for_response|folio_wait|wait_on_page|io_schedule)/;

export interface BlockedScanOptions {
  /** The whole mount table (to tell which mount a path lies in). */
  entries: readonly MountEntry[];
  /** The mounts not answering. */
  targets: readonly number[];
  /** Our own probe children: they sit in the mount they probe. The scanning process is always left out. */
  excludePids?: Iterable<number>;
  proc?: ProcReader;
  mapped?: MappedPathsScanner | false;
}

/** The processes blocked on each target mount (by mount id), in pid order. */
export async function scanBlocked(options: BlockedScanOptions): Promise<Map<number, BlockedProcess[]>> {
  const proc = options.proc ?? realProc;
  const out = new Map<number, BlockedProcess[]>();
  if (options.targets.length === 0) return out;
  const targets = new Set(options.targets);
  const points = options.entries.filter((e) => targets.has(e.mountId)).map((e) => e.mountpoint);
  const index = new MountIndex(options.entries);
  const excluded = new Set(options.excludePids ?? []);
  excluded.add(process.pid);
  const found = new Map<number, Set<number>>(); // pid -> target mount ids
  const waiting: number[] = [];
  const add = (pid: number, path: string | undefined) => {
    if (path === undefined) return;
    for (const id of index.mountsOf(path)) {
      if (!targets.has(id)) continue;
      let set = found.get(pid);
      if (!set) found.set(pid, (set = new Set()));
      set.add(id);
    }
  };

  for (const pid of proc.pids()) {
    if (excluded.has(pid) || !isWaiting(proc, pid)) continue;
    waiting.push(pid);
    add(pid, proc.readlink(`/proc/${pid}/cwd`));
    add(pid, proc.readlink(`/proc/${pid}/root`));
    for (const fd of proc.list(`/proc/${pid}/fd`) ?? []) add(pid, proc.readlink(`/proc/${pid}/fd/${fd}`));
  }
  const mapped = options.mapped === undefined ? grepMaps() : options.mapped;
  if (mapped && waiting.length > 0) for (const { pid, path } of await mapped(waiting, points)) add(pid, path);

  for (const [pid, ids] of [...found].sort((a, b) => a[0] - b[0])) {
    const who = identify(proc, pid);
    if (!who) continue; // gone meanwhile
    for (const id of ids) {
      const list = out.get(id);
      if (list) list.push(who);
      else out.set(id, [who]);
    }
  }
  return out;
}

/** True when some thread of the process sleeps in D state or in a filesystem/RPC wait channel. */
function isWaiting(proc: ProcReader, pid: number): boolean {
  const tasks = proc.list(`/proc/${pid}/task`) ?? [String(pid)];
  for (const tid of tasks) {
    const base = `/proc/${pid}/task/${tid}`;
    const state = taskState(proc.read(`${base}/stat`));
    if (state === 'D') return true;
    if (state === 'S' && FS_WAIT.test(proc.read(`${base}/wchan`) ?? '')) return true;
  }
  return false;
}

/** The state letter of a stat line: after the command name, which is in parentheses and may hold ")". */
function taskState(stat: string | undefined): string | undefined {
  if (stat === undefined) return undefined;
  const close = stat.lastIndexOf(')');
  return close < 0 ? undefined : stat.charAt(close + 2);
}

function identify(proc: ProcReader, pid: number): BlockedProcess | undefined {
  const comm = proc.read(`/proc/${pid}/comm`);
  const status = proc.read(`/proc/${pid}/status`);
  const uid = status === undefined ? undefined : /^Uid:\s+(\d+)/m.exec(status)?.[1];
  if (comm === undefined || uid === undefined) return undefined;
  return { pid, comm: comm.replace(/\n$/, ''), uid: Number(uid) };
}
