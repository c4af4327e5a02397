// The window's model: the snapshot, updated by pushed MonitorEvents, plus each mount's probe history.
// Events that arrive before the first snapshot are queued and applied after it, so subscribing first and
// then asking for the snapshot never loses a change.
import type { MonitorEvent, MonitorIdentity, Snapshot, SweepSummary } from '../monitor-api.js';
import type { MountState, MountStatus } from '../mount.js';
import { LatencyHistory } from './latency-history.js';

export interface StateChange {
  mountpoint: string;
  previous: MountState | null;
  state: MountState;
}

export class MountStore {
  readonly history: LatencyHistory;
  identity: MonitorIdentity | undefined;
  lastSweep: SweepSummary | undefined;
  /**
   * Mounts the helper left out of the snapshot (Snapshot.omitted: too many for one reply), less those that
   * have arrived by event since. A mount mounted meanwhile counts as one of them: the figure can only err low.
   */
  omitted = 0;
  private readonly byId = new Map<number, MountStatus>();
  private pending: MonitorEvent[] | undefined = [];

  constructor(historyLimit = 30) {
    this.history = new LatencyHistory(historyLimit);
  }

  get loaded(): boolean {
    return this.pending === undefined;
  }

  get mounts(): MountStatus[] {
    return [...this.byId.values()];
  }

  load(snapshot: Snapshot): void {
    this.identity = snapshot.identity;
    this.lastSweep = snapshot.lastSweep;
    this.omitted = snapshot.omitted ?? 0;
    this.byId.clear();
    for (const m of snapshot.mounts) {
      this.byId.set(m.mountId, m);
      this.history.record(m);
    }
    const queued = this.pending ?? [];
    this.pending = undefined;
    for (const e of queued) this.apply(e);
  }

  /** Applies one pushed event; returns the state change it makes, if any (for the live region). */
  apply(event: MonitorEvent): StateChange | undefined {
    if (this.pending) {
      this.pending.push(event);
      return undefined;
    }
    switch (event.type) {
      case 'mount': {
        const before = this.byId.get(event.mount.mountId);
        if (!before && this.omitted > 0) this.omitted--;
        this.byId.set(event.mount.mountId, event.mount);
        this.history.record(event.mount);
        const previous = before?.state ?? event.previous;
        if (previous === event.mount.state) return undefined;
        return { mountpoint: event.mount.mountpoint, previous, state: event.mount.state };
      }
      case 'removed':
        for (const [id, m] of this.byId) if (m.mountpoint === event.mountpoint) this.byId.delete(id);
        this.history.forget(event.mountpoint);
        return undefined;
      case 'sweep':
        this.lastSweep = event.summary;
        for (const [mountId, latencyMs, checkedAt] of event.probes ?? []) {
          const m = this.byId.get(mountId);
          if (!m) continue;
          const probed = { ...m, latencyMs, checkedAt };
          this.byId.set(mountId, probed);
          this.history.record(probed);
        }
        return undefined;
    }
  }
}
