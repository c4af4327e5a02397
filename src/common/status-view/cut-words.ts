// What the helper's socket left out, in words (src/helper/ipc/wire-caps.ts): a text of a
// mount longer than the wire takes arrives as its head and tail around `…[N bytes, sha256 …]…`, named in
// `MountStatus.truncated` with its full length; a snapshot too big for one reply arrives with
// `Snapshot.omitted` mounts left out. The window, the tray and the notifications say so plainly.
import type { MountStatus } from '../mount.js';
import { bytesInWords } from './durations.js';

/** The fields the wire may cut (wire-caps.ts TOP_TEXTS and AUTOMOUNT_TEXTS), as people call them. */
const FIELD_WORDS: Record<string, string> = {
  mountpoint: 'path',
  source: 'source',
  fstype: 'type',
  message: 'message',
  server: 'server name',
  suspect: 'kernel message',
  'automount.map': 'automount map',
  'automount.autofsMountpoint': 'autofs path',
};

/** "path shortened: 750 KiB", "path shortened: 750 KiB; message shortened: 2 KiB"; "" when nothing was cut. */
export function shortenedInWords(status: Pick<MountStatus, 'truncated'>): string {
  return Object.entries(status.truncated ?? {})
    .map(([field, bytes]) => `${FIELD_WORDS[field] ?? field} shortened: ${bytesInWords(bytes)}`)
    .join('; ');
}

/** "path shortened: 750 KiB" when the wire cut the mount's path; "" otherwise. */
export function pathShortenedInWords(status: Pick<MountStatus, 'truncated'>): string {
  const bytes = status.truncated?.mountpoint;
  return bytes === undefined ? '' : `path shortened: ${bytesInWords(bytes)}`;
}

/** "12 more mounts not shown: too many for one reply from the helper"; "" when none were left out. */
export function omittedInWords(omitted: number | undefined): string {
  if (!omitted || omitted <= 0) return '';
  return `${omitted} more mount${omitted === 1 ? '' : 's'} not shown: too many for one reply from the helper`;
}
