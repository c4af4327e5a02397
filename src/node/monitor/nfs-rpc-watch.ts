// The NFS mounts' RPC counters, read from /proc/self/mountstats (procfs: kernel counters, no mount is
// touched) at every sweep and every few seconds between, and each mount's degrading judgement from the
// change between reads (src/common/nfs-degrading.ts). The one place statuses get `nfs` and `degrading` from.
import type { Degrading, MountEntry, NfsRpcStats } from '../../common/mount.js';
import { nfsStatsByMountpoint, type ParsedMountstats } from '../../common/mountstats.js';
import { DegradingJudge, rpcSample } from '../../common/nfs-degrading.js';
import { isNfsClientFstype } from '../passive/nfs-shutdown.js';

/** A mount whose degrading episode began or ended at this read. */
export interface DegradingChange {
  mountpoint: string;
  /** The episode, when it began; undefined when it ended. */
  degrading: Degrading | undefined;
  /** How long an ended episode lasted (ms). */
  lastedMs?: number;
}

interface Watched {
  /** Which mount the counters are of: a new mount on the same path starts afresh. */
  device: string;
  judge: DegradingJudge;
  nfs: NfsRpcStats;
  degrading?: Degrading;
}

export class NfsRpcWatch {
  private readonly byMountpoint = new Map<string, Watched>();

  /**
   * Takes a read of mountstats for the NFS mounts of the table (by mountpoint: mountstats has no mount
   * ids; a later local mount on the same path is not an NFS entry and borrows nothing). Returns the mounts
   * whose counters changed, and the episodes that began or ended.
   */
  update(entries: readonly MountEntry[], stats: ParsedMountstats, now: number): { changed: Set<string>; episodes: DegradingChange[] } {
    const byMp = nfsStatsByMountpoint(stats);
    const changed = new Set<string>();
    const episodes: DegradingChange[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      if (!isNfsClientFstype(entry.fstype)) continue;
      const stat = byMp.get(entry.mountpoint);
      const sample = stat && rpcSample(stat, now);
      if (!stat?.rpc || !sample) continue;
      seen.add(entry.mountpoint);
      let w = this.byMountpoint.get(entry.mountpoint);
      if (!w || w.device !== stat.device) {
        w = { device: stat.device, judge: new DegradingJudge(), nfs: { ops: 0, retransmissions: 0, majorTimeouts: 0, avgBacklog: 0, sends: 0, replies: 0 } };
        this.byMountpoint.set(entry.mountpoint, w);
      }
      const j = w.judge.update(sample);
      const t = stat.rpc.totals;
      const nfs: NfsRpcStats = {
        ops: t.ops,
        retransmissions: t.retransmissions,
        majorTimeouts: t.majorTimeouts,
        avgBacklog: t.avgBacklog,
        sends: t.sends,
        replies: t.replies,
        ...(j.rttMs !== undefined ? { rttMs: round(j.rttMs) } : {}),
        ...(j.usualRttMs !== undefined ? { usualRttMs: round(j.usualRttMs) } : {}),
      };
      const before = w.degrading;
      if (j.degrading) w.degrading = { reason: j.reason ?? 'degrading', since: before?.since ?? now };
      else delete w.degrading;
      if (!before && w.degrading) episodes.push({ mountpoint: entry.mountpoint, degrading: w.degrading });
      if (before && !w.degrading) episodes.push({ mountpoint: entry.mountpoint, degrading: undefined, lastedMs: now - before.since });
      if (!sameStats(w.nfs, nfs) || before?.reason !== w.degrading?.reason) changed.add(entry.mountpoint);
      w.nfs = nfs;
    }
    for (const mp of this.byMountpoint.keys()) if (!seen.has(mp)) this.byMountpoint.delete(mp);
    return { changed, episodes };
  }

  /** What statuses carry for this mount: its counters and, while degrading, the episode. */
  facts(entry: MountEntry): { nfs?: NfsRpcStats; degrading?: Degrading } | undefined {
    if (!isNfsClientFstype(entry.fstype)) return undefined;
    const w = this.byMountpoint.get(entry.mountpoint);
    if (!w) return undefined;
    return w.degrading ? { nfs: w.nfs, degrading: w.degrading } : { nfs: w.nfs };
  }

  get empty(): boolean {
    return this.byMountpoint.size === 0;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function sameStats(a: NfsRpcStats, b: NfsRpcStats): boolean {
  return a.ops === b.ops && a.sends === b.sends && a.replies === b.replies && a.retransmissions === b.retransmissions && a.majorTimeouts === b.majorTimeouts && a.rttMs === b.rttMs;
}
