// The kernel's NFS shutdown knob (Linux 6.6+, fs/nfs/sysfs.c): /sys/fs/nfs/MAJOR:MINOR/shutdown, one
// directory per NFS superblock, named by its device number (mountinfo's third field). Writing 1 fails every
// outstanding and future request of that superblock with EIO at once; it has no undo. Reading it answers
// from memory (the superblock's flag): no server is asked, no mount is touched.
//
// Also: whether the server of a disconnected mount answers again, by a TCP connect to its address
// (mountinfo's addr=, an IP: no name lookup) and NFS port, from this process (a socket, not the mount).
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { MountEntry } from '../../common/mount.js';
import { optionValue } from '../../common/mount-table/options.js';

const NFS_SYSFS = '/sys/fs/nfs';

/** NFS superblocks (nfs: v2/v3, nfs4: v4.x); nfsd's own filesystems are not clients. */
export function isNfsClientFstype(fstype: string): boolean {
  return fstype === 'nfs' || fstype === 'nfs4';
}

/** The knob of the superblock with device "major:minor". */
export function shutdownKnob(device: string, root = NFS_SYSFS): string {
  return `${root}/${device}/shutdown`;
}

/**
 * True when the superblock was shut down, false when not, undefined when this kernel has no knob for it
 * (before 6.6, or no such superblock).
 */
export async function readShutdown(device: string, root = NFS_SYSFS): Promise<boolean | undefined> {
  if (!/^\d+:\d+$/.test(device)) return undefined;
  try {
    return (await readFile(shutdownKnob(device, root), 'utf8')).trim() === '1';
  } catch {
    return undefined;
  }
}

/** The server's address and NFS port as the mount has them (addr=, port=; 2049 when absent or 0). */
export function serverAddress(entry: Pick<MountEntry, 'superOptions'>): { host: string; port: number } | undefined {
  const host = optionValue(entry.superOptions, 'addr');
  if (host === undefined || host === '') return undefined;
  const port = Number(optionValue(entry.superOptions, 'port') ?? 0);
  return { host, port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 2049 };
}

/** Whether a TCP connection to the server's NFS port opens within `timeoutMs`. */
export function serverAnswers(address: { host: string; port: number }, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port, timeout: timeoutMs });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
