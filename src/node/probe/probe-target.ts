// What a probe request carries about its mount besides the path, from the mount-table entry.
import type { MountEntry } from '../../common/mount.js';
import { fuseMounter } from '../../common/mount-table/user-mount.js';
import type { ProbeRequest } from './prober.js';

/**
 * A user's own FUSE mount is probed as that user from the first call: the kernel lets
 * no one else in, root included (user-mount.ts), so root's probe only ever met EACCES.
 *
 * The mount the path must lead to: mountinfo's id, and its device for kernels whose
 * statx(2) has no mount id. Only from a Linux mountinfo entry (BSD tables have no ids: `device` is "").
 * Not btrfs's device: a subvolume's files report an anonymous device, not the one mountinfo shows.
 */
export function probeTarget(entry: Pick<MountEntry, 'mountId' | 'device' | 'fstype' | 'superOptions'>): Pick<ProbeRequest, 'mount' | 'asUser'> {
  const mounter = fuseMounter(entry);
  const asUser = mounter ? { asUser: mounter } : {};
  if (entry.device === '') return asUser;
  return { ...asUser, mount: entry.fstype === 'btrfs' ? { id: entry.mountId } : { id: entry.mountId, device: entry.device } };
}
