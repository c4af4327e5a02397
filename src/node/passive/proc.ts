// Reading /proc without blocking: the files read here have no filesystem behind them and take no lock a
// stuck process can hold, except /proc/PID/maps, which takes the target's mmap lock (a process stuck in a
// page fault on a dead server can hold it indefinitely: the reason `ps` hangs on /proc/PID/cmdline), so
// maps are only ever read by a child (`grep`) killed at a time limit; its lock wait is killable
// (fs/proc/task_mmu.c: m_start() uses mmap_read_lock_killable()). Never cmdline or environ, here or anywhere.
import { opendirSync, readdirSync, readFileSync, readlinkSync, type Dir } from 'node:fs';
import { execFile } from 'node:child_process';

/** The few /proc reads the scan needs; injected so tests can give a fake /proc. All return undefined on error. */
export interface ProcReader {
  /** Numeric entries of /proc. */
  pids(): number[];
  /**
   * Names in a /proc directory (e.g. /proc/PID/fd), read as they are asked for: a process may hold half
   * a million fds, and a caller may want only some of them, with breaks between.
   */
  list(dir: string): Iterable<string> | undefined;
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
    let handle: Dir;
    try {
      handle = opendirSync(dir, { bufferSize: 128 });
    } catch {
      return undefined; // the process exited, or we may not look (EACCES when not root)
    }
    return namesOf(handle);
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

/** The names in an open directory, one by one; closed when the caller is done or stops early. */
function* namesOf(handle: Dir): Generator<string> {
  try {
    for (;;) {
      let entry;
      try {
        entry = handle.readSync();
      } catch {
        return; // the process exited while we listed
      }
      if (entry === null) return;
      yield entry.name;
    }
  } finally {
    handle.closeSync();
  }
}

export interface ProcStatus {
  /** The real uid: what a user cannot change, so what their share is counted by. */
  uid: number;
  state: string;
  threads: number;
}

/**
 * The fields of /proc/PID/status we need (proc(5)); undefined when the process is gone, or has no memory
 * of its own (no VmSize: a kernel thread or a zombie, neither of which holds a path in a mount).
 */
export function parseProcStatus(text: string | undefined): ProcStatus | undefined {
  if (text === undefined || !/^VmSize:/m.test(text)) return undefined;
  const uid = /^Uid:\s+(\d+)/m.exec(text)?.[1];
  const state = /^State:\s+(\S)/m.exec(text)?.[1];
  const threads = /^Threads:\s+(\d+)/m.exec(text)?.[1];
  if (uid === undefined || state === undefined) return undefined;
  return { uid: Number(uid), state, threads: threads === undefined ? 1 : Number(threads) };
}

export interface ProcStat {
  /** The command name, as the process set it (may hold spaces and parentheses). */
  comm: string;
  /** R running or runnable, S sleeping, D uninterruptible (waiting in the kernel), Z zombie, … */
  state: string;
  pgrp: number;
  /** CPU time used: utime + stime, in clock ticks. */
  cpuTicks: number;
}

/**
 * One /proc/PID/stat line (proc(5)): "pid (comm) state ppid pgrp … utime stime …"; undefined when the
 * process is gone. comm may hold spaces and ")", so the fields are counted after the last ")".
 */
export function parseProcStat(text: string | undefined): ProcStat | undefined {
  const open = text?.indexOf('(') ?? -1;
  const close = text?.lastIndexOf(')') ?? -1;
  if (text === undefined || open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' ');
  const pgrp = Number(f[2]);
  const cpuTicks = Number(f[11]) + Number(f[12]);
  if (!f[0] || !Number.isInteger(pgrp)) return undefined;
  return { comm: text.slice(open + 1, close), state: f[0], pgrp, cpuTicks };
}

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

