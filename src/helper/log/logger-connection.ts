// What the syslog writer asks the kernel about its logger(1) child and itself, through /proc (never a
// mountpoint): whether logger has connected its socket yet, and whether we may claim our PID (--id).
import { readdir, readFile, readlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

export const CAP_SYS_ADMIN = 21;

/** Whether this process has the capability in its effective set (/proc/self/status CapEff, proc(5)). */
export function hasCapability(bit: number): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && ((BigInt(`0x${hex}`) >> BigInt(bit)) & 1n) === 1n;
  } catch {
    return false; // no /proc (macOS): logger there has no --id credentials to refuse
  }
}

/**
 * True once logger holds a connected socket besides its stdio (/proc/<pid>/fd links read "socket:[ino]";
 * /proc/<pid>/net/unix lists each Unix socket's inode with its state, proc(5)).
 */
export async function procHasSocket(pid: number): Promise<boolean | undefined> {
  const fdDir = `/proc/${pid}/fd`;
  let inodes: string[];
  try {
    const fds = (await readdir(fdDir)).filter((fd) => Number(fd) > 2);
    const links = await Promise.all(fds.map((fd) => readlink(`${fdDir}/${fd}`).catch(() => '')));
    inodes = links.filter((l) => l.startsWith('socket:[')).map((l) => l.slice('socket:['.length, -1));
  } catch {
    return undefined; // no /proc, or logger already gone (its 'exit' handles that)
  }
  if (inodes.length === 0) return false;
  try {
    // "Num RefCount Protocol Flags Type St Inode [Path]"
    for (const line of (await readFile(`/proc/${pid}/net/unix`, 'latin1')).split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[5] === '03' && f[6] !== undefined && inodes.includes(f[6])) return true;
    }
    return false;
  } catch {
    return true; // no net/unix to ask: a socket of its own is the best sign there is
  }
}
