// Is each autofs mount's automount daemon still there? Without touching any path: the autofs mount's
// `pgrp=` option is the daemon's process group (kernel Documentation/filesystems/autofs.rst,
// "Communicating with autofs: detecting the daemon"), and /proc/PID/stat field 5 is each process's group
// (proc(5)). A group with no live process means nobody will answer the kernel's next mount request.
import type { MountEntry } from '../../common/mount.js';
import { describeAutofs } from '../../common/mount-table/autofs.js';
import { daemonAliveFor, deadDaemonMessage, isCatatonic } from './policy.js';
import { parseProcStat, realProc, type ProcReader } from '../passive/proc.js';

/** Process groups with at least one live (not zombie) process. */
export function livePgrps(proc: ProcReader = realProc): Set<number> {
  const live = new Set<number>();
  for (const pid of proc.pids()) {
    const s = parseProcStat(proc.read(`/proc/${pid}/stat`));
    if (s && s.state !== 'Z' && s.state !== 'X') live.add(s.pgrp);
  }
  return live;
}

/**
 * livePgrps(), minus the groups that only look alive because their number was reused. mountinfo's `pgrp=`
 * is the number of the struct pid autofs holds (pid_vnr(sbi->oz_pgrp)); the kernel frees that number
 * when the daemon's group empties, even though autofs keeps its reference, so a new process (a setsid()
 * leader) can get the same number and would pass for the dead daemon. A live daemon holds the read end of
 * its autofs pipe, whose inode mountinfo shows as `pipe_ino=` (kernel 4.3+; both ends share the inode):
 * so a group counts as the daemon only if one of its processes has an fd on `pipe:[pipe_ino]`. Reads
 * /proc/PID/stat and /proc/PID/fd links of that group only (readlink of a pipe fd touches no mount).
 * Without pipe_ino (older kernels, BSD) the pgrp alone is all we have.
 */
export function verifiedDaemonPgrps(entries: readonly MountEntry[], proc: ProcReader = realProc): Set<number> {
  const members = new Map<number, number[]>();
  for (const pid of proc.pids()) {
    const s = parseProcStat(proc.read(`/proc/${pid}/stat`));
    if (!s || s.state === 'Z' || s.state === 'X') continue;
    const list = members.get(s.pgrp);
    if (list) list.push(pid);
    else members.set(s.pgrp, [pid]);
  }
  const live = new Set(members.keys());
  // pgrp -> pipe inodes that some autofs mount says its daemon must hold.
  const pipes = new Map<number, Set<string>>();
  for (const a of describeAutofs(entries)) {
    if (a.pgrp === undefined || a.pgrp <= 0 || a.pipeIno === undefined || a.pipeIno <= 0) continue;
    const set = pipes.get(a.pgrp) ?? new Set<string>();
    set.add(`pipe:[${a.pipeIno}]`);
    pipes.set(a.pgrp, set);
  }
  for (const [pgrp, wanted] of pipes) {
    if (!live.has(pgrp)) continue;
    const holds = (members.get(pgrp) ?? []).some((pid) => {
      const fds = proc.list(`/proc/${pid}/fd`);
      // Cannot look (not root, no CAP_SYS_PTRACE): keep the pgrp's word rather than cry "dead".
      if (fds === undefined) return true;
      return [...fds].some((fd) => {
        const link = proc.readlink(`/proc/${pid}/fd/${fd}`);
        return link !== undefined && wanted.has(link);
      });
    });
    if (!holds) live.delete(pgrp);
  }
  return live;
}

export interface DaemonStatus {
  autofsMountId: number;
  mountpoint: string;
  map: string;
  pgrp: number;
  alive: boolean;
  /** The kernel gave up on the daemon (fd=-1 / pipe_ino=-1): accesses fail instead of mounting. */
  catatonic: boolean;
  message?: string;
}

/** One status per autofs mount whose daemon can be judged (pgrp known and visible). */
export function daemonStatuses(entries: readonly MountEntry[], live: ReadonlySet<number>): DaemonStatus[] {
  const out: DaemonStatus[] = [];
  for (const a of describeAutofs(entries)) {
    const alive = daemonAliveFor(a, live);
    if (alive === undefined) continue;
    const s: DaemonStatus = {
      autofsMountId: a.mountId,
      mountpoint: a.mountpoint,
      map: a.map,
      pgrp: a.pgrp!,
      alive,
      catatonic: isCatatonic(a),
    };
    if (!alive) s.message = deadDaemonMessage(s);
    out.push(s);
  }
  return out;
}

/**
 * Remembers which autofs mounts were last seen with a dead daemon, so the log says once that a daemon
 * is gone and once that one is back, not every sweep.
 */
export class DaemonWatch {
  private dead = new Map<string, DaemonStatus>();

  /** The statuses that changed since the last call (keyed by mountpoint + map): newly dead, or alive again. */
  update(statuses: readonly DaemonStatus[]): DaemonStatus[] {
    const changed: DaemonStatus[] = [];
    const nowDead = new Map<string, DaemonStatus>();
    for (const s of statuses) {
      const key = `${s.mountpoint}\0${s.map}`;
      if (!s.alive) {
        nowDead.set(key, s);
        if (!this.dead.has(key)) changed.push(s);
      } else if (this.dead.has(key)) {
        changed.push(s);
      }
    }
    this.dead = nowDead;
    return changed;
  }
}
