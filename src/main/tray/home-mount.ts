// Which mount holds the user's home directory, decided from strings alone.
//
// We never stat(), realpath() or open $HOME: when it is on a dead NFS server that call blocks the
// calling thread in the kernel (uninterruptible sleep, "D" state), which is exactly the freeze this app
// exists to warn about. So the answer is the longest mountpoint in the table that is a path prefix of
// $HOME, compared as normalised strings (path.posix.normalize is pure string work).
//
// Limitation (documented, not fixable without touching the path): if $HOME goes through a symlink
// (HOME=/home/alice where /home -> /net/home), the string match finds the mount of the symlink's
// location ("/"), not the NFS mount behind it. Set HOME to the real path, or point the app at it with
// MSM_HOME, to get the home-directory notification for such a setup.
import { posix } from 'node:path';
import type { MountState, MountStatus } from '../../common/mount.js';
import { homeMountOf } from '../../common/status-view/ordering.js';

/** $HOME normalised as a string: "//home/alice/" -> "/home/alice". Undefined if unset or relative. */
export function normaliseHome(home: string | undefined): string | undefined {
  if (!home || !home.startsWith('/')) return undefined;
  const n = posix.normalize(home);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * The status of the mount holding `home` ($HOME normalised first; the table's own rule, homeMountOf, then
 * picks the longest mountpoint prefix, the visible one of stacked mounts).
 */
export function findHomeMount(home: string | undefined, mounts: Iterable<MountStatus>): MountStatus | undefined {
  const h = normaliseHome(home);
  return h === undefined ? undefined : homeMountOf(h, mounts);
}

/** The home directory the app watches: MSM_HOME if set (symlinked homes, tests), else HOME. */
export function homeFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return normaliseHome(env.MSM_HOME ?? env.HOME);
}
