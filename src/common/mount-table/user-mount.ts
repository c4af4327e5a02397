// Mounts a user made, not root. A FUSE filesystem mounted through the set-user-ID fusermount3 records
// the mounting user among its superblock options as user_id= and group_id= (fs/fuse/inode.c,
// fuse_show_options()); the kernel then lets no other user in, root included, unless allow_other
// (fuse(8)). What such a mount calls itself (fsname=, subtype=) is the user's choice.
import type { MountEntry } from '../mount.js';
import { optionValue } from './options.js';

/** The user (and group) who mounted a FUSE filesystem, when not root; undefined otherwise. */
export function fuseMounter(entry: Pick<MountEntry, 'fstype' | 'superOptions'>): { uid: number; gid: number } | undefined {
  const { fstype } = entry;
  if (fstype !== 'fuse' && fstype !== 'fuseblk' && !fstype.startsWith('fuse.')) return undefined;
  const uid = Number(optionValue(entry.superOptions, 'user_id'));
  const gid = Number(optionValue(entry.superOptions, 'group_id'));
  if (!Number.isSafeInteger(uid) || uid <= 0 || !Number.isSafeInteger(gid) || gid < 0) return undefined;
  return { uid, gid };
}
