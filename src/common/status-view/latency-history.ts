// The last N probes of each mount, kept by the window from pushed changes (the monitor sends only the
// latest status), for the latency sparkline.
import type { MountState, MountStatus } from '../mount.js';
import { isKilled, isUnprobed } from '../state-classes.js';

export interface ProbePoint {
  /** When the probe finished (checkedAt), or when the state was entered if the monitor did not say. */
  at: number;
  state: MountState;
  /** Undefined for a probe that did not finish (hung, stuck). */
  latencyMs?: number;
}

export class LatencyHistory {
  private readonly points = new Map<string, ProbePoint[]>();

  constructor(readonly limit = 30) {}

  /** Records the probe behind `status` unless it is the one recorded last (same status pushed again). */
  record(status: MountStatus): void {
    if (isUnprobed(status.state)) return;
    const at = status.checkedAt ?? status.since;
    const list = this.points.get(status.mountpoint) ?? [];
    const finished = !isKilled(status.state);
    // A latency that is not a finite, non-negative number (NaN survives Electron's structured clone) is
    // kept as "no latency": one NaN would otherwise make the sparkline's scale, and every point, NaN.
    const latency = status.latencyMs;
    const valid = typeof latency === 'number' && Number.isFinite(latency) && latency >= 0;
    const point: ProbePoint = { at, state: status.state, ...(finished && valid ? { latencyMs: latency } : {}) };
    const last = list[list.length - 1];
    if (last && last.at === at && last.state === point.state && last.latencyMs === point.latencyMs) return;
    list.push(point);
    if (list.length > this.limit) list.splice(0, list.length - this.limit);
    this.points.set(status.mountpoint, list);
  }

  get(mountpoint: string): readonly ProbePoint[] {
    return this.points.get(mountpoint) ?? [];
  }

  forget(mountpoint: string): void {
    this.points.delete(mountpoint);
  }
}
