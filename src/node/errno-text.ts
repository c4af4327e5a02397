// strerror-style text for any errno name: glibc's words from the common table (src/common/errno-text.ts),
// and for errnos it lacks, libuv's description of this platform's errno.
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { constants } from 'node:os';
import { strerrorText } from '../common/errno-text.js';

/** strerror-style text for an errno name ("ENOTCONN" -> "Transport endpoint is not connected"). */
export function errnoText(name: string): string | undefined {
  const glibc = strerrorText(name);
  if (glibc !== undefined) return glibc;
  const num = (constants.errno as Record<string, number>)[name];
  if (num === undefined) return undefined;
  // libuv keys its map by negative errno.
  const entry = getSystemErrorMap().get(-num);
  if (entry === undefined) return undefined;
  const text = entry[1];
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Linux's numbers for its kernel-internal codes (include/linux/errno.h), which libuv and the OS table do
 * not name. Only Linux has them; another kernel's 512 is not ERESTARTSYS.
 */
const LINUX_KERNEL_INTERNAL: Record<number, string> = {
  512: 'ERESTARTSYS',
  513: 'ERESTARTNOINTR',
  514: 'ERESTARTNOHAND',
  515: 'ENOIOCTLCMD',
  516: 'ERESTART_RESTARTBLOCK',
  517: 'EPROBE_DEFER',
  518: 'EOPENSTALE',
  519: 'ENOPARAM',
  521: 'EBADHANDLE',
  522: 'ENOTSYNC',
  523: 'EBADCOOKIE',
  524: 'ENOTSUPP',
  525: 'ETOOSMALL',
  526: 'ESERVERFAULT',
  527: 'EBADTYPE',
  528: 'EJUKEBOX',
  529: 'EIOCBQUEUED',
  530: 'ERECALLCONFLICT',
  531: 'ENOGRACE',
};

/** The name of an errno number of this platform: "ENOTCONN" for 107 on Linux, "ERESTARTSYS" for 512. */
export function errnoName(errno: number, platform: NodeJS.Platform = process.platform): string {
  const n = Math.abs(errno);
  const name = getSystemErrorName(-n);
  if (!name.startsWith('Unknown')) return name;
  // libuv has no name for some errnos (ESTALE: "Unknown system error -116"); the OS table does.
  const entry = Object.entries(constants.errno).find(([, v]) => v === n);
  if (entry) return entry[0];
  return (platform === 'linux' ? LINUX_KERNEL_INTERNAL[n] : undefined) ?? name;
}
