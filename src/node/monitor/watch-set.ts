// Which mounts are in the watch tier (probed every watch-interval, not every interval): the mounts that
// hold the given directories (the homes of connected clients and logged-in users, the app's own home),
// and the mounts matching the `watch` patterns. A directory's mount is found from the mount table alone,
// by path prefix (MountIndex): the directory itself is never touched.
import type { MountStatus } from '../../common/mount.js';
import { MountIndex } from '../../common/mount-table/path-to-mount.js';
import { matchesAnyPattern } from '../../common/mount-table/scope.js';
import type { SweepPlan } from './sweep-plan.js';

export type WatchReason = NonNullable<MountStatus['watched']>;

export class WatchSet {
  /** Directories by who asked for them ("clients", "sessions", "self"). */
  private readonly dirs = new Map<string, readonly string[]>();
  private patterns: readonly string[] = [];
  private cachedFor: SweepPlan | undefined;
  private cached = new Map<number, WatchReason>();

  /** Replaces the directories one requester watches ([] to stop). */
  setDirectories(requester: string, dirs: readonly string[]): void {
    if (dirs.length === 0) this.dirs.delete(requester);
    else this.dirs.set(requester, [...dirs]);
    this.cachedFor = undefined;
  }

  setPatterns(patterns: readonly string[]): void {
    this.patterns = [...patterns];
    this.cachedFor = undefined;
  }

  get empty(): boolean {
    return this.dirs.size === 0 && this.patterns.length === 0;
  }

  /** The watched mounts of a plan (by mount id), with why; recomputed only when the plan or the set changes. */
  of(plan: SweepPlan): ReadonlyMap<number, WatchReason> {
    if (this.cachedFor === plan) return this.cached;
    const out = new Map<number, WatchReason>();
    if (!this.empty) {
      const probed = new Map(plan.items.filter((i) => !i.skip).map((i) => [i.entry.mountId, i]));
      if (this.dirs.size > 0) {
        const index = new MountIndex(plan.table);
        for (const list of this.dirs.values())
          for (const dir of list)
            // Stacked mounts on one path: only the top one (not covered, so not skipped) is reachable.
            for (const id of index.mountsOf(dir)) if (probed.has(id)) out.set(id, 'home');
      }
      if (this.patterns.length > 0) {
        for (const [id, item] of probed) if (!out.has(id) && matchesAnyPattern(this.patterns, item.entry)) out.set(id, 'pattern');
      }
    }
    this.cachedFor = plan;
    this.cached = out;
    return out;
  }
}
