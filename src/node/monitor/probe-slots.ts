// At most one probe in flight per mount, across sweeps and rechecks (after node_exporter's stuck-mount
// set: a second probe of a hung mount would only hang beside the first). A probe that answered 'hung' was
// sent SIGKILL; until its child has exited and been reaped it keeps the slot, so the mount is never probed
// again, and once the grace is over it is 'stuck': a child blocked on a FUSE/NFS request its server
// already read sits in D state and survives SIGKILL, and a second probe would only pile up behind it.
// The one registry of stuck probes, by mount id like the statuses: only it sees a killed child exit, so
// the status and the log ask it.
import type { MountEntry } from '../../common/mount.js';
import type { Prober, ProbeResult } from '../probe/prober.js';
import { probeTarget } from '../probe/probe-target.js';
import { sameMount } from './status-store.js';

/**
 * A killed probe that exits within this long of its SIGKILL was only slow to die, not stuck: a probe in
 * a killable NFS wait exits within about a second (measured in an emulated guest, where everything is
 * slow), so five leave room. Its mount stays hung meanwhile; only one still there after it is stuck.
 */
const STUCK_GRACE_MS = 5000;

export interface SlotState {
  /** The mount probed (an id names another mount once the kernel reused it). */
  entry: MountEntry;
  /** The pending or settled answer of the probe holding the slot. */
  result: Promise<ProbeResult>;
  startedAt: number;
  /** Set once the probe answered 'hung' (SIGKILL sent); the slot stays taken until the child exits. */
  killed?: { pid: number; at: number };
}

/** A killed probe whose child is still there after the grace. */
export interface Stuck {
  pid: number;
  stuckMs: number;
}

export type SlotEvent =
  /** The grace of a killed probe is over and its child is still there: its mount is stuck. */
  | { type: 'stuck'; entry: MountEntry; stuck: Stuck }
  /** A killed probe's child finally exited: its mount may be probed again. */
  | { type: 'released'; entry: MountEntry; pid: number; stuckMs: number };

export class ProbeSlots {
  private readonly slots = new Map<number, SlotState>();
  /** Per table entry (the same objects while the table is unchanged): what its probes carry besides the path. */
  private readonly targets = new WeakMap<MountEntry, ReturnType<typeof probeTarget>>();

  constructor(
    private readonly prober: () => Prober,
    private readonly now: () => number,
    private readonly onEvent: (event: SlotEvent) => void,
  ) {}

  /** The slot's current holder for this very mount (not an earlier mount that had its id), if any. */
  get(entry: MountEntry): SlotState | undefined {
    const held = this.slots.get(entry.mountId);
    return held && sameMount(held.entry, entry) ? held : undefined;
  }

  /** The mount's killed probe, if its child is still there after the grace. */
  stuck(entry: MountEntry): Stuck | undefined {
    const killed = this.get(entry)?.killed;
    if (!killed) return undefined;
    const stuckMs = this.now() - killed.at;
    // An injected clock that has not moved (tests) says the grace is not over.
    return stuckMs >= STUCK_GRACE_MS ? { pid: killed.pid, stuckMs } : undefined;
  }

  /** Number of probes whose child has not been reaped yet. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Returns the in-flight probe of this mount if there is one (joined, not duplicated), a 'killed'
   * marker if its killed child has not exited, or starts a new probe.
   */
  acquire(
    entry: MountEntry,
    timeoutMs: number,
    asOwner: boolean,
  ): { kind: 'killed'; slot: SlotState } | { kind: 'probe'; slot: SlotState; started: boolean } {
    const { mountpoint, mountId } = entry;
    // A slot of an earlier mount with this id (unmounted before its probe reached it) is left to run out.
    const held = this.get(entry);
    if (held) return held.killed ? { kind: 'killed', slot: held } : { kind: 'probe', slot: held, started: false };
    const startedAt = this.now();
    let target = this.targets.get(entry);
    if (!target) this.targets.set(entry, (target = probeTarget(entry)));
    const run = this.prober().probe({ path: mountpoint, timeoutMs, asOwner, ...target });
    const slot: SlotState = { entry, result: run.result, startedAt };
    this.slots.set(mountId, slot);
    run.result.then((r) => {
      if (r.state !== 'hung') return;
      slot.killed = { pid: r.pid, at: this.now() };
      this.stuckAfterGrace(entry, slot);
    }, () => undefined);
    run.exited.then(
      () => this.release(entry, slot),
      () => this.release(entry, slot),
    );
    return { kind: 'probe', slot, started: true };
  }

  /** Says the mount is stuck once the grace is over, if its killed probe is still there (not every mount is watched). */
  private stuckAfterGrace(entry: MountEntry, slot: SlotState): void {
    const timer = setTimeout(() => {
      const stuck = this.slots.get(entry.mountId) === slot ? this.stuck(entry) : undefined;
      if (stuck) this.onEvent({ type: 'stuck', entry, stuck });
    }, STUCK_GRACE_MS);
    timer.unref();
  }

  private release(entry: MountEntry, slot: SlotState): void {
    // The result settles before (or with) the exit; wait for it so a 'hung' answer is seen first.
    void slot.result.then(
      () => this.drop(entry, slot),
      () => this.drop(entry, slot),
    );
  }

  private drop(entry: MountEntry, slot: SlotState): void {
    if (this.slots.get(entry.mountId) !== slot) return;
    this.slots.delete(entry.mountId);
    if (slot.killed) {
      this.onEvent({ type: 'released', entry, pid: slot.killed.pid, stuckMs: this.now() - slot.killed.at });
    }
  }
}
