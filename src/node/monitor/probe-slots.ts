// At most one probe in flight per mountpoint, across sweeps and rechecks (after node_exporter's
// stuck-mount set: a second probe of a hung mount would only hang beside the first). A probe that answered 'hung' was sent SIGKILL; until its child has
// exited and been reaped it keeps the slot, so the mount is reported 'stuck' and never probed again:
// a child blocked on a FUSE/NFS request its server already read sits in D state and survives SIGKILL,
// and a second probe would only pile up behind it.
import type { MountEntry } from '../../common/mount.js';
import type { Prober, ProbeResult } from '../probe/prober.js';
import { probeTarget } from '../probe/probe-target.js';

export interface SlotState {
  /** The pending or settled answer of the probe holding the slot. */
  result: Promise<ProbeResult>;
  startedAt: number;
  /** Set once the probe answered 'hung' (SIGKILL sent); the slot stays taken until the child exits. */
  killed?: { pid: number; at: number };
}

export type SlotEvent =
  /** A killed probe's child finally exited: its mount may be probed again. */
  { type: 'released'; mountpoint: string; pid: number; stuckMs: number };

export class ProbeSlots {
  private readonly slots = new Map<string, SlotState>();
  /** Per table entry (the same objects while the table is unchanged): what its probes carry besides the path. */
  private readonly targets = new WeakMap<MountEntry, ReturnType<typeof probeTarget>>();

  constructor(
    private readonly prober: () => Prober,
    private readonly now: () => number,
    private readonly onEvent: (event: SlotEvent) => void,
  ) {}

  /** The slot's current holder, if any. */
  get(mountpoint: string): SlotState | undefined {
    return this.slots.get(mountpoint);
  }

  /** Number of probes whose child has not been reaped yet. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Returns the in-flight probe of this mountpoint if there is one (joined, not duplicated), a
   * 'stuck' marker if its killed child has not exited, or starts a new probe.
   */
  acquire(
    entry: MountEntry,
    timeoutMs: number,
    asOwner: boolean,
  ): { kind: 'stuck'; slot: SlotState } | { kind: 'probe'; slot: SlotState; started: boolean } {
    const { mountpoint } = entry;
    const held = this.slots.get(mountpoint);
    if (held) return held.killed ? { kind: 'stuck', slot: held } : { kind: 'probe', slot: held, started: false };
    const startedAt = this.now();
    let target = this.targets.get(entry);
    if (!target) this.targets.set(entry, (target = probeTarget(entry)));
    const run = this.prober().probe({ path: mountpoint, timeoutMs, asOwner, ...target });
    const slot: SlotState = { result: run.result, startedAt };
    this.slots.set(mountpoint, slot);
    run.result.then((r) => {
      if (r.state === 'hung') slot.killed = { pid: r.pid, at: this.now() };
    }, () => undefined);
    run.exited.then(
      () => this.release(mountpoint, slot),
      () => this.release(mountpoint, slot),
    );
    return { kind: 'probe', slot, started: true };
  }

  private release(mountpoint: string, slot: SlotState): void {
    // The result settles before (or with) the exit; wait for it so a 'hung' answer is seen first.
    void slot.result.then(
      () => this.drop(mountpoint, slot),
      () => this.drop(mountpoint, slot),
    );
  }

  private drop(mountpoint: string, slot: SlotState): void {
    if (this.slots.get(mountpoint) !== slot) return;
    this.slots.delete(mountpoint);
    if (slot.killed) {
      this.onEvent({ type: 'released', mountpoint, pid: slot.killed.pid, stuckMs: this.now() - slot.killed.at });
    }
  }
}
