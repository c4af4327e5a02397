// Which mount a path (as the kernel prints it in /proc/PID/cwd, /proc/PID/fd/N, /proc/PID/maps) lies in,
// decided from the mount table alone: the longest mountpoint that is the path or a directory above it.
// Pure. Used where the kernel gives us a path but no mount id; never resolves anything on disk.
import type { MountEntry } from '../mount.js';

/** d_path() appends this to the path of an unlinked file or directory (fs/d_path.c). */
const DELETED = ' (deleted)';

export class MountIndex {
  /** mountpoint → every mount on it (stacked mounts share a mountpoint; we keep them all). */
  private readonly byPoint = new Map<string, number[]>();
  readonly parentOf = new Map<number, number>();

  constructor(entries: readonly MountEntry[]) {
    for (const e of entries) {
      const list = this.byPoint.get(e.mountpoint);
      if (list) list.push(e.mountId);
      else this.byPoint.set(e.mountpoint, [e.mountId]);
      this.parentOf.set(e.mountId, e.parentId);
    }
  }

  /**
   * The mounts a path is in: all mounts on the longest matching mountpoint (more than one only when
   * mounts are stacked on one path; we cannot tell which one a process entered, so we name them all —
   * erring towards "busy" only ever means probing a mount someone may be using). [] for a path that is
   * not absolute (sockets, pipes, anon inodes: "socket:[123]").
   */
  mountsOf(path: string): readonly number[] {
    if (path.length === 0 || path.charCodeAt(0) !== 0x2f) return [];
    let p = path.endsWith(DELETED) ? path.slice(0, -DELETED.length) : path;
    for (;;) {
      const hit = this.byPoint.get(p);
      if (hit) return hit;
      if (p === '/') return [];
      const slash = p.lastIndexOf('/');
      p = slash <= 0 ? '/' : p.slice(0, slash);
    }
  }

  /** The mount and all its ancestors (a mount below a busy one keeps that one from expiring too). */
  withAncestors(ids: Iterable<number>): Set<number> {
    const out = new Set<number>();
    for (let id of ids) {
      while (!out.has(id)) {
        out.add(id);
        const parent = this.parentOf.get(id);
        // The root mount's parent (often 0 or an id outside our namespace) is not a mount we list.
        if (parent === undefined || parent === id || !this.parentOf.has(parent)) break;
        id = parent;
      }
    }
    return out;
  }
}

/** True when `path` is `point` or lies below it, component-wise (/home2 is not under /home). */
export function isUnder(path: string, point: string): boolean {
  if (point === '/') return path.startsWith('/');
  return path === point || (path.startsWith(point) && path.charCodeAt(point.length) === 0x2f);
}
