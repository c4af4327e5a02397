// What the helper will and will not unmount, and in which order (issue 13). Pure: decided from the mount
// table and the monitor's status alone. The helper enforces it; the app uses it to say what can be done.
//
// Never: `/`; local disk filesystems (they hang on no server, and unmounting one under running programs
// is an outage of its own); memory filesystems (their files exist only while mounted); kernel
// filesystems; autofs trigger entries (they belong to the automount daemon); anything that is not a
// network or FUSE filesystem. A mount that answers is unmounted only when the request says so (--yes).
import type { MountEntry, MountState, MountStatus } from './mount.js';
import { isPseudoFstype, AUTOFS_FSTYPE } from './mount-table/scope.js';
import { isUnder } from './mount-table/path-to-mount.js';
import { isUnusable } from './state-classes.js';

/** Filesystems whose files live in memory only. */
const MEMORY_FSTYPES: ReadonlySet<string> = new Set(['tmpfs', 'ramfs', 'devtmpfs', 'hugetlbfs', 'shm', 'zram']);

/** Local filesystems on block devices (a source under /dev/ counts too, whatever its type). */
const LOCAL_DISK_FSTYPES: ReadonlySet<string> = new Set([
  'ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'bcachefs', 'zfs', 'f2fs', 'jfs', 'reiserfs', 'nilfs2', 'vfat', 'msdos',
  'exfat', 'ntfs', 'ntfs3', 'hfs', 'hfsplus', 'apfs', 'ufs', 'iso9660', 'udf', 'squashfs', 'erofs', 'cramfs',
  'romfs', 'minix', 'fuseblk', 'ocfs2', 'gfs2',
]);

/** Network filesystems: they hang when their server goes, and their unmount can abort what they wait for. */
const NETWORK_FSTYPES: ReadonlySet<string> = new Set(['nfs', 'nfs3', 'nfs4', 'cifs', 'smb3', 'smbfs', '9p', 'ceph', 'afs', 'coda', 'lustre', 'glusterfs', 'davfs', 'webdav']);

export function isFuseFstype(fstype: string): boolean {
  return fstype === 'fuse' || (fstype.startsWith('fuse.') && fstype.length > 5);
}

/** What the unmount must abort first: a FUSE connection, or a network filesystem's requests (MNT_FORCE). */
export function unmountKind(fstype: string): 'fuse' | 'network' {
  return isFuseFstype(fstype) ? 'fuse' : 'network';
}

/** Why the helper never unmounts this mount, or undefined when it may. */
export function neverUnmountReason(entry: Pick<MountEntry, 'mountpoint' | 'fstype' | 'source'>): string | undefined {
  const { mountpoint, fstype, source } = entry;
  if (mountpoint === '/') return 'it is the root filesystem';
  if (fstype === AUTOFS_FSTYPE) {
    return 'it is an autofs trigger entry, which belongs to the automount daemon (a filesystem mounted on it can be unmounted instead)';
  }
  if (MEMORY_FSTYPES.has(fstype)) return `it is a memory filesystem (${fstype}): its files exist only while it is mounted`;
  if (isPseudoFstype(fstype)) return `it is a kernel filesystem (${fstype})`;
  if (LOCAL_DISK_FSTYPES.has(fstype) || source.startsWith('/dev/')) {
    return `it is a local disk filesystem (${fstype} on ${source}), which does not hang on a server: unmount it with umount(8) yourself if you must`;
  }
  if (!isFuseFstype(fstype) && !NETWORK_FSTYPES.has(fstype)) return `it is not a network or FUSE filesystem (${fstype}): only those are unmounted`;
  return undefined;
}

/** The mount a lookup of `mountpoint` reaches: the top of those stacked there (none mounted on it at the same path). */
export function topMountAt(entries: readonly MountEntry[], mountpoint: string): MountEntry | undefined {
  const here = entries.filter((e) => e.mountpoint === mountpoint);
  return here.find((e) => !here.some((o) => o.parentId === e.mountId));
}

/** The mounts under `target` (on it or below it, at any depth), leaf first: the order they must go in. */
export function mountsUnder(entries: readonly MountEntry[], target: MountEntry): MountEntry[] {
  const byId = new Map(entries.map((e) => [e.mountId, e]));
  const depthBelow = (e: MountEntry): number | undefined => {
    let depth = 0;
    for (let cur: MountEntry | undefined = e; cur; cur = byId.get(cur.parentId), depth++) {
      if (cur.mountId === target.mountId) return depth;
      if (cur.parentId === cur.mountId || depth > entries.length) return undefined;
    }
    return undefined;
  };
  const under: { entry: MountEntry; depth: number; index: number }[] = [];
  entries.forEach((entry, index) => {
    if (entry.mountId === target.mountId) return;
    const depth = depthBelow(entry);
    // A child by id always lies on or below its parent's path; the check keeps odd tables honest.
    if (depth !== undefined && isUnder(entry.mountpoint, target.mountpoint)) under.push({ entry, depth, index });
  });
  // Deepest first; among equals the later mounted first.
  under.sort((a, b) => b.depth - a.depth || b.index - a.index);
  return under.map((u) => u.entry);
}

/** How a mount that is not known to be dead is described in a refusal. */
const HEALTHY_WORDS: Partial<Record<MountState, string>> = {
  ok: 'it is answering',
  denied: 'it is answering (its mode does not let its owner list it)',
  idle: 'it is an idle automount, which its automount daemon expires by itself',
  covered: 'it is covered by another mount',
  unknown: 'it has not been checked yet',
};

export type UnmountDecision =
  | { ok: true; target: MountEntry; plan: MountEntry[] }
  | { ok: false; code: 'not-a-mountpoint' | 'refused'; reason: string };

/**
 * Whether `mountpoint` may be unmounted, and the plan (leaf first, the mount itself last). `status` is the
 * monitor's view of the top mount there (undefined when it does not check it). A refusal's reason is about
 * "it", the mountpoint: "it is the root filesystem".
 */
export function decideUnmount(
  entries: readonly MountEntry[],
  mountpoint: string,
  status: Pick<MountStatus, 'state' | 'message'> | undefined,
  evenIfHealthy: boolean,
): UnmountDecision {
  const target = topMountAt(entries, mountpoint);
  if (!target) {
    const holder = [...entries].filter((e) => isUnder(mountpoint, e.mountpoint)).sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
    return {
      ok: false,
      code: 'not-a-mountpoint',
      reason: `it is not a mountpoint${holder ? ` (it lies in ${holder.mountpoint})` : ''}`,
    };
  }
  const never = neverUnmountReason(target);
  if (never) return { ok: false, code: 'refused', reason: never };
  const under = mountsUnder(entries, target);
  for (const sub of under) {
    const why = neverUnmountReason(sub);
    if (why) {
      return {
        ok: false,
        code: 'refused',
        reason: `${sub.mountpoint} is mounted under it, and ${why.replace(/^it /, 'that one ')}: unmount that one first`,
      };
    }
  }
  if (!evenIfHealthy) {
    if (!status) {
      return { ok: false, code: 'refused', reason: 'the monitor does not check it, so it is not known to be dead (add --yes to unmount it anyway)' };
    }
    // Unusable includes disconnected: such a mount is unmounted to be mounted again, no --yes for that.
    if (!isUnusable(status.state)) {
      return { ok: false, code: 'refused', reason: `${HEALTHY_WORDS[status.state] ?? `it is ${status.state}`} (add --yes to unmount it anyway)` };
    }
  }
  return { ok: true, target, plan: [...under, target] };
}
