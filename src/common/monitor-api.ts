// The one surface every consumer of mount health uses: the helper's socket client, the app's embedded
// monitor and the status window all speak this. Methods return promises; events are onX.
import type { MountState, MountStatus } from './mount.js';

/** Who is doing the probing, as the app must say it in its tooltip and menu. */
export interface MonitorIdentity {
  /** "system": the privileged helper service; "user": a helper run by this user; "embedded": in the app. */
  mode: 'system' | 'user' | 'embedded';
  /** True when probes switch to each mountpoint's owner (the monitor runs as root). */
  privileged: boolean;
  pid: number;
  version: string;
}

export interface SweepSummary {
  checked: number;
  dead: number;
  seconds: number;
  finishedAt: number;
}

export interface Snapshot {
  identity: MonitorIdentity;
  /** Undefined until the first sweep has finished. */
  lastSweep?: SweepSummary;
  mounts: MountStatus[];
  /** Set by the helper's socket only: mounts left out so the reply fits its frame (problems are kept first). */
  omitted?: number;
}

/** An ok probe's answer that changed nothing but its latency: [mount id, latencyMs, checkedAt]. */
export type ProbeLatency = [mountId: number, latencyMs: number, checkedAt: number];

export type MonitorEvent =
  /**
   * A mount appeared or changed: its state, message, capacity, facts. An ok probe that changed nothing but
   * its latency is one only for a watched or rechecked mount; the others' come in the sweep's `probes`.
   */
  | { type: 'mount'; mount: MountStatus; previous: MountState | null }
  /** A mount left the mount table. */
  | { type: 'removed'; mountpoint: string }
  /** A sweep finished; `probes`: the quiet ok probes since the last sweep's event (absent when none). */
  | { type: 'sweep'; summary: SweepSummary; probes?: ProbeLatency[] };

export interface RecheckResult {
  /** Mountpoints whose probe was started (or joined, when one was already in flight). */
  started: string[];
  /** Mountpoints left alone, with the reason (stuck, covered, idle automount). */
  skipped: { mountpoint: string; reason: string }[];
}

export interface MonitorApi {
  snapshot(): Promise<Snapshot>;
  /** Subscribes to every state change; returns the unsubscribe function. */
  onChange(listener: (event: MonitorEvent) => void): () => void;
  /** Recheck one mount from the table (by mountpoint), or all of them. Never probes a path not in the table. */
  recheck(mountpoint?: string): Promise<RecheckResult>;
}
