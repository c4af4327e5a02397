// Who is logged in, from the session records the system keeps on local tmpfs (never a mount that can
// hang): systemd-logind's per-user directory /run/systemd/users/ (one file per logged-in uid,
// sd_get_uids(3)), and the utmp file's USER_PROCESS records (utmp(5): written by login, sshd, display
// managers), whose ut_pid must still be alive. Read every few seconds; cheap (a few KB).
//
// Not systeminformation's users(): it runs `who` and `w`, and `w` reads /proc/PID/cmdline of every
// process, which blocks behind a process stuck in a page fault on a dead mount (its mmap lock): it would
// hang exactly during the outages this helper exists for.
import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const LOGIND_USERS_DIR = '/run/systemd/users';
const UTMP_PATH = '/run/utmp';

/** glibc's struct utmp on Linux (bits/utmp.h): 384 bytes; ut_type at 0, ut_pid at 4, ut_user[32] at 44. */
const UTMP_RECORD = 384;
const USER_PROCESS = 7;

export interface LoggedIn {
  uids: number[];
  names: string[];
}

export interface SessionSources {
  logindUsersDir?: string;
  utmpPath?: string;
  /** Whether a pid is alive (default: /proc/PID exists). */
  alive?: (pid: number) => boolean;
}

export async function loggedInUsers(sources: SessionSources = {}): Promise<LoggedIn> {
  const uids = new Set<number>();
  try {
    for (const name of await readdir(sources.logindUsersDir ?? LOGIND_USERS_DIR)) if (/^\d+$/.test(name)) uids.add(Number(name));
  } catch {
    // no logind (a container, a non-systemd system)
  }
  const names = new Set<string>();
  try {
    const alive = sources.alive ?? ((pid: number) => existsSync(`/proc/${pid}`));
    for (const r of parseUtmp(await readFile(sources.utmpPath ?? UTMP_PATH))) if (alive(r.pid)) names.add(r.user);
  } catch {
    // no utmp
  }
  return { uids: [...uids].sort((a, b) => a - b), names: [...names].sort() };
}

/** The USER_PROCESS records of a utmp file. */
export function parseUtmp(buf: Buffer): { pid: number; user: string; line: string }[] {
  const out: { pid: number; user: string; line: string }[] = [];
  for (let off = 0; off + UTMP_RECORD <= buf.length; off += UTMP_RECORD) {
    if (buf.readInt16LE(off) !== USER_PROCESS) continue;
    const user = cString(buf, off + 44, 32);
    if (user !== '') out.push({ pid: buf.readInt32LE(off + 4), user, line: cString(buf, off + 8, 32) });
  }
  return out;
}

function cString(buf: Buffer, start: number, size: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + size ? start + size : end);
}
