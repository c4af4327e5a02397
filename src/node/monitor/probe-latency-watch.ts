// Each mount's degrading judgement from its probes' latencies (src/common/probe-latency-degrading.ts),
// for every mount but NFS ones (judged from their RPC counters: nfs-rpc-watch.ts). It logs an episode's
// beginning and end itself, and says what statuses carry while one lasts.
import type { Degrading, MountEntry } from '../../common/mount.js';
import { LatencyJudge } from '../../common/probe-latency-degrading.js';
import type { ProbeResult } from '../probe/prober.js';
import { isNfsClientFstype } from '../passive/nfs-shutdown.js';
import type { MonitorLog } from './monitor-log.js';
import { sameMount } from './status-store.js';

interface Judged {
  entry: MountEntry;
  judge: LatencyJudge;
  degrading?: Degrading;
}

export class ProbeLatencyWatch {
  private readonly byId = new Map<number, Judged>();

  constructor(
    private readonly log: () => MonitorLog,
    private readonly now: () => number,
  ) {}

  /** A probe of `entry` answered (`server` names it in the log): judged when it reached the mount. */
  answered(entry: MountEntry, result: ProbeResult, server: string | undefined): void {
    if (result.state !== 'ok' || isNfsClientFstype(entry.fstype)) return;
    let j = this.byId.get(entry.mountId);
    if (!j || !sameMount(j.entry, entry)) this.byId.set(entry.mountId, (j = { entry, judge: new LatencyJudge() }));
    const { degrading, reason } = j.judge.answered(result.latencyMs);
    const before = j.degrading;
    if (degrading) j.degrading = { reason: reason ?? 'degrading', since: before?.since ?? this.now() };
    else delete j.degrading;
    if (!before && j.degrading) this.log().degrading(entry.mountpoint, server, j.degrading.reason);
    if (before && !j.degrading) this.log().degradingOver(entry.mountpoint, this.now() - before.since);
  }

  /** What the mount's status carries while an episode lasts. */
  facts(entry: MountEntry): { degrading: Degrading } | undefined {
    const j = this.byId.get(entry.mountId);
    return j?.degrading && sameMount(j.entry, entry) ? { degrading: j.degrading } : undefined;
  }

  /** The mount left the table. */
  forget(mountId: number): void {
    this.byId.delete(mountId);
  }
}
