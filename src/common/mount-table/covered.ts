// Which mounts cannot be reached by path, so must not be probed (a probe would land on another mount).
//
// 1. Covered ("same-path"): several mounts on the same mountpoint; only the top one is visible. On Linux
//    the top is found by parent ids: a mount made over another has the lower one as its parent
//    (mountinfo field 2), so in each group of equal mountpoints the top is the member that is nobody's
//    parent within the group. Without usable parent ids (BSD/macOS: parentId -1), or if the ids do not
//    single out one top (mounts moved or propagated oddly), the LAST such member in table order wins:
//    both Linux (mount-list order) and getmntinfo(3) list mounts in the order they were made.
// 2. Unreachable ("under-covered"): a mount whose path leads through a covered mount. On Linux: an entry
//    whose parent mount is covered (and that is not itself on the parent's mountpoint, i.e. part of the
//    covering stack) or unreachable. Without parent ids: an entry with a LATER mount on a proper ancestor
//    directory of its mountpoint (mounted after it, so it hides it). On Linux also an entry with a
//    sibling (same parent mount) on a proper ancestor directory of its mountpoint, whatever the order:
//    `mount /t/a/b; mount /t/a` leaves both with the same parent, and a lookup of /t/a/b crosses into the
//    mount on /t/a and never reaches the dentry the first one sits on (path_walk follows the mount on
//    every component). Both are reported with the mount that
//    hides them; neither is probed. Decision: they are listed as covered (state "covered"), with `how`
//    saying which case, rather than silently dropped, so the count of checked mounts stays honest.
import type { MountEntry } from '../mount.js';

export interface CoveredMount {
  entry: MountEntry;
  /** The visible mount that hides it: the top of the same-path stack, or the mount over its ancestor. */
  by: MountEntry;
  how: 'same-path' | 'under-covered';
}

function parentDirs(path: string): string[] {
  const out: string[] = [];
  let p = path;
  for (;;) {
    const slash = p.lastIndexOf('/');
    if (slash < 0) break;
    p = slash === 0 ? '/' : p.slice(0, slash);
    out.push(p);
    if (p === '/') break;
  }
  return out;
}

/** Finds covered and unreachable mounts. Returns a map from table index to why it is hidden. */
export function findCovered(entries: readonly MountEntry[]): Map<number, CoveredMount> {
  const result = new Map<number, CoveredMount>();
  const byPath = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const g = byPath.get(e.mountpoint);
    if (g) g.push(i);
    else byPath.set(e.mountpoint, [i]);
  });

  // 1. Same-path stacks.
  for (const group of byPath.values()) {
    if (group.length < 2) continue;
    const ids = new Set(group.map((i) => entries[i]!.mountId));
    const parentsInGroup = new Set<number>();
    for (const i of group) {
      const p = entries[i]!.parentId;
      if (p >= 0 && ids.has(p) && p !== entries[i]!.mountId) parentsInGroup.add(p);
    }
    const tops = group.filter((i) => !parentsInGroup.has(entries[i]!.mountId));
    const top = tops[tops.length - 1] ?? group[group.length - 1]!;
    for (const i of group) {
      if (i !== top) result.set(i, { entry: entries[i]!, by: entries[top]!, how: 'same-path' });
    }
  }

  // 2. Mounts reached only through a hidden mount.
  const useIds = entries.some((e) => e.parentId >= 0);
  if (useIds) {
    const indexById = new Map<number, number>();
    entries.forEach((e, i) => indexById.set(e.mountId, i));
    // Mounts by (parent id, mountpoint): a sibling on an ancestor directory shadows the deeper one.
    const byParentAndPath = new Map<string, number>();
    entries.forEach((e, i) => {
      const key = `${e.parentId}\0${e.mountpoint}`;
      if (!byParentAndPath.has(key)) byParentAndPath.set(key, i);
    });
    const shadowOf = (i: number): number | undefined => {
      const e = entries[i]!;
      const pi = indexById.get(e.parentId);
      if (pi === undefined || pi === i) return undefined;
      const parentPath = entries[pi]!.mountpoint;
      for (const dir of parentDirs(e.mountpoint)) {
        // Only directories inside the parent mount: a mount on the parent's own path is a same-path stack.
        if (dir.length <= parentPath.length) break;
        const j = byParentAndPath.get(`${e.parentId}\0${dir}`);
        if (j !== undefined && j !== i) return j;
      }
      return undefined;
    };
    const state = new Map<number, CoveredMount | null>(); // memo per index; null = reachable
    const hiddenBy = (i: number, depth: number): CoveredMount | null => {
      const known = result.get(i);
      if (known) return known;
      if (state.has(i)) return state.get(i)!;
      state.set(i, null); // guards against parent-id cycles in a corrupt table
      const e = entries[i]!;
      const pi = indexById.get(e.parentId);
      let r: CoveredMount | null = null;
      const sj = shadowOf(i);
      if (sj !== undefined) {
        // Hidden by whatever is visible at the sibling's path: its stack's top, or what hides the sibling.
        const sh = result.get(sj) ?? (depth < 4096 ? hiddenBy(sj, depth + 1) : null);
        r = { entry: e, by: sh ? sh.by : entries[sj]!, how: 'under-covered' };
      } else if (pi !== undefined && pi !== i && depth < 4096) {
        const parent = entries[pi]!;
        const ph = hiddenBy(pi, depth + 1);
        if (ph && !(ph.how === 'same-path' && parent.mountpoint === e.mountpoint)) {
          r = { entry: e, by: ph.by, how: 'under-covered' };
        }
      }
      state.set(i, r);
      return r;
    };
    entries.forEach((_, i) => {
      if (!result.has(i)) {
        const r = hiddenBy(i, 0);
        if (r) result.set(i, r);
      }
    });
  } else {
    const lastAt = new Map<string, number>();
    entries.forEach((e, i) => lastAt.set(e.mountpoint, i));
    entries.forEach((e, i) => {
      if (result.has(i)) return;
      for (const dir of parentDirs(e.mountpoint)) {
        const j = lastAt.get(dir);
        if (j !== undefined && j > i) {
          result.set(i, { entry: e, by: entries[j]!, how: 'under-covered' });
          return;
        }
      }
    });
  }
  return result;
}
